"""The design's default limits ("Default limits and where they come from"), as data."""

from django.db import migrations

# (kind, deadline, area_type, amount, measure, sample %, scheme, active, source)
DEFAULTS = [
    ("complaint", "first_contact", "", 24, "hours", 100, "default", True, "State Grid commitment (current): contact within 24 h"),
    ("complaint", "reply", "", 5, "calendar_days", 100, "default", True, "seed 000 细则 10: reply within 5 days"),
    ("complaint", "callback", "", 1, "calendar_days", 100, "default", True, "seed 000 细则 9: callback 100 %, within 1 day of the reply"),
    ("complaint", "reply", "", 5, "working_days", 100, "sgcc_current", False, "State Grid commitment (current): reply within 5 working days"),
    ("complaint", "first_contact", "", 1, "working_days", 100, "sgcc_old", False, "State Grid commitment (old): 1 working day"),
    ("complaint", "reply", "", 7, "working_days", 100, "sgcc_old", False, "State Grid commitment (old): 7 working days"),
    ("repair", "arrival", "urban", 45, "minutes", 100, "default", True, "State Grid commitment: urban 45 min"),
    ("repair", "arrival", "rural", 90, "minutes", 100, "default", True, "State Grid commitment: rural 90 min"),
    ("repair", "arrival", "remote", 120, "minutes", 100, "default", True, "State Grid commitment: remote areas 2 h"),
    ("repair", "restore", "urban", 3, "hours", 100, "default", True, "State Grid commitment (current): urban 3 h (report figure)"),
    ("repair", "restore", "rural", 4, "hours", 100, "default", True, "State Grid commitment (current): rural 4 h (report figure)"),
    ("repair", "callback", "", 1, "calendar_days", 20, "default", True, "repair callbacks are sampled (rate configurable)"),
    ("consultation", "reply", "", 5, "working_days", 100, "default", True, "placeholder, no seed figure"),
    ("consultation", "callback", "", 1, "calendar_days", 100, "default", True, "seed 003 咨询, seed 000 考核 7: a consultation that went to a department is called back (100 %) before it is archived"),
    ("report", "reply", "", 5, "working_days", 100, "default", True, "placeholder, no seed figure"),
    ("report", "callback", "", 1, "calendar_days", 100, "default", True, "like complaints"),
    ("suggestion", "reply", "", 5, "working_days", 100, "default", True, "placeholder, no seed figure"),
    ("suggestion", "callback", "", 1, "calendar_days", 100, "default", True, "like complaints"),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    for kind, deadline, area, amount, measure, sample, scheme, active, source in DEFAULTS:
        SlaPolicy.objects.get_or_create(
            order_kind=kind, deadline=deadline, area_type=area, unit=None, scheme=scheme,
            defaults={"amount": amount, "measure": measure, "sample_percent": sample, "active": active,
                      "source": source},
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
