"""The ledger is append-only in PostgreSQL itself: a trigger refuses UPDATE and DELETE, whoever asks
(raw SQL, the ORM, a bulk update). Inserting — new penalties, reversals — still works."""

import threading
from unittest import mock

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.db.models.query import QuerySet

from kpi import services
from kpi.models import LedgerEntry, PenaltyRule

from .conftest import at

pytestmark = pytest.mark.postgres


def _entry(people) -> LedgerEntry:
    return services.entry_post_manual(rule=PenaltyRule.objects.get(code="intranet_violation"), actor=people.lead,
                                      reason="内网外联", agent=people.agent)


def _row(pk: int) -> dict:
    return LedgerEntry.objects.filter(pk=pk).values().get()


@pytest.mark.django_db
@pytest.mark.parametrize("sql", [
    "UPDATE kpi_ledgerentry SET amount = 0",
    "UPDATE kpi_ledgerentry SET period = '2020-01', reason = 'x' WHERE id = %(id)s",
    "DELETE FROM kpi_ledgerentry",
    "DELETE FROM kpi_ledgerentry WHERE id = %(id)s",
])
def test_raw_update_and_delete_are_refused_by_the_database(hotline, people, sql):
    entry = _entry(people)
    before, count = _row(entry.pk), LedgerEntry.objects.count()

    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, {"id": entry.pk})

    assert _row(entry.pk) == before
    assert LedgerEntry.objects.count() == count


@pytest.mark.django_db
def test_orm_writes_are_refused_too_and_inserts_still_work(hotline, people):
    entry = _entry(people)
    before = _row(entry.pk)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=0)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    entry.amount = 1
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.save()
    assert _row(entry.pk) == before

    reversal = services.entry_reverse(entry=LedgerEntry.objects.get(pk=entry.pk), actor=people.supervisor,
                                      reason="申诉成立")
    assert reversal.amount == -before["amount"]


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_reverse_the_same_entry_at_once_one_wins(people, seeded_rules, time_machine):
    time_machine.move_to(at(2026, 11, 20, 10, 0), tick=False)
    entry = _entry(people)
    other = type(people.supervisor).objects.create(username="supervisor2", unit=people.supervisor.unit)
    other.groups.set(people.supervisor.groups.all())
    both_checked = threading.Barrier(2, timeout=10)
    original_exists = QuerySet.exists

    def exists_then_wait(queryset):
        found = original_exists(queryset)
        if queryset.model is LedgerEntry and threading.current_thread() is not threading.main_thread():
            both_checked.wait()  # both have seen "not reversed yet" before either inserts
        return found

    outcomes = []

    def reverse(user):
        try:
            outcomes.append(services.entry_reverse(entry=LedgerEntry.objects.get(pk=entry.pk), actor=user,
                                                   reason="申诉成立"))
        except Exception as exc:  # the test inspects what each side saw
            outcomes.append(exc)
        finally:
            connections.close_all()

    with mock.patch("django.db.models.query.QuerySet.exists", exists_then_wait):
        threads = [threading.Thread(target=reverse, args=(user,)) for user in (people.supervisor, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)

    winners = [o for o in outcomes if isinstance(o, LedgerEntry)]
    losers = [o for o in outcomes if not isinstance(o, LedgerEntry)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert type(losers[0]).__name__ == "Conflict"
    assert LedgerEntry.objects.filter(reverses=entry).count() == 1


# --- the hourly totals (kpi.models.LedgerHourTotal): kept by the database at every insert ----------------------

def _totals() -> dict:
    from django.db.models import Sum

    from kpi.models import LedgerHourTotal
    return LedgerHourTotal.objects.aggregate(count=Sum("count"), amount=Sum("amount"))


def _ledger() -> dict:
    from django.db.models import Count, Sum
    return LedgerEntry.objects.aggregate(count=Count("id"), amount=Sum("amount"))


@pytest.mark.django_db
def test_the_hourly_totals_hold_exactly_what_was_inserted_whoever_inserts_it(hotline, people):
    from kpi.models import LedgerHourTotal

    rule = PenaltyRule.objects.get(code="intranet_violation")
    breaches = [services.Breach(rule=rule, source=f"test:{n}", occurrence="1", occurred_at=at(2026, 11, 20, 9, n),
                                agent_id=people.agent.pk) for n in range(50)]
    services.post_breaches(breaches)
    rows_after_one_posting = LedgerHourTotal.objects.count()
    assert rows_after_one_posting == 1  # 50 entries of one hour, one rule, one kind: one row
    services.post_breaches(breaches)  # all already posted: nothing inserted, nothing added
    with connection.cursor() as cursor:  # raw SQL, a conflict skipped by the database and one new entry
        cursor.execute(
            "INSERT INTO kpi_ledgerentry (key, kind, rule_id, agent_id, amount, occurred_at, period, source, reason,"
            " amount_reason, created_at) SELECT key, kind, rule_id, agent_id, amount, occurred_at, period, source,"
            " reason, amount_reason, now() FROM kpi_ledgerentry ORDER BY id LIMIT 1 ON CONFLICT (key) DO NOTHING")
        cursor.execute(
            "INSERT INTO kpi_ledgerentry (key, kind, rule_id, agent_id, amount, occurred_at, period, source, reason,"
            " amount_reason, created_at) VALUES ('raw:1', 'manual', %s, %s, 7.5, %s, '2026-11', 'raw', '', '', now())",
            [rule.pk, people.agent.pk, at(2026, 11, 20, 23, 59)])
    entry = _entry(people)
    services.entry_reverse(entry=entry, actor=people.supervisor, reason="申诉成立")
    assert _totals() == _ledger()
    assert LedgerEntry.objects.count() == 53


@pytest.mark.django_db
@pytest.mark.parametrize("sql", ["UPDATE kpi_ledgerhourtotal SET amount = 0", "DELETE FROM kpi_ledgerhourtotal"])
def test_the_hourly_totals_refuse_update_and_delete(hotline, people, sql):
    _entry(people)
    before = _totals()
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert _totals() == before == _ledger()
