"""The ledger's hourly totals (kpi.models.LedgerHourTotal), kept by the database: a trigger adds, for every
statement that inserts ledger entries, one row per (hour, rule, kind) of the entries it inserted — a statement
trigger over the inserted rows on PostgreSQL, a row trigger on SQLite — and refuses UPDATE and DELETE of them on
PostgreSQL, as the ledger's own trigger does. The entries already in the ledger are totalled once here."""

import django.db.models.deletion
from django.db import migrations, models

POSTGRES_SQL = """
CREATE OR REPLACE FUNCTION kpi_ledger_hour_totals() RETURNS trigger AS $$
BEGIN
    INSERT INTO kpi_ledgerhourtotal (hour, rule_id, kind, count, amount)
    SELECT date_trunc('hour', occurred_at, 'UTC'), rule_id, kind, count(*), sum(amount)
    FROM inserted GROUP BY 1, 2, 3;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER kpi_ledger_hour_totals AFTER INSERT ON kpi_ledgerentry
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION kpi_ledger_hour_totals();
CREATE OR REPLACE FUNCTION kpi_ledger_hour_totals_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'kpi_ledgerhourtotal is append-only: % refused (the ledger writes it)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER kpi_ledger_hour_totals_append_only BEFORE UPDATE OR DELETE ON kpi_ledgerhourtotal
    FOR EACH ROW EXECUTE FUNCTION kpi_ledger_hour_totals_append_only();
INSERT INTO kpi_ledgerhourtotal (hour, rule_id, kind, count, amount)
    SELECT date_trunc('hour', occurred_at, 'UTC'), rule_id, kind, count(*), sum(amount)
    FROM kpi_ledgerentry GROUP BY 1, 2, 3;
"""
POSTGRES_UNDO_SQL = """
DROP TRIGGER IF EXISTS kpi_ledger_hour_totals ON kpi_ledgerentry;
DROP FUNCTION IF EXISTS kpi_ledger_hour_totals();
DROP TRIGGER IF EXISTS kpi_ledger_hour_totals_append_only ON kpi_ledgerhourtotal;
DROP FUNCTION IF EXISTS kpi_ledger_hour_totals_append_only();
"""
# SQLite keeps a datetime as "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC (Django's format): the hour is its first 13
# characters.
SQLITE_SQL = [
    """CREATE TRIGGER kpi_ledger_hour_totals AFTER INSERT ON kpi_ledgerentry FOR EACH ROW BEGIN
        INSERT INTO kpi_ledgerhourtotal (hour, rule_id, kind, count, amount)
        VALUES (strftime('%Y-%m-%d %H:00:00', NEW.occurred_at), NEW.rule_id, NEW.kind, 1, NEW.amount);
    END""",
    """INSERT INTO kpi_ledgerhourtotal (hour, rule_id, kind, count, amount)
        SELECT strftime('%Y-%m-%d %H:00:00', occurred_at), rule_id, kind, count(*), sum(amount)
        FROM kpi_ledgerentry GROUP BY 1, 2, 3""",
]
SQLITE_UNDO_SQL = ["DROP TRIGGER IF EXISTS kpi_ledger_hour_totals"]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_SQL, params=None)  # no parameters: "%" is literal
    elif vendor == "sqlite":
        for sql in SQLITE_SQL:
            schema_editor.execute(sql, params=None)
    else:
        raise NotImplementedError(f"the ledger's hourly totals need a trigger on {vendor}")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in [POSTGRES_UNDO_SQL] if vendor == "postgresql" else SQLITE_UNDO_SQL:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('kpi', '0007_wallboard'),
    ]

    operations = [
        migrations.CreateModel(
            name='LedgerHourTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hour', models.DateTimeField(verbose_name='hour')),
                ('kind', models.CharField(choices=[('automatic', 'Found by the system'), ('manual', 'Manual'), ('reversal', 'Reversal')], max_length=20, verbose_name='kind')),
                ('count', models.PositiveIntegerField(verbose_name='entries')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='amount (yuan)')),
                ('rule', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='kpi.penaltyrule', verbose_name='rule')),
            ],
            options={
                'verbose_name': 'ledger hourly total',
                'verbose_name_plural': 'ledger hourly totals',
                'default_permissions': (),
                'indexes': [models.Index(fields=['hour'], name='ledger_hour_total_idx')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
