"""The wallboard 监控大屏 (kpi.wallboard): who may open it (kpi.view_wallboard: shift leads, supervisors and managers,
see kpi.roles), and an index for its "penalties today" (ledger entries by the time they occurred)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('kpi', '0006_manual_amounts_absent_rule'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='penaltyrule',
            options={'ordering': ['code'], 'permissions': [('post_manual_entry', 'Can post a manual ledger entry'), ('view_audit', 'Can view the audit trail'), ('view_wallboard', 'Can view the wallboard')], 'verbose_name': 'penalty rule', 'verbose_name_plural': 'penalty rules'},
        ),
        migrations.AddIndex(
            model_name='ledgerentry',
            index=models.Index(fields=['occurred_at'], name='ledger_occurred_idx'),
        ),
    ]
