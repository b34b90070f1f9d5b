"""The agent's console 来电工作台: the calls the telephony system logs for this agent appear on the open page;
the caller's file 一户一档 with the active outage notices for their address; one form classifies the call and
accepts the work order with the fewest fields, or logs the call's outcome. Thin: reads from ``selectors`` and
``selectors_console``, writes through ``services``, refusals become form errors (``ConsoleForm``).

Push: the page polls ``incoming`` once a second (static/js/console.js says why)."""

import uuid
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.staticfiles import finders
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from contactcenter import idempotency
from contactcenter.errors import InvalidInput

from .. import selectors, service_level, services
from ..forms.console import ANSWERED, CLASSIFICATIONS, ConsoleForm
from ..models import Call, CallOutcome, Kind, WorkOrder
from ..phones import phone_for, sees_whole_phones
from ..selectors import console as selectors_console
from .queue import order_deadlines

TAKES_CALLS = "tickets.take_calls"  # agents and shift leads (and supervisors standing in)
MAX_ID = 2**63 - 1
PHRASES_TEMPLATE = "tickets/_phrases.html"  # standard phrases for the situation (another page's partial)
# The standard phrases beside the form follow the classification: (classifications, situations, insert into).
# The partial also loads the live forbidden-phrase check of the answer (<textarea data-phrase-check>).
PHRASE_GROUPS = (
    ("", ("greeting", "identify"), ""),
    ("repair", ("outage_apology", "wait"), ""),
    ("consultation", ("cannot_answer_now",), "#id_answer"),
    ("complaint report suggestion", ("complaint_accept",), ""),
    ("silent", ("silent_call",), ""),
    ("harassment", ("harassment",), ""),
    ("answered wrong_number", ("closing",), ""),
)
COUNTDOWN_SCRIPT = "js/countdown.js"  # the queue's: keeps the countdowns running


def _show_call(call: Call, show, ring_limit: int | None) -> Call:
    """The number as this user may see it, and red when it rang longer than the ring_over_3 rule's limit."""
    call.shown_number = show(call.caller_number)
    call.ring_late = service_level.rang_late(call.ring_seconds, ring_limit)
    return call


def _customer_file(request, phone: str, account: str, kind: str = ""):
    """The caller's file for a typed phone or account number, and the error to show for a bad phone. ``kind`` (the
    call's classification, once chosen) narrows the neighbours' open orders to that kind."""
    phone, account = phone.strip(), account.strip()
    if phone and not account:
        try:
            phone = services.normalize_phone(phone)
        except InvalidInput:
            return selectors_console.customer_file(), _("Enter a phone number.")
    elif account:
        phone = ""  # the account number decides; the phone may be anyone's
    found = selectors_console.customer_file(phone=phone, account_number=account,
                                            kind=kind if kind in Kind.values else "")
    show = partial(phone_for, request.user)
    if found.customer is not None:
        found.customer.shown_phone = show(found.customer.phone)
    for candidate in found.repeats:
        candidate.order.shown_phone = show(candidate.order.caller_number)
    ring_limit = service_level.ring_limit_seconds() if found.calls else None
    for call in found.calls:
        _show_call(call, show, ring_limit)
    return found, None


def _optional(name: str):
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return None
    return name


def _created(request) -> tuple[WorkOrder | None, list]:
    """The order just accepted (``?created=``) and its deadlines counting down, shown above the form."""
    pk = request.GET.get("created", "")
    if not pk.isdigit() or int(pk) > MAX_ID:
        return None, []
    order = selectors.visible_work_orders(request.user).filter(pk=int(pk)).first()
    if order is None:
        return None, []
    return order, [due for due in order_deadlines(order, timezone.now()) if due.counting]


def _page(request, form: ConsoleForm, *, phone: str = "", account: str = "", call: Call | None = None,
          status: int = 200):
    show = partial(phone_for, request.user)
    ring_limit = service_level.ring_limit_seconds()
    chosen = form["classification"].value() or ""
    found, file_error = _customer_file(request, phone, account, chosen)
    created, deadlines = _created(request)
    return render(request, "tickets/console/console.html", {
        "form": form,
        "file": found,
        "lookup": found.outages,  # the outage partial's context, as on the caller lookup page
        "file_error": file_error,
        "incoming": [_show_call(c, show, ring_limit) for c in selectors_console.unhandled_calls(request.user)],
        "after": selectors_console.last_call_id(),
        "live_url": f"{settings.LIVE_ORIGIN}/ws/console/",
        "chosen_call": _show_call(call, show, ring_limit) if call is not None else None,
        "classifications": [(index, value, label) for index, (value, label) in enumerate(CLASSIFICATIONS, 1)],
        "order_kinds": Kind.values,
        "created": created,
        "deadlines": deadlines,
        "ring_limit": ring_limit,
        "phrases_template": _optional(PHRASES_TEMPLATE),
        "phrase_groups": [{"for": group, "situations": situations, "target": target,
                           "shown": chosen in group.split() or (not chosen and not group)}
                          for group, situations, target in PHRASE_GROUPS],
        "countdown_script": COUNTDOWN_SCRIPT if created and finders.find(COUNTDOWN_SCRIPT) else None,
        "surges": selectors.surges(),
        "now": timezone.now(),
        "idempotency_key": uuid.uuid4().hex,  # the form's: sent twice, it is taken once (idempotency.page_once)
    }, status=status)


@login_required
@permission_required(TAKES_CALLS, raise_exception=True)
@require_http_methods(["GET", "HEAD", "POST"])
def console(request):
    """来电工作台. GET ``?call=`` prefills a call from the incoming panel, ``?phone=`` / ``?account=`` finds the
    caller's file; a POST with ``action=lookup`` does the same (the form's Find button without JavaScript)."""
    if request.method == "POST" and request.POST.get("action") != "lookup":
        return idempotency.page_once(request, _take_call)  # a double click takes the call once
    data = request.POST if request.method == "POST" else request.GET
    phone = data.get("phone") or data.get("caller_number") or ""
    account = data.get("account") or data.get("account_number") or ""
    call = None
    if data.get("call", "").isdigit() and int(data["call"]) <= MAX_ID:
        call = selectors_console.agent_call(request.user, int(data["call"]))
    initial = {"caller_number": phone, "account_number": account}
    if call is not None:
        initial.update(call=call.pk, caller_number=phone or call.caller_number)
        phone = phone or call.caller_number
    if request.method == "POST":
        initial.update({name: data.get(name, "") for name in ("classification", "description", "answer", "title",
                                                               "address", "area_type", "rang_at", "ring_seconds")})
    return _page(request, ConsoleForm(initial=initial), phone=phone, account=account, call=call)


@transaction.atomic
def _log_and_create(*, call: dict, order: dict, actor):
    """A call typed in by the agent is logged with the order it brought: both or neither."""
    logged = services.call_log(**call, agent=actor, logged_by=actor)
    return services.work_order_create(**order, call=logged, actor=actor)


@transaction.atomic
def _urge(*, order: WorkOrder, call: Call | None, call_params: dict, note: str, actor) -> WorkOrder:
    """A repeat call recorded as an urge 催办 on the order it is about: the call typed in (if not the telephony
    system's) is logged with it — both or neither."""
    if call is None:
        call = services.call_log(**call_params, agent=actor, logged_by=actor)
    return services.work_order_urge(order=order, actor=actor, call=call, note=note)


def _take_call(request):
    user = request.user
    form = ConsoleForm(request.POST, agent=user, calls=selectors_console.agent_call,
                       urging=request.POST.get("action") == "urge")
    if not form.is_valid():
        form.status_code = 400
    elif form.urging:
        order = selectors.visible_work_orders(user).filter(pk=form.cleaned_data["urge"]).first()
        if order is None:
            form.add_error("urge", _("This work order does not exist."))
            form.status_code = 404
        else:
            urged = form.submit(_urge, order=order, call=form.cleaned_data["call"], call_params=form.call_params(),
                                note=form.cleaned_data["description"].strip(), actor=user)
            if urged is not None:
                messages.success(request, _("The call has been recorded as urge %(count)s on %(number)s.") % {
                    "count": urged.urge_count, "number": urged.number})
                return redirect(f"{reverse('tickets:console')}?created={urged.pk}")
    elif form.creates_order:
        call = form.cleaned_data["call"]
        if call is None:
            order = form.submit(_log_and_create, call=form.call_params(), order=form.order_params(), actor=user)
        else:
            order = form.submit(services.work_order_create, **form.order_params(), call=call, actor=user)
        if order is not None:
            if order.answer:
                done = _("%(kind)s %(number)s has been answered on the call and closed.")
            elif order.outage_id:
                done = _("%(kind)s %(number)s has been accepted and linked to a published outage notice: no crew is "
                         "dispatched for it.")
            else:
                done = _("%(kind)s %(number)s has been accepted.")
            messages.success(request, done % {"kind": order.get_kind_display(), "number": order.number})
            return redirect(f"{reverse('tickets:console')}?created={order.pk}")
    elif form.cleaned_data["call"] is None:
        call = form.submit(services.call_log, **form.call_params(), agent=user, logged_by=user)
        if call is not None:
            messages.success(request, _("The call from %(phone)s has been logged: %(outcome)s.") % {
                "phone": phone_for(user, call.caller_number), "outcome": call.get_outcome_display()})
            return redirect("tickets:console")
    else:
        call = form.cleaned_data["call"]
        chosen = CallOutcome.ANSWERED if form.cleaned_data["classification"] == ANSWERED else CallOutcome(
            form.cleaned_data["classification"])
        classified = form.submit(services.call_classify, call=call, outcome=chosen, actor=user)
        if classified is not None:
            messages.success(request, _("The call from %(phone)s has been logged: %(outcome)s.") % {
                "phone": phone_for(user, classified.caller_number), "outcome": classified.get_outcome_display()})
            return redirect("tickets:console")
    return _page(request, form, phone=form.data.get("caller_number", ""),
                 account=form.data.get("account_number", ""), call=form.cleaned_data.get("call"),
                 status=form.status_code)


@login_required
@permission_required(TAKES_CALLS, raise_exception=True)
@require_GET
def customer_file(request):
    """The caller's file as a fragment: the console swaps it in without reloading the form."""
    found, error = _customer_file(request, request.GET.get("phone", ""), request.GET.get("account", ""),
                                  request.GET.get("kind", ""))
    return render(request, "tickets/console/_customer_file.html", {
        "file": found, "lookup": found.outages, "file_error": error,
    }, status=400 if error else 200)


@login_required
@permission_required(TAKES_CALLS, raise_exception=True)
@require_http_methods(["POST"])
def customer_sms(request, pk: int):
    """The caller asks for no text messages (``opt_out=1``) or for them again (``opt_out=0``); the console, which
    posts it with fetch, gets JSON and reloads the file; a plain form post goes back to the console with the caller."""
    customer = selectors.visible_customers(request.user).filter(pk=pk).first()
    if customer is None:
        return JsonResponse({"detail": _("No such customer."), "code": "not_found"}, status=404)
    choice = request.POST.get("opt_out", "")
    if choice not in ("0", "1"):
        return JsonResponse({"detail": _("opt_out must be 1 (no SMS) or 0 (SMS again)."), "code": "invalid",
                             "field": "opt_out"}, status=400)
    customer = services.customer_sms_opt_out(customer=customer, opted_out=choice == "1", actor=request.user)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"id": customer.pk, "sms_opt_out": customer.sms_opt_out})
    messages.success(request, _("No more text messages to this customer.") if customer.sms_opt_out
                     else _("This customer receives text messages again."))
    return redirect(f"{reverse('tickets:console')}?phone={customer.phone}")


@never_cache
@require_GET
def incoming(request):
    """The calls logged for this agent after ``?after=<call id>``, as JSON (polled by console.js)."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Log in again.", "code": "not_authenticated"}, status=401)
    if not request.user.has_perm(TAKES_CALLS):
        return JsonResponse({"detail": "You do not take calls.", "code": "permission_denied"}, status=403)
    after = request.GET.get("after", "")
    if not after.isdigit() or int(after) > MAX_ID:
        return JsonResponse({"detail": "after must be a call id.", "code": "invalid"}, status=400)
    return JsonResponse(incoming_update(request.user, after=int(after)))


def incoming_update(user, *, after: int) -> dict:
    """What the console shows of the calls: those logged for this agent after call ``after``, and those ringing at
    their seat now — polled (``incoming``) or pushed (``tickets.live.ConsoleConsumer``)."""
    show = partial(phone_for, user)
    calls = selectors_console.incoming_calls(user, after=after)
    ring_limit = service_level.ring_limit_seconds() if calls else None
    return {
        "after": calls[-1].pk if calls else after,
        "calls": [_call_json(_show_call(call, show, ring_limit)) for call in calls],
        "ringing": [_ringing_json(ringing, show, user) for ringing in selectors_console.ringing_calls(user)],
    }


def _ringing_json(ringing, show, user) -> dict:
    """A call ringing at the agent's seat (the switch's ``ring``): the caller popped up, their file a click away."""
    customer = ringing.caller_file
    whole = sees_whole_phones(user)
    return {
        "call_id": ringing.switch_call_id,
        "caller_number": show(ringing.caller_number) if ringing.caller_number else "",
        "customer": (customer.name or customer.account_number) if customer else "",
        "since": ringing.rang_at.isoformat(),
        "file_url": f"{reverse('tickets:console')}?phone={ringing.caller_number}" if whole and ringing.caller_number
        else "",
    }


def _call_json(call: Call) -> dict:
    return {
        "id": call.pk,
        "caller_number": call.shown_number,
        "customer": (call.customer.name or call.customer.account_number or "") if call.customer else "",
        "ring_seconds": call.ring_seconds,
        "ring_late": call.ring_late,
        "ring_started_at": call.ring_started_at.isoformat(),
        "time": timezone.localtime(call.ring_started_at).strftime("%H:%M:%S"),
        "outcome": call.outcome,
        "outcome_label": call.get_outcome_display(),
        "use_url": f"{reverse('tickets:console')}?call={call.pk}",
    }
