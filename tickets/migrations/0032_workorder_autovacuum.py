"""The work orders' table is vacuumed after 1 % of its rows were inserted or changed instead of PostgreSQL's 20 %:
the wallboard's open-order count and the queues read it with index-only scans, which skip the table only on the
pages VACUUM has marked all-visible (tests/tickets/test_autovacuum_postgres.py). PostgreSQL only: the embedded
default has no autovacuum."""

from django.db import migrations

OPTIONS = ("autovacuum_vacuum_insert_scale_factor", "autovacuum_vacuum_scale_factor")


def set_options(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE tickets_workorder SET ("
                          + ", ".join(f"{option} = 0.01" for option in OPTIONS) + ")")


def reset_options(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE tickets_workorder RESET ({', '.join(OPTIONS)})")


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0031_open_callers_newest_first"),
    ]

    operations = [
        migrations.RunPython(set_options, reset_options, elidable=False),
    ]
