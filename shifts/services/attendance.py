"""Attendance 签到 / 签退: the facts the kpi app judges (late_or_early, absent)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.errors import Conflict, NotPermitted
from tickets.models import User

from ..models import Shift, ShiftMember


def _membership(shift: Shift, user: User) -> ShiftMember:
    member = ShiftMember.objects.select_for_update().filter(shift=shift, user=user).first()
    if member is None:
        raise NotPermitted(_("You are not rostered on this shift"))
    return member


@transaction.atomic
def shift_check_in(*, shift: Shift, user: User) -> ShiftMember:
    """签到. On post ``checkin_lead_minutes`` before the start (seed 000: 20); later is late (kpi judges)."""
    member = _membership(shift, user)
    now = timezone.now()
    if member.checked_in_at is not None:
        raise Conflict(_("Already checked in"), code="already_checked_in")
    if now >= shift.ends_at:
        raise Conflict(_("This shift has ended"), code="shift_ended")
    if now < shift.starts_at - dt.timedelta(hours=2):
        raise Conflict(_("Check-in opens two hours before the shift"), code="too_early")
    member.checked_in_at = now
    member.save(update_fields=["checked_in_at"])
    return member


@transaction.atomic
def shift_check_out(*, shift: Shift, user: User) -> ShiftMember:
    """签退. Before the end is an early leave (kpi judges)."""
    member = _membership(shift, user)
    if member.checked_in_at is None:
        raise Conflict(_("Check in first"), code="not_checked_in")
    if member.checked_out_at is not None:
        raise Conflict(_("Already checked out"), code="already_checked_out")
    member.checked_out_at = timezone.now()
    member.save(update_fields=["checked_out_at"])
    return member


