"""The repeat candidates' caller indexes newest first within a caller (tickets.selectors.console): every create reads
the caller's ten newest open orders, however many they have open."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0030_fault_causes_materials'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='workorder',
            name='wo_open_customer_idx',
        ),
        migrations.RemoveIndex(
            model_name='workorder',
            name='wo_open_caller_idx',
        ),
        migrations.AddIndex(
            model_name='workorder',
            index=models.Index(condition=models.Q(('state__in', ('archived', 'cancelled', 'merged')), _negated=True), fields=['customer', '-accepted_at', '-id'], name='wo_open_customer_idx'),
        ),
        migrations.AddIndex(
            model_name='workorder',
            index=models.Index(condition=models.Q(('state__in', ('archived', 'cancelled', 'merged')), _negated=True), fields=['caller_number', '-accepted_at', '-id'], name='wo_open_caller_idx'),
        ),
    ]
