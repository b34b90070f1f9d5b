"""Beat opens the draft handover of every shift ending within the hour, once."""

import datetime as dt

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from contactcenter.celery import app
from shifts import services, tasks
from shifts.models import Handover, HandoverState, HandoverTransition

from .conftest import ALL_DONE, DAY, NEXT_DAY, at

pytestmark = pytest.mark.django_db


def test_a_draft_is_opened_for_shifts_ending_within_the_hour_once(duty, people):
    early = duty.shift("early", DAY, lead=duty.lead2, members=[duty.agent3])
    middle, night = duty.middle_and_night()
    duty.move_to(at(2026, 3, 2, 15, 0))
    early_handover = services.handover_open(shift=early)  # already opened by its lead
    duty.move_to(at(2026, 3, 2, 17, 0))
    order = duty.order(people.agent)

    duty.move_to(at(2026, 3, 2, 22, 59))  # the middle shift ends at 0:00: not yet within the hour
    assert tasks.open_handovers() == 0
    assert set(Handover.objects.values_list("outgoing_id", flat=True)) == {early.pk}

    duty.move_to(at(2026, 3, 2, 23, 0))
    assert tasks.open_handovers.apply().get() == 1  # run as beat would, eagerly
    handover = Handover.objects.get(outgoing=middle)
    assert (handover.state, handover.incoming) == (HandoverState.DRAFT, night)
    assert duty.carried(handover) == {order.pk}
    [created] = HandoverTransition.objects.filter(handover=handover)
    assert (created.name, created.source, created.target, created.actor, created.at) == (
        "create", "", "draft", None, at(2026, 3, 2, 23, 0))

    for moment in (at(2026, 3, 2, 23, 5), at(2026, 3, 2, 23, 30), at(2026, 3, 3, 0, 0)):
        duty.move_to(moment)
        assert tasks.open_handovers() == 0
    assert Handover.objects.filter(outgoing=middle).count() == 1
    assert HandoverTransition.objects.filter(handover=handover).count() == 1
    assert Handover.objects.get(pk=early_handover.pk).state == HandoverState.DRAFT

    duty.move_to(at(2026, 3, 3, 7, 0))  # the night shift ends at 8:00
    assert tasks.open_handovers() == 1
    assert Handover.objects.get(outgoing=night).incoming is None  # nothing rostered after it yet


def test_a_draft_opened_before_the_incoming_shift_was_rostered_gets_it_later(duty, people, lead2):
    middle = duty.shift("middle", DAY, lead=people.lead, members=[people.agent])
    duty.move_to(at(2026, 3, 2, 23, 0))
    assert tasks.open_handovers() == 1
    handover = Handover.objects.get(outgoing=middle)
    assert handover.incoming is None

    night = duty.shift("night", NEXT_DAY, lead=lead2)
    duty.move_to(at(2026, 3, 2, 23, 30))
    handover = services.handover_open(shift=middle)
    assert Handover.objects.get(pk=handover.pk).incoming == night
    duty.sign(handover, "submit", people.lead, **ALL_DONE)
    duty.move_to(at(2026, 3, 3, 0, 0))
    assert duty.sign(handover, "accept", lead2).state == HandoverState.ACCEPTED


def test_shifts_long_past_or_far_ahead_get_no_draft(duty, people):
    duty.shift("early", DAY - dt.timedelta(days=3), lead=people.lead)
    duty.shift("early", NEXT_DAY, lead=people.lead)
    duty.move_to(at(2026, 3, 2, 23, 0))
    assert tasks.open_handovers() == 0
    assert not Handover.objects.exists()


def test_the_beat_schedule_row_exists_after_migrate(db):
    task = PeriodicTask.objects.get(task="shifts.tasks.open_handovers")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (5, IntervalSchedule.MINUTES)
    assert task.task in app.tasks  # the name beat sends is a registered task
