"""Seed the working-day calendar from the chinese-calendar package, and give existing open orders
their next deadline to check (the earliest of their due times)."""

from django.db import migrations


def seed_calendar(apps, schema_editor):
    import chinese_calendar

    CalendarYear = apps.get_model("tickets", "CalendarYear")
    CalendarDay = apps.get_model("tickets", "CalendarDay")
    days = {day: (False, name) for day, name in chinese_calendar.holidays.items()}
    days.update({day: (True, name) for day, name in chinese_calendar.workdays.items()})
    years = sorted({day.year for day in days})
    for year in range(years[0], years[-1] + 1):
        CalendarYear.objects.get_or_create(year=year, defaults={"source": "chinese-calendar package"})
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        CalendarDay(date=day, is_working_day=working, name=str(name or "")[:100])
        for day, (working, name) in sorted(days.items()) if day not in existing
    )


def backfill_next_due(apps, schema_editor):
    WorkOrder = apps.get_model("tickets", "WorkOrder")
    columns = ["first_contact_due_at", "reply_due_at", "arrival_due_at", "restore_due_at", "callback_due_at"]
    for order in WorkOrder.objects.exclude(state="cancelled").only("pk", *columns).iterator():
        dues = [getattr(order, c) for c in columns if getattr(order, c) is not None]
        if dues:
            WorkOrder.objects.filter(pk=order.pk).update(next_due_at=min(dues))


class Migration(migrations.Migration):
    dependencies = [("tickets", "0003_calendar_and_next_due")]
    operations = [
        migrations.RunPython(seed_calendar, migrations.RunPython.noop),
        migrations.RunPython(backfill_next_due, migrations.RunPython.noop),
    ]
