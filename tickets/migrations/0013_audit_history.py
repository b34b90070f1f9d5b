"""The audit trail (django-simple-history): history tables for the SLA policies, the phrases, the calendar, the
outage lead times, the users (their roles and permissions, never the password) and the roles (groups and their
permissions), and one initial "+" record per existing row so the first change has a "before".

The backfill does what simple-history's ``populate_history`` command does, with this migration's models (the
command uses today's models, which a later migration may have changed), and copies the many-to-many rows too.
"""

import django.contrib.auth.validators
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from collections import defaultdict

from django.db import migrations, models
from django.utils import timezone

# history_change_reason of the initial records: kpi.audit shows it as "state when the audit trail began".
BACKFILL_REASON = "audit_backfill"
HISTORY_FIELDS = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}


def backfill(apps, label: str, history_label: str, m2m_fields: tuple[str, ...] = ()) -> None:
    """One "+" history record for each row of ``label`` that has none yet (with its many-to-many rows)."""
    model, history = apps.get_model(label), apps.get_model(history_label)
    copied = [f.attname for f in history._meta.concrete_fields if f.name not in HISTORY_FIELDS]
    recorded = set(history.objects.values_list("id", flat=True).distinct())
    now = timezone.now()
    records = history.objects.bulk_create(
        [
            history(**{name: getattr(row, name) for name in copied}, history_date=now, history_type="+",
                    history_change_reason=BACKFILL_REASON)
            for row in model.objects.order_by("pk").iterator()
            if row.pk not in recorded
        ],
        batch_size=500,
    )
    for name in m2m_fields:
        field = model._meta.get_field(name)
        through = field.remote_field.through
        owner = through._meta.get_field(field.m2m_field_name()).attname  # e.g. user_id
        through_names = [f.attname for f in through._meta.concrete_fields]
        rows = defaultdict(list)
        for row in through.objects.filter(**{f"{owner}__in": [r.id for r in records]}).values(*through_names):
            rows[row[owner]].append(row)
        m2m_history = apps.get_model(f"{history_label}_{name}")
        m2m_history.objects.bulk_create(
            [m2m_history(history_id=record.pk, **row) for record in records for row in rows[record.id]],
            batch_size=500,
        )


def backfill_history(apps, schema_editor):
    for model in ("SlaPolicy", "StandardPhrase", "ForbiddenPhrase", "OutageLeadTime", "CalendarYear", "CalendarDay"):
        backfill(apps, f"tickets.{model}", f"tickets.Historical{model}")
    backfill(apps, "tickets.User", "tickets.HistoricalUser", ("groups", "user_permissions"))
    backfill(apps, "auth.Group", "tickets.HistoricalGroup", ("permissions",))


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('tickets', '0012_report_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalCalendarDay',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('date', models.DateField(db_index=True, verbose_name='date')),
                ('is_working_day', models.BooleanField(help_text='Off: a holiday; on: a make-up working day', verbose_name='working day')),
                ('name', models.CharField(blank=True, max_length=100, verbose_name='name')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical calendar exception',
                'verbose_name_plural': 'historical calendar exceptions',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalCalendarYear',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(db_index=True, verbose_name='year')),
                ('source', models.CharField(blank=True, max_length=200, verbose_name='source')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical calendar year',
                'verbose_name_plural': 'historical calendar years',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalForbiddenPhrase',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('text', models.CharField(db_index=True, max_length=200, verbose_name='text')),
                ('active', models.BooleanField(default=True, verbose_name='active')),
                ('source', models.CharField(blank=True, help_text='Where the phrase comes from', max_length=200, verbose_name='source')),
                ('note', models.TextField(blank=True, verbose_name='note or what to say instead')),
                ('allowed_in', models.TextField(blank=True, help_text='Expressions that contain the phrase and are fine to say, one per line', verbose_name='allowed in')),
                ('updated_at', models.DateTimeField(blank=True, editable=False, verbose_name='updated at')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical forbidden phrase',
                'verbose_name_plural': 'historical forbidden phrases',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalGroup',
            fields=[
                ('id', models.IntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(db_index=True, max_length=150, verbose_name='name')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical group',
                'verbose_name_plural': 'historical groups',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalGroup_permissions',
            fields=[
                ('id', models.IntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('group', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='auth.group')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='tickets.historicalgroup')),
                ('permission', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='auth.permission')),
            ],
            options={
                'verbose_name': 'HistoricalGroup_permissions',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalOutageLeadTime',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('kind', models.CharField(choices=[('planned', 'Planned maintenance'), ('fault', 'Fault'), ('temporary', 'Temporary')], db_index=True, max_length=20, verbose_name='kind')),
                ('hours', models.PositiveIntegerField(verbose_name='hours ahead')),
                ('source', models.CharField(blank=True, max_length=200, verbose_name='source')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical outage announcement lead time',
                'verbose_name_plural': 'historical outage announcement lead times',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalSlaPolicy',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('order_kind', models.CharField(choices=[('repair', 'Repair'), ('consultation', 'Consultation'), ('complaint', 'Complaint'), ('report', 'Report'), ('suggestion', 'Suggestion')], max_length=20, verbose_name='order kind')),
                ('deadline', models.CharField(choices=[('first_contact', 'First contact'), ('reply', 'Reply to the customer'), ('arrival', 'Repair crew on site'), ('restore', 'Power restored after arrival'), ('callback', 'Callback')], max_length=20, verbose_name='deadline')),
                ('area_type', models.CharField(blank=True, choices=[('urban', 'Urban'), ('rural', 'Rural'), ('remote', 'Remote')], help_text='Empty: any area', max_length=10, verbose_name='area type')),
                ('amount', models.PositiveIntegerField(verbose_name='amount')),
                ('measure', models.CharField(choices=[('minutes', 'minutes'), ('hours', 'hours'), ('calendar_days', 'calendar days'), ('working_days', 'working days')], max_length=20, verbose_name='measure')),
                ('sample_percent', models.PositiveSmallIntegerField(default=100, help_text='Callbacks only: share of orders that get a callback', validators=[django.core.validators.MaxValueValidator(100)], verbose_name='sample %')),
                ('scheme', models.CharField(default='default', help_text="A named set of policies, e.g. 'sgcc_current'", max_length=40, verbose_name='scheme')),
                ('active', models.BooleanField(default=True, verbose_name='active')),
                ('source', models.CharField(blank=True, help_text='Where the limit comes from', max_length=200, verbose_name='source')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(blank=True, db_constraint=False, help_text='Empty: the default for every unit', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='tickets.unit', verbose_name='unit')),
            ],
            options={
                'verbose_name': 'historical SLA policy',
                'verbose_name_plural': 'historical SLA policies',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalStandardPhrase',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('situation', models.CharField(choices=[('greeting', 'Greeting'), ('identify', 'Identifying the caller'), ('wait', 'Asking to wait'), ('cannot_answer_now', 'Cannot answer on the call'), ('outage_apology', 'Outage apology'), ('transfer', 'Transfer'), ('silent_call', 'Silent or unclear call'), ('harassment', 'Harassing call'), ('closing', 'Closing'), ('callback', 'Callback'), ('complaint_accept', 'Accepting a complaint')], max_length=30, verbose_name='situation')),
                ('text', models.TextField(verbose_name='text')),
                ('order', models.PositiveSmallIntegerField(default=0, help_text='Smaller first', verbose_name='order')),
                ('active', models.BooleanField(default=True, verbose_name='active')),
                ('source', models.CharField(blank=True, help_text='Where the phrase comes from', max_length=200, verbose_name='source')),
                ('updated_at', models.DateTimeField(blank=True, editable=False, verbose_name='updated at')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical standard phrase',
                'verbose_name_plural': 'historical standard phrases',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalUser',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('is_superuser', models.BooleanField(default=False, help_text='Designates that this user has all permissions without explicitly assigning them.', verbose_name='superuser status')),
                ('username', models.CharField(db_index=True, error_messages={'unique': 'A user with that username already exists.'}, help_text='Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.', max_length=150, validators=[django.contrib.auth.validators.UnicodeUsernameValidator()], verbose_name='username')),
                ('first_name', models.CharField(blank=True, max_length=150, verbose_name='first name')),
                ('last_name', models.CharField(blank=True, max_length=150, verbose_name='last name')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email address')),
                ('is_staff', models.BooleanField(default=False, help_text='Designates whether the user can log into this admin site.', verbose_name='staff status')),
                ('is_active', models.BooleanField(default=True, help_text='Designates whether this user should be treated as active. Unselect this instead of deleting accounts.', verbose_name='active')),
                ('date_joined', models.DateTimeField(default=django.utils.timezone.now, verbose_name='date joined')),
                ('seat', models.CharField(blank=True, help_text='Agent seat / extension', max_length=20, verbose_name='seat')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('department', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='tickets.department', verbose_name='department')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='tickets.unit', verbose_name='unit')),
            ],
            options={
                'verbose_name': 'historical user',
                'verbose_name_plural': 'historical users',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalUser_groups',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('group', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='auth.group')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='tickets.historicaluser')),
                ('user', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'HistoricalUser_groups',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalUser_user_permissions',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='tickets.historicaluser')),
                ('permission', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='auth.permission')),
                ('user', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'HistoricalUser_user_permissions',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(backfill_history, migrations.RunPython.noop),
    ]
