"""The duty pages in the Django test client: each renders for its roles and is 403 for the others; the forms
go through the services, and a refusal is an error on the form (never a 500). Plus the demo roster."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from shifts.models import Handover, HandoverItem, HandoverItemKind, HandoverState, Shift, ShiftMember

from .conftest import DAY, NEXT_DAY, at

pytestmark = pytest.mark.django_db

ROSTER = "/shifts/"
MINE = "/shifts/mine/"
LIST = "/shifts/handovers/"


def page(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def handover_url(handover, suffix: str = "") -> str:
    return f"/shifts/handovers/{handover.pk}/{suffix}"


@pytest.fixture
def roster(duty):
    return duty.middle_and_night()


@pytest.fixture
def draft(duty, people, roster):
    """The middle shift's draft at 23:00, carrying the complaint agent took at 17:00."""
    middle, _ = roster
    duty.move_to(at(2026, 3, 2, 17, 0))
    duty.order(people.agent)
    duty.move_to(at(2026, 3, 2, 23, 0))
    response = page(people.lead).post(f"/shifts/{middle.pk}/handover/")
    assert response.status_code == 302, response.content[:300]
    return Handover.objects.get(outgoing=middle)


def order_item(handover) -> HandoverItem:
    return HandoverItem.objects.get(handover=handover, kind=HandoverItemKind.ORDER)


# --- Who sees what -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "url", "status"), [
    ("agent", ROSTER, 200), ("lead", ROSTER, 200), ("supervisor", ROSTER, 200), ("manager", ROSTER, 200),
    ("repair", ROSTER, 403),
    ("agent", MINE, 200), ("lead", MINE, 200), ("repair", MINE, 403),
    ("supervisor", LIST, 200), ("lead", LIST, 200), ("manager", LIST, 200), ("agent", LIST, 403),
    ("repair", LIST, 403),
])
def test_who_may_open_the_pages(people, roster, who, url, status):
    assert page(getattr(people, who)).get(url).status_code == status


@pytest.mark.parametrize("suffix", ["", "review/"])
def test_handover_pages_are_403_for_agents_and_404_for_unknown_ids(people, draft, suffix):
    assert page(people.agent).get(handover_url(draft, suffix)).status_code == 403
    assert page(people.lead).get(f"/shifts/handovers/99999999/{suffix}").status_code == 404
    assert page(people.lead).get(handover_url(draft, suffix)).status_code == 200


def test_anonymous_users_are_sent_to_the_login_page(db):
    response = Client().get(ROSTER)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_nav_links_follow_the_roles(people):
    assert "/shifts/handovers/" in text(page(people.lead).get("/"))
    body = text(page(people.agent).get("/"))
    assert "/shifts/mine/" in body and "/shifts/handovers/" not in body


# --- The roster --------------------------------------------------------------------------------------


def test_the_roster_week_shows_leads_members_and_check_ins(duty, people, roster):
    middle, night = roster
    duty.move_to(at(2026, 3, 2, 16, 30))
    ShiftMember.objects.filter(shift=middle, user=people.agent).update(checked_in_at=at(2026, 3, 2, 15, 30))
    ShiftMember.objects.filter(shift=middle, user=people.agent2).update(checked_in_at=at(2026, 3, 2, 15, 50))

    response = page(people.agent).get(ROSTER, {"week": "2026-03-04"})

    assert response.status_code == 200
    week = response.context["week"]
    assert week.monday == DAY  # the Monday of the week asked for
    cells = {(day.date, template.code): shift for day in week.days
             for template, shift in zip(week.templates, day.cells, strict=True)}
    assert cells[(DAY, "middle")] == middle and cells[(NEXT_DAY, "night")] == night
    assert sum(shift is not None for shift in cells.values()) == 2
    body = text(response)
    assert f'id="shift-{middle.pk}"' in body
    assert "中班" in body and "夜班" in body
    assert "15:30" in body and "15:50" in body
    assert response.context["form"] is None  # agents do not roster
    assert 'id="roster-form"' not in body


def test_week_navigation_and_a_bad_week_falls_back_to_this_week(duty, people, roster):
    client = page(people.lead)
    assert client.get(ROSTER, {"week": "2026-03-09"}).context["week"].previous == DAY
    response = client.get(ROSTER, {"week": "not-a-date"})
    assert response.status_code == 200
    assert response.context["week"].monday == DAY  # the frozen clock's week
    assert client.get(ROSTER, {"week": "1000-01-01"}).context["week"].monday == DAY


def test_a_lead_rosters_a_shift_with_the_form(duty, people, agent3):
    data = {"unit": duty.org.center.pk, "template": duty.template("early").pk, "date": "2026-03-04",
            "lead": duty.lead2.pk, "members": [agent3.pk]}

    response = page(people.lead).post(ROSTER, data)

    assert response.status_code == 302
    shift = Shift.objects.get(template__code="early", date="2026-03-04")
    assert shift.lead == duty.lead2
    assert set(shift.members.values_list("username", flat=True)) == {"lead2", "agent3"}
    assert "week=2026-03-04" in response["Location"]


def test_a_second_shift_of_the_same_kind_is_an_error_on_the_form(duty, people, roster):
    data = {"unit": duty.org.center.pk, "template": duty.template("middle").pk, "date": DAY.isoformat(),
            "lead": people.lead.pk}

    response = page(people.supervisor).post(ROSTER, data)

    assert response.status_code == 409
    assert response.context["form"].non_field_errors()
    assert "已有" in text(response)
    assert Shift.objects.count() == 2


def test_bad_roster_input_is_an_error_on_the_form(duty, people):
    response = page(people.lead).post(ROSTER, {"unit": duty.org.center.pk, "template": "x", "date": "2026-02-30"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"template", "date", "lead"}
    assert not Shift.objects.exists()


def test_an_agent_may_not_post_the_roster_form(duty, people):
    data = {"unit": duty.org.center.pk, "template": duty.template("early").pk, "date": "2026-03-04",
            "lead": people.lead.pk}
    assert page(people.agent).post(ROSTER, data).status_code == 403
    assert not Shift.objects.exists()


# --- My shift ----------------------------------------------------------------------------------------


def test_my_shift_shows_the_on_time_limit_and_checks_in_and_out(duty, people, roster):
    middle, _ = roster
    duty.move_to(at(2026, 3, 2, 15, 0))
    client = page(people.agent)

    body = text(client.get(MINE))
    assert f'id="my-shift-{middle.pk}"' in body
    assert "03-02 15:40" in body  # on post by start − 20 minutes
    assert f"/shifts/{middle.pk}/check-in/" in body

    response = client.post(f"/shifts/{middle.pk}/check-in/")
    assert response.status_code == 302
    assert ShiftMember.objects.get(shift=middle, user=people.agent).checked_in_at == at(2026, 3, 2, 15, 0)
    assert f"/shifts/{middle.pk}/check-out/" in text(client.get(MINE))

    again = client.post(f"/shifts/{middle.pk}/check-in/")
    assert again.status_code == 409
    assert "已签到" in text(again)

    duty.move_to(at(2026, 3, 3, 0, 1))
    assert client.post(f"/shifts/{middle.pk}/check-out/").status_code == 302
    assert ShiftMember.objects.get(shift=middle, user=people.agent).checked_out_at == at(2026, 3, 3, 0, 1)


def test_check_in_refusals_on_the_page(duty, people, roster):
    middle, night = roster
    duty.move_to(at(2026, 3, 2, 12, 0))
    too_early = page(people.agent).post(f"/shifts/{middle.pk}/check-in/")
    assert too_early.status_code == 409
    assert "两小时" in text(too_early)
    assert page(duty.agent3).post(f"/shifts/{middle.pk}/check-in/").status_code == 403  # not a member
    assert page(people.agent).post("/shifts/99999999/check-in/").status_code == 404
    assert page(people.agent).get(f"/shifts/{middle.pk}/check-in/").status_code == 405
    assert not ShiftMember.objects.filter(checked_in_at__isnull=False).exists()


# --- The outgoing lead's handover page ---------------------------------------------------------------


def test_only_the_shift_lead_opens_its_handover(duty, people, roster):
    middle, _ = roster
    assert page(people.agent).post(f"/shifts/{middle.pk}/handover/").status_code == 403
    assert page(duty.lead2).post(f"/shifts/{middle.pk}/handover/").status_code == 403
    assert not Handover.objects.exists()


def test_the_handover_page_lists_the_carried_order_and_its_past_deadline_in_red(duty, people, draft):
    item = order_item(draft)
    assert item.due_at is not None
    duty.move_to(item.due_at + dt.timedelta(minutes=1))

    response = page(people.lead).get(handover_url(draft))

    body = text(response)
    assert response.status_code == 200
    assert item.order.number in body
    assert 'class="nowrap overdue"' in body
    assert 'id="submit-form"' in body and 'id="item-form"' in body
    assert "草稿" in body


def test_the_handover_page_is_read_only_for_other_leads(duty, people, draft):
    body = text(page(duty.lead2).get(handover_url(draft)))
    assert order_item(draft).order.number in body
    assert 'id="submit-form"' not in body


def test_adding_a_pending_item(people, draft):
    client = page(people.lead)
    response = client.post(handover_url(draft, "items/"), {"kind": "reply", "text": "向省公司答复停电原因",
                                                          "due_at": "2026-03-03T10:00"})
    assert response.status_code == 302
    item = HandoverItem.objects.get(handover=draft, kind=HandoverItemKind.REPLY)
    assert item.due_at == at(2026, 3, 3, 10, 0)

    blank = client.post(handover_url(draft, "items/"), {"kind": "note", "text": "   "})
    assert blank.status_code == 400
    assert blank.context["item_form"].errors
    bad_date = client.post(handover_url(draft, "items/"), {"kind": "note", "text": "x", "due_at": "1900-01-01T00:00"})
    assert bad_date.status_code == 400
    assert HandoverItem.objects.filter(handover=draft).count() == 2


def test_sign_and_submit_with_the_checklist(people, draft):
    response = page(people.lead).post(handover_url(draft, "submit/"), {
        "cleaning_done": "on", "equipment_ok": "on", "items_counted": "on", "notes": "一切正常"})

    assert response.status_code == 302
    handover = Handover.objects.get(pk=draft.pk)
    assert handover.state == HandoverState.SUBMITTED
    assert (handover.cleaning_done, handover.equipment_ok, handover.items_counted) == (True, True, True)
    assert handover.notes == "一切正常"
    body = text(page(people.lead).get(handover_url(draft)))
    assert "已交班" in body and 'id="submit-form"' not in body


def test_signing_twice_or_by_another_lead_is_refused(duty, people, draft):
    assert page(duty.lead2).post(handover_url(draft, "submit/"), {"cleaning_done": "on"}).status_code == 403
    assert page(people.lead).post(handover_url(draft, "submit/"), {}).status_code == 302  # all unchecked: allowed
    again = page(people.lead).post(handover_url(draft, "submit/"), {})
    assert again.status_code == 409
    assert again.context["submit_form"].non_field_errors()


def test_items_cannot_be_added_to_another_leads_handover(duty, people, draft):
    assert page(duty.lead2).post(handover_url(draft, "items/"), {"kind": "note", "text": "x"}).status_code == 403


# --- The incoming lead's review page -----------------------------------------------------------------


@pytest.fixture
def submitted(duty, people, draft):
    duty.move_to(at(2026, 3, 2, 23, 55))
    services_submit = page(people.lead).post(handover_url(draft, "submit/"), {
        "cleaning_done": "on", "equipment_ok": "on", "items_counted": "on"})
    assert services_submit.status_code == 302
    return draft


def test_the_incoming_lead_flags_and_accepts(duty, people, lead2, submitted):
    item = order_item(submitted)
    client = page(lead2)
    body = text(client.get(handover_url(submitted, "review/")))
    assert 'id="review-form"' in body and f'name="flag_{item.pk}"' in body

    duty.move_to(at(2026, 3, 3, 0, 8))
    unexplained = client.post(handover_url(submitted, "review/"), {"action": "accept", f"flag_{item.pk}": "on"})
    assert unexplained.status_code == 400 and "请说明" in text(unexplained)  # a flag charges: its reason is asked
    assert Handover.objects.get(pk=submitted.pk).state == HandoverState.SUBMITTED
    response = client.post(handover_url(submitted, "review/"), {
        "action": "accept", f"flag_{item.pk}": "on", f"note_{item.pk}": "本班可办结"})

    assert response.status_code == 302
    handover = Handover.objects.get(pk=submitted.pk)
    assert handover.state == HandoverState.ACCEPTED and handover.accepted_by == lead2
    item.refresh_from_db()
    assert (item.flagged, item.flag_note, item.reviewed) == (True, "本班可办结", True)
    assert "已接班" in text(client.get(handover_url(submitted, "review/")))


def test_refuse_needs_a_reason_and_keeps_the_ticks_for_the_resubmission(duty, people, lead2, submitted):
    item = order_item(submitted)
    client = page(lead2)

    no_reason = client.post(handover_url(submitted, "review/"), {"action": "refuse", "for_cleaning": "on"})
    assert no_reason.status_code == 400
    assert no_reason.context["form"].errors["reason"]
    assert Handover.objects.get(pk=submitted.pk).state == HandoverState.SUBMITTED

    refused = client.post(handover_url(submitted, "review/"), {
        "action": "refuse", "reason": "卫生未做", "for_cleaning": "on", f"flag_{item.pk}": "on"})
    assert refused.status_code == 302
    handover = Handover.objects.get(pk=submitted.pk)
    assert handover.state == HandoverState.REFUSED
    assert handover.refused_for_cleaning and handover.refusal_reason == "卫生未做"
    outgoing_page = text(page(people.lead).get(handover_url(submitted)))
    assert "卫生未做" in outgoing_page and 'id="submit-form"' in outgoing_page

    assert page(people.lead).post(handover_url(submitted, "submit/"), {
        "cleaning_done": "on", "equipment_ok": "on", "items_counted": "on"}).status_code == 302
    review = client.get(handover_url(submitted, "review/"))
    assert review.context["form"][f"flag_{item.pk}"].value() is True  # ticked before the refusal


def test_the_outgoing_lead_cannot_review_and_a_wrong_step_is_409(people, lead2, submitted):
    assert page(people.lead).post(handover_url(submitted, "review/"), {"action": "accept"}).status_code == 403
    assert page(lead2).post(handover_url(submitted, "review/"), {"action": "accept"}).status_code == 302
    again = page(lead2).post(handover_url(submitted, "review/"), {"action": "refuse", "reason": "x"})
    assert again.status_code == 409
    assert again.context["form"].non_field_errors()
    bad = page(lead2).post(handover_url(submitted, "review/"), {"action": "explode"})
    assert bad.status_code == 400


# --- The supervisor's list ---------------------------------------------------------------------------


def test_the_list_shows_state_refusals_and_lateness(duty, people, lead2, submitted):
    client = page(lead2)
    client.post(handover_url(submitted, "review/"), {"action": "refuse", "reason": "卫生未做"})
    page(people.lead).post(handover_url(submitted, "submit/"), {
        "cleaning_done": "on", "equipment_ok": "on", "items_counted": "on"})
    duty.move_to(at(2026, 3, 3, 0, 12))
    client.post(handover_url(submitted, "review/"), {"action": "accept"})

    response = page(people.supervisor).get(LIST)

    assert response.status_code == 200
    [(handover, late)] = response.context["rows"]
    assert handover.pk == submitted.pk and handover.refusal_count == 1
    assert late == dt.timedelta(minutes=7)  # due 00:05
    body = text(response)
    assert "7 分钟" in body and "已接班" in body
    assert page(people.supervisor).get(LIST, {"state": "draft"}).context["rows"] == []
    assert page(people.supervisor).get(LIST, {"state": "bogus"}).status_code == 200


# --- The demo roster ---------------------------------------------------------------------------------


def test_seed_demo_rosters_today_and_tomorrow_and_opens_the_current_handover(db):
    call_command("seed_demo", verbosity=0)
    counts = (Shift.objects.count(), ShiftMember.objects.count(), Handover.objects.count(),
              HandoverItem.objects.count())
    call_command("seed_demo", verbosity=0)

    assert (Shift.objects.count(), ShiftMember.objects.count(), Handover.objects.count(),
            HandoverItem.objects.count()) == counts
    now = timezone.now()
    today = timezone.localdate(now)
    shifts = Shift.objects.filter(unit__code="service-center").order_by("starts_at")
    assert shifts.count() == 6
    assert set(shifts.values_list("date", flat=True)) == {today, today + dt.timedelta(days=1)}
    current = shifts.get(starts_at__lte=now, ends_at__gt=now)
    assert current.lead.username == "lead1"
    assert set(current.members.values_list("username", flat=True)) == {"lead1", "agent1", "agent2"}
    following = shifts.filter(starts_at__gte=current.ends_at).first()
    assert following.lead.username == "lead2"
    assert following.lead.groups.filter(name="shift_lead").exists()
    handover = Handover.objects.get(outgoing=current)
    assert handover.state == HandoverState.DRAFT and handover.incoming == following
    assert handover.items.filter(kind=HandoverItemKind.ORDER).exists()
