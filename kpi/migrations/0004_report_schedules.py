"""Beat's two schedules of the monthly assessment report: last month's reports on the 1st at 01:00
(Asia/Shanghai), and the outbox relay that sends queued report runs every minute."""

from django.db import migrations

MONTHLY = "kpi: monthly assessment reports on the 1st at 01:00"
DISPATCH = "kpi: send queued report runs every minute"
FIRST_OF_MONTH = {"minute": "0", "hour": "1", "day_of_month": "1", "month_of_year": "*", "day_of_week": "*",
                  "timezone": "Asia/Shanghai"}


def _first_or_create(model, **fields):
    """Schedules have no unique key: reuse one (e.g. the sweep's every-minute interval) rather than add twins."""
    return model.objects.filter(**fields).order_by("pk").first() or model.objects.create(**fields)


def schedule_reports(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    first_of_month = _first_or_create(CrontabSchedule, **FIRST_OF_MONTH)
    PeriodicTask.objects.update_or_create(
        name=MONTHLY, defaults={"task": "kpi.tasks.monthly_reports", "crontab": first_of_month, "interval": None,
                                "enabled": True},
    )
    every_minute = _first_or_create(IntervalSchedule, every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=DISPATCH, defaults={"task": "kpi.tasks.dispatch_reports", "interval": every_minute, "crontab": None,
                                 "enabled": True},
    )


def unschedule_reports(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[MONTHLY, DISPATCH]).delete()
    apps.get_model("django_celery_beat", "CrontabSchedule").objects.filter(
        **FIRST_OF_MONTH, periodictask__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("kpi", "0003_report_runs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule_reports, unschedule_reports)]
