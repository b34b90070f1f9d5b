"""The roster 排班: a unit's shifts, their lead and members; which shift comes next."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.errors import Conflict, NotPermitted
from tickets.models import Unit, User

from ..models import Shift, ShiftMember, ShiftTemplate


@transaction.atomic
def shift_create(*, unit: Unit, template: ShiftTemplate, date: dt.date, lead: User, members: list[User],
                 actor: User) -> Shift:
    """Roster a shift; the lead is always a member. A template that crosses midnight ends the next day."""
    if not actor.has_perm("shifts.add_shift"):
        raise NotPermitted(_("Only a shift lead or a supervisor builds the roster"))
    starts_at, ends_at = template.bounds(date, timezone.get_current_timezone())
    try:
        with transaction.atomic():
            shift = Shift.objects.create(unit=unit, template=template, date=date, starts_at=starts_at,
                                         ends_at=ends_at, lead=lead)
    except IntegrityError:
        raise Conflict(_("%(unit)s already has a %(shift)s on %(date)s")
                       % {"unit": unit, "shift": template.name, "date": date}, code="shift_exists") from None
    shift_set_members(shift=shift, members=members, actor=actor)
    return shift


@transaction.atomic
def shift_set_members(*, shift: Shift, members: list[User], actor: User) -> Shift:
    """Replace the members (attendance facts of those who stay are kept)."""
    if not actor.has_perm("shifts.change_shift"):
        raise NotPermitted(_("Only a shift lead or a supervisor changes the roster"))
    wanted = {user.pk: user for user in [shift.lead, *members]}
    leaving = shift.memberships.exclude(user_id__in=wanted)
    if leaving.filter(Q(checked_in_at__isnull=False) | Q(checked_out_at__isnull=False)).exists():
        raise Conflict(_("A member who has checked in cannot be removed"), code="member_checked_in")
    leaving.delete()
    present = set(shift.memberships.values_list("user_id", flat=True))
    ShiftMember.objects.bulk_create(ShiftMember(shift=shift, user=u) for pk, u in wanted.items() if pk not in present)
    return shift


def shift_next(shift: Shift) -> Shift | None:
    """The incoming shift: the unit's next shift, starting when this one ends (or the first after it)."""
    return (
        Shift.objects.filter(unit=shift.unit, starts_at__gt=shift.starts_at, starts_at__lte=shift.ends_at)
        .order_by("-starts_at").first()
        or Shift.objects.filter(unit=shift.unit, starts_at__gt=shift.starts_at).order_by("starts_at").first()
    )


