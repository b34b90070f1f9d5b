"""A consultation that went to a department is called back before it is archived, 100 % (seed 003 咨询 "工單辦結完畢
後…及時回訪客戶，工單存檔"; seed 000 考核 7): the seeded default policy said "sampled, 10 %"."""

from django.db import migrations

SOURCE = ("seed 003 咨询, seed 000 考核 7: a consultation that went to a department is called back (100 %) "
          "before it is archived")


def forward(apps, schema_editor):
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    SlaPolicy.objects.filter(order_kind="consultation", deadline="callback", unit=None, scheme="default",
                             source="consultation callbacks are sampled").update(sample_percent=100, source=SOURCE)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0016_telephony_role")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
