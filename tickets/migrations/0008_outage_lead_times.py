from django.db import migrations

LEAD_TIMES = [
    ("planned", 7 * 24, "State Grid commitment; 供电监管办法: planned outages announced 7 days ahead"),
    ("temporary", 24, "State Grid commitment (current): temporary outages announced 24 h ahead"),
    ("fault", 0, "a fault cannot be announced ahead"),
]


def seed(apps, schema_editor):
    OutageLeadTime = apps.get_model("tickets", "OutageLeadTime")
    for kind, hours, source in LEAD_TIMES:
        OutageLeadTime.objects.get_or_create(kind=kind, defaults={"hours": hours, "source": source})


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_outage_notices")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
