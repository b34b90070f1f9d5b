"""The audit trail of the penalty rules (django-simple-history) with one initial "+" record per rule, and the
permission to read the audit trail (kpi.view_audit: supervisors and managers, see kpi.roles)."""

import importlib

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def backfill_history(apps, schema_editor):
    # The same backfill as the tickets app's history tables (a populate_history with this migration's models).
    tickets_history = importlib.import_module("tickets.migrations.0013_audit_history")
    tickets_history.backfill(apps, "kpi.PenaltyRule", "kpi.HistoricalPenaltyRule")


class Migration(migrations.Migration):

    dependencies = [
        ('kpi', '0004_report_schedules'),
        ('tickets', '0013_audit_history'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='penaltyrule',
            options={'ordering': ['code'], 'permissions': [('post_manual_entry', 'Can post a manual ledger entry'), ('view_audit', 'Can view the audit trail')], 'verbose_name': 'penalty rule', 'verbose_name_plural': 'penalty rules'},
        ),
        migrations.CreateModel(
            name='HistoricalPenaltyRule',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('code', models.SlugField(max_length=40, verbose_name='code')),
                ('name_zh', models.CharField(max_length=100, verbose_name='Chinese name')),
                ('name_en', models.CharField(max_length=100, verbose_name='English name')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=10, verbose_name='amount (yuan)')),
                ('charged_to', models.CharField(choices=[('agent', 'Agent'), ('department', 'Department')], max_length=20, verbose_name='charged to')),
                ('enabled', models.BooleanField(default=True, verbose_name='enabled')),
                ('threshold', models.PositiveIntegerField(blank=True, help_text='Rule-specific limit, e.g. the ring limit in seconds for ring_over_3', null=True, verbose_name='threshold')),
                ('manual', models.BooleanField(default=False, help_text='Posted by a lead, not found by the system', verbose_name='manual')),
                ('source', models.CharField(blank=True, max_length=200, verbose_name='source')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical penalty rule',
                'verbose_name_plural': 'historical penalty rules',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(backfill_history, migrations.RunPython.noop),
    ]
