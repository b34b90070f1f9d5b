"""The beat schedule that deletes idempotency keys past their ``IDEMPOTENCY_HOURS`` (daily, 04:10 Shanghai)."""

from django.db import migrations

NAME = "contactcenter: forget old idempotency keys"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    daily, _ = CrontabSchedule.objects.get_or_create(minute="10", hour="4", day_of_week="*", day_of_month="*",
                                                     month_of_year="*", timezone="Asia/Shanghai")
    PeriodicTask.objects.update_or_create(name=NAME, defaults={
        "task": "contactcenter.tasks.forget_idempotency_keys", "crontab": daily})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("contactcenter", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(schedule, unschedule)]
