from django.core.management.base import BaseCommand

from kpi import sweeps


class Command(BaseCommand):
    help = "Judge every deadline and event rule that has come due and post the breaches (same code as beat's task)."

    def add_arguments(self, parser):
        parser.add_argument("--budget", type=float, default=50.0, help="stop after this many seconds (default 50)")
        parser.add_argument("--batch", type=int, default=sweeps.BATCH, help="orders claimed per step")

    def handle(self, *args, budget, batch, **options):
        result = sweeps.sweep_deadlines(budget_seconds=budget, batch=batch)
        self.stdout.write(result.summary())
