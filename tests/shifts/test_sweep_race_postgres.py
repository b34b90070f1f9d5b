"""Two sweepers at once (threads, PostgreSQL, READ COMMITTED) over the same shift and handover facts: every
breach — late check-in, early leave, absence, no_cleaning per member, first_question per flagged order, a handover
not signed in time — has exactly one ledger entry."""

import importlib
import threading

import pytest
from django.apps import apps as django_apps
from django.db import connections

from kpi import sweeps
from kpi.models import LedgerEntry
from shifts import services

from .conftest import ALL_DONE, at, entries

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(django_db_blocker):
    """Rules and templates come from data migrations; a transactional test's flush removes them."""
    with django_db_blocker.unblock():
        importlib.import_module("kpi.migrations.0002_rules_schedule_protection").seed_rules(django_apps, None)
        importlib.import_module("shifts.migrations.0002_templates_and_schedule").seed(django_apps, None)


def _sweep_in_two_threads(now):
    start = threading.Barrier(2, timeout=10)
    outcomes = []

    def sweep():
        try:
            start.wait()
            outcomes.append(sweeps.sweep_deadlines(now=now))
        except Exception as exc:  # reported below
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a sweeper hung"
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes


def test_two_sweepers_post_each_shift_breach_once(seeded, duty, people, lead2):
    middle, night = duty.middle_and_night()
    duty.move_to(at(2026, 3, 2, 15, 50))  # 10 minutes before the start: late
    services.shift_check_in(shift=middle, user=people.agent)
    duty.move_to(at(2026, 3, 2, 17, 0))
    mine, theirs = duty.order(people.agent), duty.order(people.agent2)
    duty.move_to(at(2026, 3, 2, 23, 30))
    services.shift_check_out(shift=middle, user=people.agent)  # early
    handover = services.handover_open(shift=middle)
    duty.move_to(at(2026, 3, 2, 23, 50))
    duty.sign(handover, "submit", people.lead, **{**ALL_DONE, "cleaning_done": False})
    duty.move_to(at(2026, 3, 3, 0, 10))  # after start + 5 minutes' grace: late
    duty.sign(handover, "accept", lead2, flagged=[{"item": duty.item(handover, mine).pk, "note": "本班可办结"},
                                                   {"item": duty.item(handover, theirs).pk, "note": "本班可办结"}])

    for _ in range(3):
        _sweep_in_two_threads(at(2026, 3, 3, 0, 11))

    assert sorted(entries("late_or_early").values_list("agent__username", "source")) == sorted([
        ("agent", f"shift_member:{middle.memberships.get(user=people.agent).pk}"),
        ("agent", f"shift_member:{middle.memberships.get(user=people.agent).pk}"),
        ("lead2", f"shift:{night.pk}"),  # submitted in time, accepted after the night's start + 5 minutes
    ])
    assert sorted(entries("no_cleaning").values_list("agent__username", flat=True)) == ["agent", "agent2", "lead"]
    assert sorted(entries("first_question").values_list("agent__username", flat=True)) == ["agent", "agent2"]
    assert sorted(entries("absent").values_list("agent__username", flat=True)) == ["agent2", "lead"]  # never came
    assert LedgerEntry.objects.values("key").distinct().count() == LedgerEntry.objects.count() == 10
