"""Seed the penalty rules (design "Penalties", seed 000 考核), the every-minute beat schedule of the
deadline sweep, and — on PostgreSQL — a trigger that refuses UPDATE and DELETE on ledger entries."""

from django.db import migrations

# (code, Chinese, English, yuan, charged to, manual, threshold, source)
RULES = [
    ("outage_publish_late", "停电信息未在本班发布", "Outage notice not published within the shift", 20, "agent", False, None, "seed 000 考核 1"),
    ("late_or_early", "迟到早退或交接班不准时", "Late check-in, early leave or late handover", 20, "agent", False, None, "seed 000 考核 2; 交接-班规定 1 (5 minutes)"),
    ("absent", "旷工（排班未签到）", "Absent: rostered, never checked in", 20, "agent", False, None, "seed 000 值班制度 6 (不得擅自脱岗), seed 002 (不得曠工); amount as 考核 2"),
    ("intranet_violation", "内网外联", "Intranet connected to the internet", 200, "agent", True, None, "seed 000 考核 3"),
    ("ring_over_3", "振铃超过三声未接听", "Call rang more than 3 times (10 s) before answer", 20, "agent", False, 10, "seed 000 考核 4 (细则 1; seed 004 六 3.2: 3 rings = 10 s)"),
    ("no_cleaning", "交接班未做卫生", "Handover without cleaning", 20, "agent", False, None, "seed 000 考核 5 (交接-班规定 4)"),
    ("first_question", "本班可办结工单未办结", "Order that could be handled in the shift left undone", 20, "agent", False, None, "seed 000 考核 6"),
    ("callback_missed", "未及时回访", "Order without a timely callback", 20, "agent", False, None, "seed 000 考核 7 (细则 9; seed 003 咨询)"),
    ("attitude_complaint", "服务态度投诉属实", "Valid complaint caused by the agent's attitude", 100, "agent", False, None, "seed 000 考核 8"),
    ("complaint_reply_late", "投诉未在5日内答复", "Complaint not replied within 5 days", 20, "department", False, None, "seed 000 细则 10"),
    ("repair_arrival_late", "抢修未按时到达现场", "Repair crew not on site in time", 20, "department", False, None, "seed 000 细则 6 (对拖延抢修时间部门进行考核); State Grid commitment"),
    ("consultation_reply_late", "咨询工单未按时答复", "Consultation not replied in time", 20, "department", False, None, "configurable, no seed figure"),
    ("report_reply_late", "举报工单未按时答复", "Report not replied in time", 20, "department", False, None, "configurable, no seed figure"),
    ("suggestion_reply_late", "意见建议未按时答复", "Suggestion not replied in time", 20, "department", False, None, "configurable, no seed figure"),
]

PROTECT_SQL = """
CREATE OR REPLACE FUNCTION kpi_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'kpi_ledgerentry is append-only: % refused (post a reversal instead)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS kpi_ledger_append_only ON kpi_ledgerentry;
CREATE TRIGGER kpi_ledger_append_only BEFORE UPDATE OR DELETE ON kpi_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION kpi_ledger_append_only();
"""
UNPROTECT_SQL = """
DROP TRIGGER IF EXISTS kpi_ledger_append_only ON kpi_ledgerentry;
DROP FUNCTION IF EXISTS kpi_ledger_append_only();
"""


def seed_rules(apps, schema_editor):
    PenaltyRule = apps.get_model("kpi", "PenaltyRule")
    for code, zh, en, amount, charged_to, manual, threshold, source in RULES:
        PenaltyRule.objects.get_or_create(code=code, defaults={
            "name_zh": zh, "name_en": en, "amount": amount, "charged_to": charged_to, "manual": manual,
            "threshold": threshold, "source": source, "enabled": True,
        })


def schedule_sweep(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name="kpi: sweep deadlines every minute",
        defaults={"task": "kpi.tasks.sweep_deadlines", "interval": every_minute, "enabled": True},
    )


def unschedule_sweep(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name="kpi: sweep deadlines every minute").delete()


def protect(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PROTECT_SQL, params=None)  # no parameters: "%" is literal


def unprotect(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNPROTECT_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("kpi", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.RunPython(seed_rules, migrations.RunPython.noop),
        migrations.RunPython(schedule_sweep, unschedule_sweep),
        migrations.RunPython(protect, unprotect),
    ]
