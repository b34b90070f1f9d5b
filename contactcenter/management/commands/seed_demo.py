"""``manage.py seed_demo``: the demo center of the design (units, departments, users, customers,
calls and work orders in every state), built through the services (``contactcenter.demo``).

Idempotent: reference data is keyed on codes, usernames and account numbers; calls and orders are
made once (skipped when the marker customer DEMO0001 already has orders). Everything runs in one
transaction, so a failed run leaves nothing half made.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count

from contactcenter.demo import reference
from contactcenter.demo.orders import DemoOrders
from shifts.models import Handover, Shift
from tickets.models import (
    Call,
    Callback,
    Customer,
    Department,
    OutageNotice,
    Unit,
    User,
    WorkOrder,
    WorkOrderTransition,
)


class Command(BaseCommand):
    help = (
        "Build the demo center: unit tree, departments, users (agent1, agent2, lead1, lead2, supervisor1, "
        "manager1, repair1, repair2, marketing1, supervision1, the telephony service account and the superuser "
        "admin), customers DEMO0001-DEMO0012, "
        "calls and work orders of every kind in various states, today's and tomorrow's three shifts of the "
        "service center and the draft handover of the shift on duty, a published fault outage with a linked repair "
        "call and a planned outage announced late. Idempotent: existing rows are kept and "
        "calls/orders are made only once. Passwords are settings.DEMO_PASSWORD (env DEMO_PASSWORD, default "
        "demo12345); on a re-run a demo user's password is set again only if it no longer matches "
        "DEMO_PASSWORD, so changing DEMO_PASSWORD takes effect."
    )


    def handle(self, *args, **options):
        users = self._seed()
        self._summary(users)

    @transaction.atomic
    def _seed(self) -> dict[str, User]:
        units = reference.seed_units()
        departments = reference.seed_departments(units)
        users = reference.seed_users(units, departments)
        customers = reference.seed_customers(units)
        if WorkOrder.objects.filter(customer__account_number=reference.MARKER_ACCOUNT).exists():
            self.stdout.write("Demo calls and orders exist already; not adding more.")
        else:
            DemoOrders(users=users, departments=departments, customers=customers).build()
        reference.seed_outages(users, customers, departments)  # before the roster: the handover carries its call
        reference.seed_roster(units, users)
        return users

    def _summary(self, users: dict[str, User]) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS("Demo center ready."))
        out.write(
            f"Units: {Unit.objects.count()}  departments: {Department.objects.count()}  "
            f"customers: {Customer.objects.count()}  calls: {Call.objects.count()}  "
            f"orders: {WorkOrder.objects.count()}  history rows: {WorkOrderTransition.objects.count()}  "
            f"callbacks: {Callback.objects.count()}"
        )

        out.write(f"Shifts: {Shift.objects.count()}  handovers: {Handover.objects.count()}")
        out.write(f"Outage notices: {OutageNotice.objects.count()}  "
                  f"linked repair calls: {WorkOrder.objects.filter(outage__isnull=False).count()}")
        out.write("Work orders by kind and state:")
        rows = WorkOrder.objects.values("kind", "state").annotate(n=Count("id")).order_by("kind", "state")
        for row in rows:
            out.write(f"  {row['kind']:<13} {row['state']:<13} {row['n']}")
        out.write("Users:")
        for user in users.values():
            roles = ", ".join(g.name for g in user.groups.all()) or (
                "superuser" if user.is_superuser else "-"
            )
            where = user.department or user.unit or ""
            out.write(f"  {user.username:<13} {user.last_name + user.first_name:<5} {roles:<19} {where}")
        hint = (
            "demo12345 (the default)"
            if settings.DEMO_PASSWORD == "demo12345"
            else "the value of DEMO_PASSWORD"
        )
        out.write(f"Password for every demo user: {hint}")

