"""Surge detection 突发集中报修 (issue 18, item 5): N repair calls (SurgeRule.calls, default 5) within M minutes
(SurgeRule.minutes, default 15) from one community with no outage notice propose one — on the console, the outage
list and the lead's queue — pre-filled from those calls; publishing it links them as a call from the area is linked
at acceptance. Exactly N within M minutes proposes; N−1 does not, nor N spread over more than M minutes."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.actions import act, outage_act
from tests.clients import page
from tickets.addresses import community_of
from tickets.models import OutageNotice, OutageState, State, SurgeRule, WorkOrder
from tickets.selectors import surges
from tickets.services import work_order_create

pytestmark = pytest.mark.django_db

COMMUNITY = "示范市幸福小区"
START = dt.datetime(2026, 5, 11, 9, 0, tzinfo=dt.UTC)



def repairs(people, count: int, *, every: dt.timedelta, time_machine, start: dt.datetime = START,
            first_phone: int = 0) -> list[WorkOrder]:
    """``count`` repair calls from the community, one every ``every`` from ``start``."""
    made = []
    for n in range(count):
        time_machine.move_to(start + n * every, tick=False)
        made.append(work_order_create(kind="repair", description="家里突然停电",
                                      caller_number=f"1390000{first_phone + n:04d}",
                                      address=f"{COMMUNITY}{n + 1}号楼{n + 1}01", actor=people.agent))
    return made


@pytest.mark.parametrize(("address", "community"), [
    ("示范市幸福小区5号楼302", "示范市幸福小区"), ("示范市中山路1号3栋2单元", "示范市中山路1号"),
    ("阳光花园3栋", "阳光花园"), ("3号", ""), ("", ""),
])
def test_the_community_of_an_address(address, community):
    assert community_of(address) == community


def test_the_rule_is_data_seeded_with_five_in_fifteen_minutes():
    rule = SurgeRule.current()
    assert (rule.calls, rule.minutes, rule.active) == (5, 15, True)


def test_exactly_n_within_m_minutes_proposes_and_n_minus_one_does_not(people, time_machine):
    made = repairs(people, 4, every=dt.timedelta(minutes=3), time_machine=time_machine)
    assert surges() == []  # 4 calls: N − 1
    made += repairs(people, 1, every=dt.timedelta(0), time_machine=time_machine, first_phone=10,
                    start=START + dt.timedelta(minutes=14))  # the fifth, 14 minutes after the first
    [surge] = surges()
    assert (surge.community, surge.count) == (COMMUNITY, 5)
    assert [o.pk for o in surge.orders] == sorted(o.pk for o in made)
    time_machine.move_to(START + dt.timedelta(minutes=15, seconds=1), tick=False)  # the first is now too old
    assert surges() == []


def test_n_calls_spread_over_more_than_m_minutes_do_not(people, time_machine):
    repairs(people, 5, every=dt.timedelta(minutes=4), time_machine=time_machine)  # over 16 minutes
    assert surges() == []


def test_the_numbers_are_data(people, time_machine):
    SurgeRule.objects.update(calls=3, minutes=10)
    repairs(people, 3, every=dt.timedelta(minutes=4), time_machine=time_machine)
    assert [s.count for s in surges()] == [3]
    SurgeRule.objects.update(active=False)
    assert surges() == []


def test_other_kinds_other_places_and_covered_areas_do_not_count(people, time_machine):
    repairs(people, 4, every=dt.timedelta(minutes=1), time_machine=time_machine)
    work_order_create(kind="complaint", description="停电投诉", caller_number="13800000001",
                      address=COMMUNITY + "9号楼101", actor=people.agent)
    work_order_create(kind="repair", description="停电", caller_number="13800000002", address="示范市阳光花园1栋",
                      actor=people.agent)
    assert surges() == []
    repairs(people, 1, every=dt.timedelta(0), time_machine=time_machine, first_phone=20,
            start=START + dt.timedelta(minutes=5))
    assert len(surges()) == 1
    now = timezone.now()
    notice = OutageNotice.objects.create(kind="fault", area="幸福小区", cause="线路故障", starts_at=now,
                                         expected_restore_at=now + dt.timedelta(hours=2), received_at=now,
                                         received_by=people.agent)
    assert surges() == []  # a notice being handled covers it
    OutageNotice.objects.filter(pk=notice.pk).update(state=OutageState.CLOSED)
    assert len(surges()) == 1


def test_the_pages_propose_a_notice_prefilled_and_publishing_links_the_calls(people, time_machine):
    made = repairs(people, 5, every=dt.timedelta(minutes=2), time_machine=time_machine)
    for user, url in ((people.agent, "/console/"), (people.agent, "/outages/"), (people.lead, "/queue/")):
        body = page(user).get(url).content.decode()
        assert 'id="surges"' in body and COMMUNITY in body, url
    assert 'id="surges"' not in page(people.agent).get("/queue/").content.decode()  # an agent's queue: not theirs
    proposal = page(people.agent).get("/outages/new/", {"surge": COMMUNITY})
    assert proposal.status_code == 200
    form = proposal.context["form"]
    assert form.initial["area"] == COMMUNITY and form.initial["kind"] == "fault"
    assert form.initial["proposed_orders"] == ",".join(str(o.pk) for o in made)
    starts = timezone.localtime(made[0].accepted_at).strftime("%Y-%m-%dT%H:%M")
    response = page(people.agent).post("/outages/new/", {
        "kind": "fault", "area": COMMUNITY, "cause": "10kV幸福线故障", "starts_at": starts,
        "expected_restore_at": timezone.localtime(made[0].accepted_at + dt.timedelta(hours=3)).strftime(
            "%Y-%m-%dT%H:%M"),
        "proposed_orders": form.initial["proposed_orders"]})
    assert response.status_code == 302, response.content.decode()[:3000]
    notice = OutageNotice.objects.get()
    assert sorted(notice.proposed_orders.values_list("pk", flat=True)) == sorted(o.pk for o in made)
    assert surges() == []  # handled: no longer proposed
    assert not WorkOrder.objects.filter(outage=notice).exists()  # linked once published
    dispatched = made[0]
    act(order=dispatched, name="dispatch", actor=people.agent, params={"department": people.repair.department})
    outage_act(notice=notice, name="publish", actor=people.agent,  # every customer of the test is there
               params={"confirm_wide_area": True})
    linked = set(WorkOrder.objects.filter(outage=notice).values_list("pk", flat=True))
    assert linked == {o.pk for o in made[1:]}  # the one already dispatched keeps its crew
    history = WorkOrder.objects.get(pk=made[1].pk).history.get(name="link_outage")
    assert history.data == {"outage": notice.pk}
    assert WorkOrder.objects.get(pk=made[1].pk).state == State.ACCEPTED


def test_a_bad_proposal_is_harmless(people):
    assert page(people.agent).get("/outages/new/", {"surge": "x" * 5000}).status_code == 200
    response = page(people.agent).post("/outages/new/", {"kind": "fault", "area": "幸福小区", "cause": "故障",
                                                         "starts_at": "2026-05-11T09:00",
                                                         "expected_restore_at": "2026-05-11T11:00",
                                                         "proposed_orders": "1,abc,99999999999999999999"})
    assert response.status_code == 400 and not OutageNotice.objects.exists()
