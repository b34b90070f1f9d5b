"""The data the API fuzzer runs against, and the real values it mixes into what it generates.

The world is the demo center (``seed_demo``: units, departments, a user of every role, customers, calls, work
orders of every kind in many states, today's and tomorrow's shifts with the draft handover of the one on duty, a
published fault and a planned outage), plus ledger entries (the deadline sweep after the demo's overdue orders, a
manual entry, a reversal) and monthly report runs in three statuses (one done, with its CSV file).

Random integers almost never name an existing order, and random strings almost never a department's handler:
``RealValues`` gives the fuzzer's hooks the ids, codes, usernames and transition names that exist, so a share of
the generated requests reaches the services and the serializers of real objects instead of stopping at a 404.
"""

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from hypothesis import strategies as st
from PIL import Image

from contactcenter.attachments.services import attachment_add
from contactcenter.models import Attachment
from contactcenter.tokens import issue_token
from kpi import sweeps
from kpi.models import LedgerEntry, PenaltyRule, ReportRun, ReportStatus
from kpi.reports.services import report_generate, report_request
from kpi.services import entry_post_manual, entry_reverse
from shifts.models import Handover, Shift, ShiftTemplate
from shifts.selectors import available_transitions as handover_available_transitions
from shifts.services import HANDOVER_TRANSITIONS
from tickets.models import Call, Customer, Department, OutageNotice, Unit, User, WorkOrder
from tickets.models.phrases import ForbiddenPhrase, StandardPhrase
from tickets.services.outages import OUTAGE_TRANSITIONS, outage_available_transitions
from tickets.services.workorders import available_transitions, transition_names

# role → the demo user who has it (None: no credentials at all)
ROLES = {
    "anonymous": None,
    "agent": "agent1",
    "shift_lead": "lead1",
    "department_handler": "repair1",
    "supervisor": "supervisor1",
    "manager": "manager1",
}

# Instants and days at the ends of what Python represents: in UTC (the database's) or in Asia/Shanghai they fall
# outside years 1–9999. Hypothesis' own date-times rarely come this close.
EDGE_MOMENTS = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00",
                "9999-12-31T23:59:59"]
EDGE_DATES = ["0001-01-01", "9999-12-31"]

# The segment before a path's first parameter ("work-orders" in /work-orders/{id}/transitions/{name}/, "work-orders"
# in /work-orders/{id}/attachments/, "attachments" in /attachments/{id}/download/) → which ids its {id} (or {code})
# takes.


@dataclass
class RealValues:
    tokens: dict[str, str] = field(default_factory=dict)  # username → token key
    path_ids: dict[str, list] = field(default_factory=dict)  # collection ("work-orders") → its ids or codes
    transitions: dict[str, list[str]] = field(default_factory=dict)  # collection → its transition names
    # role → collection → (id, name) of the transitions that role may fire now
    firable: dict[str, dict[str, list[tuple[int, str]]]] = field(default_factory=dict)
    fields: dict[str, list] = field(default_factory=dict)  # body / query field name → values that exist

    def headers(self, role: str) -> dict[str, str]:
        username = ROLES[role]
        return {} if username is None else {"Authorization": f"Token {self.tokens[username]}"}

    # --- schemathesis hooks (``flatmap_*``: each returns a strategy, so Hypothesis draws the choice)

    def path_parameters(self, ctx, params, role: str):
        """Sometimes the id of an object that exists (and for a transition, a name its machine has); for a
        transition, sometimes one the role may fire now on that object."""
        if not params:
            return st.just(params)
        segments = [s for s in ctx.operation.path.split("/") if s]
        collection = segments[next(i for i, s in enumerate(segments) if s.startswith("{")) - 1]
        choices = {}
        for key in ("id", "code"):
            if key in params and self.path_ids.get(collection):
                choices[key] = self.path_ids[collection]
        if "name" in params and self.transitions.get(collection):
            choices["name"] = self.transitions[collection]
        mixed = self._mix(params, choices)
        firable = self.firable.get(role, {}).get(collection) if "name" in params else None
        if not firable:
            return mixed
        return st.one_of(mixed, st.sampled_from(firable).map(lambda pair: {**params, "id": pair[0],
                                                                            "name": pair[1]}))

    def fields_of(self, ctx, values):
        """Sometimes an existing value for a body's or a query's field that names something."""
        if not isinstance(values, dict):
            return st.just(values)
        return self._mix(values, {key: self.fields[key] for key in values if self.fields.get(key)})

    @staticmethod
    def _mix(values: dict, choices: dict[str, list]):
        if not choices:
            return st.just(values)
        replaced = st.fixed_dictionaries({key: st.one_of(st.just(values[key]), st.sampled_from(options))
                                          for key, options in choices.items()})
        return replaced.map(lambda new: {**values, **new})


def build_world() -> RealValues:
    call_command("seed_demo", stdout=_Discard())
    users = {user.username: user for user in User.objects.all()}
    now = timezone.now()

    # Ledger: the demo's overdue orders breach their deadlines; a manual entry and a reversal besides.
    sweeps.sweep_deadlines(now=now)
    rule = PenaltyRule.objects.order_by("code").first()
    entry_post_manual(rule=rule, actor=users["lead1"], reason="fuzz", agent=users["agent1"], amount=Decimal("20"))
    appealed = entry_post_manual(rule=rule, actor=users["lead1"], reason="fuzz", agent=users["agent2"])
    entry_reverse(entry=appealed, actor=users["supervisor1"], reason="appeal upheld")

    # Report runs: one done (with its CSV file), one queued, one failed.
    period = timezone.localdate(now).strftime("%Y-%m")
    done = report_request(actor=users["supervisor1"], period=period, fmt="csv")
    report_generate(run_id=done.pk)
    assert ReportRun.objects.get(pk=done.pk).status == ReportStatus.DONE
    report_request(actor=users["manager1"], period=period, fmt="xlsx")
    failed = report_request(actor=users["manager1"], period=period, fmt="pdf")
    ReportRun.objects.filter(pk=failed.pk).update(status=ReportStatus.FAILED, error="fuzz")

    # Attachments: a PDF on an order (by agent1, who may still delete it) and a photo on an outage notice.
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    attachment_add(parent=WorkOrder.objects.order_by("pk").first(), upload=ContentFile(pdf), given_name="现场.pdf",
                   actor=users["agent1"])
    photo = io.BytesIO()
    Image.new("RGB", (4, 4)).save(photo, "PNG")
    attachment_add(parent=OutageNotice.objects.order_by("pk").first(), upload=ContentFile(photo.getvalue()),
                   given_name="通知.png", actor=users["agent1"])

    def ids(model) -> list:
        return sorted(model.objects.values_list("pk", flat=True))

    usernames = sorted(users)
    customers = Customer.objects.order_by("pk")
    values = RealValues()
    values.tokens = {name: issue_token(users[name])[1] for name in ROLES.values() if name}
    values.path_ids = {
        "units": ids(Unit), "departments": ids(Department), "customers": ids(Customer), "calls": ids(Call),
        "work-orders": ids(WorkOrder), "outages": ids(OutageNotice), "shifts": ids(Shift),
        "shift-templates": ids(ShiftTemplate), "handovers": ids(Handover), "entries": ids(LedgerEntry),
        "rules": sorted(PenaltyRule.objects.values_list("code", flat=True)), "monthly": ids(ReportRun),
        "standard": ids(StandardPhrase), "forbidden": ids(ForbiddenPhrase), "attachments": ids(Attachment),
    }
    values.firable = {
        role: {
            "work-orders": [(o.pk, name) for o in WorkOrder.objects.all() for name in available_transitions(o, user)],
            "outages": [(n.pk, name) for n in OutageNotice.objects.all()
                        for name in outage_available_transitions(n, user)],
            "handovers": [(h.pk, name) for h in Handover.objects.all()
                          for name in handover_available_transitions(h, user)],
        }
        for role, user in ((role, users[name]) for role, name in ROLES.items() if name)
    }
    values.transitions = {
        "work-orders": sorted({name for order in WorkOrder.objects.all() for name in transition_names(order)}),
        "outages": list(OUTAGE_TRANSITIONS),
        "handovers": list(HANDOVER_TRANSITIONS),
    }
    handlers = sorted(User.objects.filter(department__isnull=False).values_list("username", flat=True))
    today = timezone.localdate(now)
    local = timezone.localtime(now).replace(microsecond=0)
    moments = [(local + dt.timedelta(minutes=minutes)).isoformat() for minutes in (-30, -10, -9, 0, 60, 240, 2880)]
    values.fields = {
        "department": ids(Department), "source_department": ids(Department), "unit": ids(Unit),
        "customer": ids(Customer), "call": ids(Call), "order": ids(WorkOrder),
        "agent": usernames, "handler": handlers, "responsible": usernames, "lead": usernames, "owner": usernames,
        "member": usernames, "user": usernames, "members": [usernames[:2], ["agent1", "agent2"]],
        "rule": values.path_ids["rules"],
        "template": sorted(ShiftTemplate.objects.values_list("code", flat=True)),
        "period": [period, (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m"), "0001-01", "9999-12"],
        "date": [today.isoformat(), (today + dt.timedelta(days=1)).isoformat(), *EDGE_DATES],
        "phone": [c.phone for c in customers], "caller_number": [c.phone for c in customers],
        "account_number": [c.account_number for c in customers if c.account_number],
        "number": sorted(WorkOrder.objects.values_list("number", flat=True)),
        **{name: moments + EDGE_MOMENTS for name in ("ring_started_at", "answered_at", "ended_at", "starts_at",
                                                     "expected_restore_at", "received_at", "occurred_at",
                                                     "restored_at", "due_at", "ring_after", "ring_before",
                                                     "accepted_after", "accepted_before", "starts_after",
                                                     "starts_before")},
        **{name: [today.isoformat(), *EDGE_DATES] for name in ("date_from", "date_to", "date_after", "date_before")},
    }
    return values


class _Discard:
    """seed_demo's report goes nowhere."""

    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass
