"""Seed the shift templates (three shifts 早/中/夜, and the 24-hour duty 8:00 → 8:00 of seed 000 值班制度)
and the beat schedule that opens draft handovers before shifts end."""

import datetime as dt

from django.db import migrations

TEMPLATES = [
    ("early", "早班", "three_shift", dt.time(8, 0), dt.time(16, 0)),
    ("middle", "中班", "three_shift", dt.time(16, 0), dt.time(0, 0)),
    ("night", "夜班", "three_shift", dt.time(0, 0), dt.time(8, 0)),
    ("duty24", "24小时值班", "24h", dt.time(8, 0), dt.time(8, 0)),
]


def seed(apps, schema_editor):
    ShiftTemplate = apps.get_model("shifts", "ShiftTemplate")
    for code, name, pattern, start, end in TEMPLATES:
        ShiftTemplate.objects.get_or_create(code=code, defaults={
            "name": name, "pattern": pattern, "start": start, "end": end,
            "checkin_lead_minutes": 20, "handover_grace_minutes": 5,
        })
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_5, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.update_or_create(
        name="shifts: open draft handovers", defaults={"task": "shifts.tasks.open_handovers", "interval": every_5},
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name="shifts: open draft handovers").delete()


class Migration(migrations.Migration):
    dependencies = [("shifts", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(seed, unseed)]
