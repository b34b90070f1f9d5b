"""Work orders are inserted and updated all day, and the wallboard's open-order count (``wo_open_board_idx``) and
the queues read them with index-only scans, which skip the table only on the pages VACUUM has marked all-visible.
PostgreSQL's defaults vacuum a table once a fifth of its rows changed: 200,000 at 1,000,000 orders, months of a
center's work, during which those scans read the table for most rows (measured: 38,748 of 89,742 open orders
after the bench's API suites, the count 56–68 ms against 32–45 ms right after a VACUUM). The work orders' table
is vacuumed after 1 % of its rows were inserted or changed."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def storage_options(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE oid = %s::regclass", [table])
        options = cursor.fetchone()[0] or []
    return dict(option.split("=", 1) for option in options)


def test_the_work_orders_table_is_vacuumed_after_one_percent_of_its_rows_changed():
    assert storage_options("tickets_workorder") == {
        "autovacuum_vacuum_insert_scale_factor": "0.01",
        "autovacuum_vacuum_scale_factor": "0.01",
    }
