"""Whom this app's events tell (``contactcenter.notifications``): a handover signed by the outgoing lead waits for
the incoming lead's signature (seed 000 交接-班规定: the incoming shift reviews and countersigns). And for the
tickets app's "due soon" notices: the lead of the shift on duty an order belongs to (its agent or handler is on
the shift, or it was carried over to it)."""

import datetime as dt

from django.urls import reverse

from contactcenter.models import NoticeKind
from contactcenter.notifications import Notice, register

from .models import OrderShift, Shift, ShiftMember


def handover_waiting(events) -> list[Notice]:
    """handover.signed by the outgoing lead: the incoming shift's lead is asked to sign."""
    submitted = [e for e in events if e.payload.get("by") == "outgoing" and e.payload.get("incoming_shift")]
    if not submitted:
        return []
    shifts = Shift.objects.select_related("unit", "template").in_bulk(
        {e.payload["incoming_shift"] for e in submitted} | {e.payload["outgoing_shift"] for e in submitted})
    notices = []
    for e in submitted:
        incoming, outgoing = shifts.get(e.payload["incoming_shift"]), shifts.get(e.payload["outgoing_shift"])
        if incoming is not None and incoming.lead_id and incoming.lead.username != e.payload.get("lead"):
            notices.append(Notice(incoming.lead_id, NoticeKind.HANDOVER, e.key,
                                  reverse("shifts:handover", args=[e.payload["id"]]),
                                  {"handover": e.payload["id"], "shift": str(outgoing or "")}))
    return notices


def shift_leads(orders, now: dt.datetime) -> dict[int, list[int]]:
    """The open ``orders`` → the leads of the shifts on duty ``now`` that each belongs to (as the queue's "my shift"
    tab counts it, ``selectors.on_duty_orders``)."""
    on_duty = dict(Shift.objects.filter(starts_at__lte=now, ends_at__gt=now).exclude(lead=None)
                   .values_list("pk", "lead_id"))
    if not on_duty:
        return {}
    lead_of_member: dict[int, set[int]] = {}
    for shift_id, user_id in ShiftMember.objects.filter(shift_id__in=on_duty).values_list("shift_id", "user_id"):
        lead_of_member.setdefault(user_id, set()).add(on_duty[shift_id])
    found: dict[int, set[int]] = {}
    for order in orders:
        for person in (order.owner_id, order.handler_id):
            found.setdefault(order.pk, set()).update(lead_of_member.get(person, ()))
    carried = OrderShift.objects.filter(shift_id__in=on_duty, order_id__in=[o.pk for o in orders])
    for order_id, shift_id in carried.values_list("order_id", "shift_id"):
        found.setdefault(order_id, set()).add(on_duty[shift_id])
    return {order_id: sorted(leads) for order_id, leads in found.items() if leads}


def register_recipients() -> None:
    from tickets.notices import register_shift_leads

    register("handover.signed", handover_waiting)
    register_shift_leads(shift_leads)
