"""The crew's phone 抢修班手机页 (issue 21): ``/m/`` lists my department's open orders, nearest deadline
first, each with its countdown; ``/m/orders/<id>/`` is one order on one screen — what, where (a map
link), who (tap to call, for those who see numbers whole), the deadline — with the department's next
steps as large buttons and their fields. Small pages, two small scripts (countdown.js, mobile.js), no
framework; installable (the manifest and the service worker below, whose scope is ``/m/``, with an
offline page). Thin like the other pages: the deadline table is ``tickets.sla`` (read through the
queue's expressions), the phone rule ``tickets.phones``, and every step is the order page's own form
calling its typed service."""

import json
import re
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import F
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors, services
from ..forms.transitions import TRANSITION_LABELS, CrewRestoreForm, transition_form
from ..models import WorkOrder
from ..phones import phone_for, sees_whole_phones
from .queue import (
    Step,
    _done_message,
    iso,
    nearest_deadline,
    next_deadline_expression,
    queue_columns,
    steps_for,
    visible_order,
)

HANDLES = "tickets.handle_department"
LIST_MAX = 100  # a crew's open orders fit; more would make the page slow on a weak signal
# The steps a department takes on its phone, in the order a crew meets them; the others stay on the full page.
CREW_STEPS = ("arrive", "restore", "contact_customer", "investigate", "reply", "return_to_sender")
HISTORY_SHOWN = 5  # the latest history rows on the phone (the full page has them all)
# A phone or a tablet, by its User-Agent: "Mobi" (the convention of Firefox, Chrome, Safari), Android, iPhone/iPad,
# HarmonyOS (Huawei). Only decides where ``/`` goes; the pages themselves work at any width.
PHONE_AGENT = re.compile(r"Mobi|Android|iPhone|iPad|iPod|HarmonyOS|OpenHarmony", re.IGNORECASE)
FULL_SITE = "full_site"  # session key: the handler chose the full site on this phone (``/?full=1``)

THEME_COLOR = "#0b5394"  # static/css/app.css --brand


def is_phone(request) -> bool:
    return bool(PHONE_AGENT.search(request.headers.get("User-Agent", "")))


def wants_crew_page(request) -> bool:
    """A department handler on a phone opening ``/`` gets ``/m/``, unless they asked for the full site (``?full=1``,
    remembered in the session until they open ``/m/`` again)."""
    return (is_phone(request) and request.user.has_perm(HANDLES) and not request.user.is_superuser
            and not request.session.get(FULL_SITE))


def map_links(address: str) -> dict[str, str]:
    """An address as a map link: ``geo:`` opens the phone's own map app (Android); the https search works everywhere
    (AMap 高德, no script of theirs on our pages)."""
    if not address:
        return {}
    return {"geo": f"geo:0,0?q={quote(address)}", "web": f"https://uri.amap.com/search?keyword={quote(address)}"}


def crew_form(name: str, order: WorkOrder, data=None):
    """The step's form, as on the order page; restoring asks for the fault's cause here."""
    if name == "restore":
        return CrewRestoreForm(data, order=order, transition=name, auto_id=f"id_{name}_%s")
    return transition_form(name, order, data)


def _base(request) -> dict:
    now = timezone.now()
    return {"now": now, "now_iso": iso(now)}


@login_required
@permission_required(HANDLES, raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def work_list(request):
    """My department's open orders, the nearest deadline first (the queue's order: ``tickets.sla``'s counted-down
    deadlines), at most ``LIST_MAX``. Two queries whatever the number of orders."""
    request.session.pop(FULL_SITE, None)  # opening the crew's page again: ``/`` brings the handler here again
    user, context = request.user, _base(request)
    orders = selectors.visible_work_orders(user).filter(state__in=selectors.OPEN_STATES)
    orders = orders.filter(department_id=user.department_id) if user.department_id else orders.none()
    orders = (orders.select_related(None).prefetch_related(None)
              .annotate(next_due=next_deadline_expression(), customer_name=F("customer__name"))
              .order_by("next_due", "accepted_at", "id").only(*queue_columns(), "title", "description"))
    rows = []
    for order in orders[:LIST_MAX]:
        rows.append({"order": order, "due": nearest_deadline(order, context["now"]),
                     "url": reverse("tickets:mobile-order", args=[order.pk])})
    return render(request, "tickets/mobile/list.html", {**context, "rows": rows, "limit": LIST_MAX})


def _order_page(request, order: WorkOrder, *, failed=None, status=200):
    user, context = request.user, _base(request)
    names = [name for name in steps_for(order, user) if name in CREW_STEPS]
    names.sort(key=CREW_STEPS.index)
    steps = [Step(name, TRANSITION_LABELS.get(name, name),
                  failed[1] if failed and failed[0] == name else crew_form(name, order)) for name in names]
    if failed and failed[0] not in names:
        for error in failed[1].non_field_errors() or [_("This step is not allowed in the work order's current "
                                                        "state; reload the page.")]:
            messages.error(request, error)
    phone = order.customer.phone or order.caller_number
    history = order.detail_history[-HISTORY_SHOWN:]
    return render(request, "tickets/mobile/order.html", {
        **context, "order": order, "steps": steps,
        "due": nearest_deadline(order, context["now"]) if order.is_open else None,
        "maps": map_links(order.address or order.customer.address),
        "phone": phone_for(user, phone), "tel": phone if phone and sees_whole_phones(user) else "",
        "history": [(row, TRANSITION_LABELS.get(row.name, row.name)) for row in reversed(history)],
        "full_url": reverse("tickets:order-detail", args=[order.pk]),
    }, status=status)


@login_required
@permission_required(HANDLES, raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def order_page(request, pk: int):
    return _order_page(request, visible_order(request, pk))


@login_required
@permission_required(HANDLES, raise_exception=True)
@require_POST
def order_transition(request, pk: int, name: str):
    """A step's form posts here, as on the order page (403 not permitted, 409 not now, 400 bad input: shown on the
    form); done, back to the order on the phone."""
    order = visible_order(request, pk)
    if name not in CREW_STEPS or name not in services.transition_names(order):
        raise Http404
    form = crew_form(name, order, request.POST)
    form.submit(services.work_order_transition_check, order=order, name=name, actor=request.user)
    if form.status_code == 200:
        if form.is_valid():
            done = form.submit(form.perform, order=order, actor=request.user)
            if done is not None:
                messages.success(request, _done_message(name, done))
                # A step that hands the order away (returned, replied) leaves nothing to do here: back to the list.
                if done.department_id != request.user.department_id or not done.is_open:
                    return redirect("tickets:mobile")
                return redirect("tickets:mobile-order", pk=done.pk)
        else:
            form.status_code = 400
    return _order_page(request, visible_order(request, pk), failed=(name, form), status=form.status_code)


# --- Installable: the manifest, the service worker, the offline page (public: the browser fetches the manifest
# without cookies, and a service worker's update check must not be redirected to the login page) ---------------


def icons() -> list[dict]:
    return [
        {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {"src": static("icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
         "purpose": "maskable"},
    ]


@require_GET
@cache_control(no_cache=True)
def manifest(request):
    """The web app manifest (``application/manifest+json``): the crew's page, standalone, in the user's language."""
    start = reverse("tickets:mobile")
    return JsonResponse({
        "name": _("Work orders for crews"), "short_name": _("Work orders"),
        "description": _("My department's open work orders, their deadlines and next steps."),
        "lang": get_language(), "start_url": start, "scope": start, "id": start, "display": "standalone",
        "orientation": "portrait", "background_color": "#ffffff", "theme_color": THEME_COLOR, "icons": icons(),
    }, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    """The service worker of ``/m/`` (its scope is its own folder): keeps the offline page and the crew page's few
    static files; when a page cannot be fetched, it shows the offline page."""
    offline = reverse("tickets:mobile-offline")
    config = {
        "cache": f"crew-{get_language()}-1",
        "offline": offline,
        "assets": [offline, static("css/mobile.css"), static("js/countdown.js"), static("js/mobile.js"),
                   static("icons/icon-192.png")],
    }
    body = f"var CONFIG = {json.dumps(config)};\n" + _WORKER
    return HttpResponse(body, content_type="text/javascript; charset=utf-8")


_WORKER = """\
"use strict";
self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CONFIG.cache).then(function (cache) { return cache.addAll(CONFIG.assets); })
    .then(function () { return self.skipWaiting(); }));
});
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key.indexOf("crew-") === 0 && key !== CONFIG.cache; })
      .map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});
self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    // Pages always from the network (an order's state must be today's); the offline page when there is none.
    event.respondWith(fetch(request).catch(function () { return caches.match(CONFIG.offline); }));
    return;
  }
  var path = new URL(request.url).pathname;
  if (CONFIG.assets.indexOf(path) !== -1) {
    event.respondWith(caches.match(request).then(function (hit) {
      return fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(CONFIG.cache).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      }).catch(function () { return hit; });
    }));
  }
});
"""


@require_GET
def offline(request):
    """What the service worker shows when the network is down."""
    return render(request, "tickets/mobile/offline.html", {})
