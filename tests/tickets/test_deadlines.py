"""Deadlines from the SLA policies (design "Default limits"), seen through the API with a frozen clock.

Expectations are computed here by hand — calendar arithmetic and a written-out holiday list — never by
calling the application's own deadline functions.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
import time_machine

from tests.factories import UserFactory
from tickets.models import SlaPolicy

SHANGHAI = ZoneInfo("Asia/Shanghai")
ORDERS = "/api/v1/work-orders/"
ISO_SHANGHAI = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def create(client, kind, **extra):
    response = client.post(ORDERS, {"kind": kind, "description": "客户来电", "caller_number": "13900000001",
                                    **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def fire(client, order, name, body=None):
    response = client.post(f"{ORDERS}{order['id']}/transitions/{name}/", body or {}, format="json")
    assert response.status_code == 200, (name, response.content)
    return response.json()


# --- Calendar-time limits ------------------------------------------------------------------------


@pytest.mark.django_db
def test_complaint_first_contact_24h_reply_5_days_callback_1_day_after_the_reply(api, people, org, customer):
    agent = api(people.agent)
    accepted = at(2026, 5, 11, 9, 30)
    with time_machine.travel(accepted, tick=False) as clock:
        order = create(agent, "complaint")
        assert when(order["accepted_at"]) == accepted
        assert when(order["deadlines"]["first_contact_due_at"]) == accepted + dt.timedelta(hours=24)
        assert when(order["deadlines"]["reply_due_at"]) == accepted + dt.timedelta(days=5)
        assert order["deadlines"]["arrival_due_at"] is None
        assert order["deadlines"]["callback_due_at"] is None

        clock.move_to(at(2026, 5, 11, 10, 0))
        fire(agent, order, "forward")
        clock.move_to(at(2026, 5, 11, 11, 0))
        fire(api(people.supervision), order, "dispatch", {"department": org.marketing.pk})
        clock.move_to(at(2026, 5, 13, 16, 0))
        fire(api(people.marketing), order, "investigate", {"valid": False})
        replied = at(2026, 5, 14, 17, 45)
        clock.move_to(replied)
        order = fire(agent, order, "reply", {"reply_text": "经核实，抄表员按规定作业。"})

    assert when(order["replied_at"]) == replied
    assert order["callback_required"] is True  # seed 000 细则 9: 100 %
    assert when(order["deadlines"]["callback_due_at"]) == replied + dt.timedelta(days=1)
    # The reply clock started at acceptance and did not move with the transitions.
    assert when(order["deadlines"]["reply_due_at"]) == accepted + dt.timedelta(days=5)
    assert when(order["deadlines"]["first_contact_due_at"]) == accepted + dt.timedelta(hours=24)


@pytest.mark.django_db
def test_every_complaint_reply_gets_a_callback(api, people, org, customer):
    """100 %, not sampled: ten complaints, ten callbacks."""
    agent = api(people.agent)
    for _ in range(10):
        order = create(agent, "complaint")
        fire(agent, order, "forward")
        fire(api(people.supervision), order, "dispatch", {"department": org.marketing.pk})
        fire(api(people.marketing), order, "investigate", {"valid": False})
        order = fire(agent, order, "reply", {"reply_text": "已处理。"})
        assert order["callback_required"] is True
        assert order["deadlines"]["callback_due_at"] is not None


@pytest.mark.django_db
@pytest.mark.parametrize(("area", "arrival", "restore"), [
    ("urban", dt.timedelta(minutes=45), dt.timedelta(hours=3)),
    ("rural", dt.timedelta(minutes=90), dt.timedelta(hours=4)),
    ("remote", dt.timedelta(minutes=120), None),
])
def test_repair_arrival_by_area_at_dispatch_and_restore_after_arrival(api, people, org, customer, area, arrival,
                                                                      restore):
    agent = api(people.agent)
    with time_machine.travel(at(2026, 7, 1, 22, 10), tick=False) as clock:
        order = create(agent, "repair", area_type=area)
        assert order["deadlines"]["arrival_due_at"] is None  # the clock starts at dispatch

        dispatched = at(2026, 7, 1, 22, 14)
        clock.move_to(dispatched)
        order = fire(agent, order, "dispatch", {"department": org.repair.pk})
        assert when(order["deadlines"]["arrival_due_at"]) == dispatched + arrival
        assert order["deadlines"]["restore_due_at"] is None

        arrived = at(2026, 7, 1, 23, 2)
        clock.move_to(arrived)
        order = fire(api(people.repair), order, "arrive")

    assert when(order["deadlines"]["arrival_due_at"]) == dispatched + arrival
    assert when(order["deadlines"]["restore_due_at"]) == (arrived + restore if restore else None)


@pytest.mark.django_db
def test_a_returned_repair_loses_its_arrival_deadline_and_a_new_dispatch_restarts_it(api, people, org, customer):
    agent = api(people.agent)
    with time_machine.travel(at(2026, 7, 1, 8, 0), tick=False) as clock:
        order = create(agent, "repair", area_type="urban")
        fire(agent, order, "dispatch", {"department": org.repair.pk})
        clock.move_to(at(2026, 7, 1, 8, 20))
        order = fire(api(people.repair), order, "return_to_sender", {"reason": "不在本班辖区"})
        assert order["deadlines"]["arrival_due_at"] is None
        clock.move_to(at(2026, 7, 1, 8, 30))
        order = fire(agent, order, "dispatch", {"department": org.repair2.pk})

    assert when(order["deadlines"]["arrival_due_at"]) == at(2026, 7, 1, 9, 15)


# --- Working-day limits ---------------------------------------------------------------------------

# 国务院办公厅 2026 holiday notice, autumn: Mid-Autumn 9/25–9/27; National Day 10/1–10/7 with the
# make-up working days Sunday 9/20 and Saturday 10/10 (调休). Written out by hand on purpose.
HOLIDAYS_2026_AUTUMN = {dt.date(2026, 9, 25), *(dt.date(2026, 10, d) for d in range(1, 8))}
MAKE_UP_WORKDAYS_2026_AUTUMN = {dt.date(2026, 9, 20), dt.date(2026, 10, 10)}


def hand_workday(day: dt.date) -> bool:
    if day in MAKE_UP_WORKDAYS_2026_AUTUMN:
        return True
    return day.weekday() < 5 and day not in HOLIDAYS_2026_AUTUMN


def test_the_hand_written_holiday_list_agrees_with_chinese_calendar():
    day = dt.date(2026, 9, 14)
    while day <= dt.date(2026, 10, 31):
        assert hand_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["consultation", "report", "suggestion"])
def test_reply_in_5_working_days_skips_national_day_and_counts_the_make_up_saturday(api, people, customer, kind):
    accepted = at(2026, 9, 30, 10, 0)
    # Working days after Wed 9/30: Thu 10/8, Fri 10/9, Sat 10/10 (调休), Mon 10/12, Tue 10/13.
    expected = at(2026, 10, 13, 10, 0)
    assert [d for d in (dt.date(2026, 10, 1) + dt.timedelta(n) for n in range(13)) if hand_workday(d)][:5] == [
        dt.date(2026, 10, 8), dt.date(2026, 10, 9), dt.date(2026, 10, 10), dt.date(2026, 10, 12),
        dt.date(2026, 10, 13)]

    with time_machine.travel(accepted, tick=False):
        order = create(api(people.agent), kind)

    assert when(order["deadlines"]["reply_due_at"]) == expected
    assert order["deadlines"]["reply_due_at"] == "2026-10-13T10:00:00+08:00"


@pytest.mark.django_db
def test_working_days_are_counted_in_local_time_not_utc(api, people, customer):
    # 01:30 Shanghai on Friday 10/9 is still Thursday 10/8 in UTC.
    with time_machine.travel(at(2026, 10, 9, 1, 30), tick=False):
        order = create(api(people.agent), "report")

    # After Fri 10/9: Sat 10/10 (调休), Mon 10/12, Tue 10/13, Wed 10/14, Thu 10/15.
    assert when(order["deadlines"]["reply_due_at"]) == at(2026, 10, 15, 1, 30)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["consultation", "report", "suggestion"])
def test_a_working_day_deadline_beyond_the_calendar_is_provisional_never_refused(api, people, kind):
    """A hotline never refuses a caller: 2027's arrangement is not entered, so its days are provisional (weekends and
    the statutory holidays; tests/tickets/test_provisional_calendar.py has the rest)."""
    # Fri 2026-12-25: four working days remain in 2026 (12/28–12/31); the fifth is Mon 2027-01-04 (01-01 is a holiday).
    with time_machine.travel(at(2026, 12, 25, 10, 0), tick=False):
        response = api(people.agent).post(ORDERS, {"kind": kind, "description": "x",
                                                   "caller_number": "13712340000"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["deadlines"]["reply_due_at"] == "2027-01-04T10:00:00+08:00"
    assert response.json()["provisional_deadlines"] == ["reply_due_at"]


@pytest.mark.django_db
def test_a_working_day_deadline_inside_the_calendar_at_year_end_is_fine(api, people, customer):
    # Thu 2026-12-24: Fri 12/25, Mon 12/28 … Thu 12/31 — all in 2026.
    with time_machine.travel(at(2026, 12, 24, 10, 0), tick=False):
        order = create(api(people.agent), "consultation")

    assert when(order["deadlines"]["reply_due_at"]) == at(2026, 12, 31, 10, 0)


@pytest.mark.django_db
def test_calendar_day_limits_work_in_years_the_holiday_calendar_does_not_cover(api, people, customer):
    with time_machine.travel(at(2027, 3, 1, 9, 0), tick=False):
        order = create(api(people.agent), "complaint")

    assert when(order["deadlines"]["reply_due_at"]) == at(2027, 3, 6, 9, 0)


# --- Which policy applies -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_unit_policy_overrides_the_default_for_orders_accepted_in_that_unit(api, people, org, customer):
    SlaPolicy.objects.create(order_kind="complaint", deadline="reply", unit=org.center, amount=3,
                             measure="calendar_days", scheme="center")
    city_agent = UserFactory(username="city_agent", unit=org.city, role="agent")
    accepted = at(2026, 5, 11, 9, 0)

    with time_machine.travel(accepted, tick=False):
        in_center = create(api(people.agent), "complaint")
        in_city = create(api(city_agent), "complaint")

    assert when(in_center["deadlines"]["reply_due_at"]) == accepted + dt.timedelta(days=3)
    assert when(in_city["deadlines"]["reply_due_at"]) == accepted + dt.timedelta(days=5)
    # Deadlines without a unit policy keep the default.
    assert when(in_center["deadlines"]["first_contact_due_at"]) == accepted + dt.timedelta(hours=24)


@pytest.mark.django_db
def test_the_nearest_unit_policy_wins_over_an_ancestors(api, people, org, customer):
    SlaPolicy.objects.create(order_kind="complaint", deadline="reply", unit=org.city, amount=4,
                             measure="calendar_days", scheme="city")
    city_agent = UserFactory(username="city_agent", unit=org.city, role="agent")
    accepted = at(2026, 5, 11, 9, 0)

    with time_machine.travel(accepted, tick=False):
        inherited = create(api(people.agent), "complaint")  # center, under city: the city's policy
        SlaPolicy.objects.create(order_kind="complaint", deadline="reply", unit=org.center, amount=2,
                                 measure="calendar_days", scheme="center")
        own = create(api(people.agent), "complaint")
        city = create(api(city_agent), "complaint")

    assert when(inherited["deadlines"]["reply_due_at"]) == accepted + dt.timedelta(days=4)
    assert when(own["deadlines"]["reply_due_at"]) == accepted + dt.timedelta(days=2)
    assert when(city["deadlines"]["reply_due_at"]) == accepted + dt.timedelta(days=4)


@pytest.mark.django_db
def test_inactive_alternative_policies_are_ignored(api, people, org, customer):
    old = SlaPolicy.objects.filter(scheme="sgcc_old", order_kind="complaint")
    assert old.count() == 2 and not old.filter(active=True).exists()  # seeded as an alternative
    SlaPolicy.objects.create(order_kind="complaint", deadline="reply", unit=org.center, amount=1,
                             measure="working_days", scheme="sgcc_old", active=False)
    accepted = at(2026, 5, 11, 9, 0)

    with time_machine.travel(accepted, tick=False):
        order = create(api(people.agent), "complaint")

    assert when(order["deadlines"]["first_contact_due_at"]) == accepted + dt.timedelta(hours=24)
    assert when(order["deadlines"]["reply_due_at"]) == accepted + dt.timedelta(days=5)


@pytest.mark.django_db
def test_deadlines_are_iso_8601_with_the_shanghai_offset(api, people, org, customer):
    with time_machine.travel(dt.datetime(2026, 5, 10, 23, 0, tzinfo=dt.UTC), tick=False):
        order = create(api(people.agent), "complaint")
        order = fire(api(people.agent), order, "forward")
        order = api(people.agent).get(f"{ORDERS}{order['id']}/").json()

    assert order["deadlines"]["reply_due_at"] == "2026-05-16T07:00:00+08:00"
    for name, value in order["deadlines"].items():
        assert value is None or ISO_SHANGHAI.fullmatch(value), (name, value)
    assert ISO_SHANGHAI.fullmatch(order["accepted_at"])
    listed = api(people.agent).get(ORDERS).json()["results"][0]
    assert listed["deadlines"] == order["deadlines"]


# --- The overdue filter ---------------------------------------------------------------------------


def overdue_ids(client, flag="true"):
    response = client.get(f"{ORDERS}?overdue={flag}")
    assert response.status_code == 200, response.content
    return {order["id"] for order in response.json()["results"]}


@pytest.mark.django_db
def test_overdue_lists_exactly_the_orders_with_a_passed_unmet_deadline(api, people, org, customer):
    agent = api(people.agent)
    start = at(2026, 5, 11, 9, 0)
    with time_machine.travel(start, tick=False) as clock:
        ignored = create(agent, "complaint")  # nobody contacts the customer
        contacted = create(agent, "complaint")
        fire(agent, contacted, "forward")
        fire(api(people.supervision), contacted, "dispatch", {"department": org.marketing.pk})
        repair = create(agent, "repair", area_type="urban")
        fire(agent, repair, "dispatch", {"department": org.repair.pk})
        answered = create(agent, "consultation", answer="营业厅周末照常营业。")  # archived at once
        assert overdue_ids(agent) == set()

        clock.move_to(start + dt.timedelta(hours=1))
        fire(api(people.marketing), contacted, "contact_customer")

        clock.move_to(start + dt.timedelta(minutes=44))
        assert overdue_ids(agent) == set()
        clock.move_to(start + dt.timedelta(minutes=46))  # urban crew due on site after 45 min
        assert overdue_ids(agent) == {repair["id"]}
        all_ids = {ignored["id"], contacted["id"], repair["id"], answered["id"]}
        assert overdue_ids(agent, "false") == all_ids - {repair["id"]}
        assert api(people.agent).get(f"{ORDERS}{repair['id']}/").json()["overdue"] is True

        clock.move_to(start + dt.timedelta(hours=24, minutes=1))  # first contact due after 24 h
        assert overdue_ids(agent) == {repair["id"], ignored["id"]}

        clock.move_to(start + dt.timedelta(days=5, minutes=1))  # reply due after 5 days
        assert overdue_ids(agent) == {repair["id"], ignored["id"], contacted["id"]}
        assert overdue_ids(agent, "false") == {answered["id"]}

        fire(api(people.lead), ignored, "cancel", {"reason": "重复工单"})  # finished orders are never overdue
        fire(api(people.repair), repair, "arrive")  # late, but met
        assert overdue_ids(agent) == {contacted["id"]}
