"""Work orders 工单: one table, one django-fsm state machine per kind (proxy models).

Every kind shares the columns of ``WorkOrder``; each proxy class (``RepairOrder``, ``ComplaintOrder`` …)
declares its own transitions, so ``available_state_transitions`` and the diagrams come from the
class of the order's kind. Loading a ``WorkOrder`` row returns an instance of its kind's class.

Transition methods change database fields only. ``tickets.services`` calls them, saves inside
``transaction.atomic()``, recomputes the deadlines the transition moved and writes the history row.

The kinds, states and the predicates the transitions ask live in ``states`` (imported here, so this module still
names them). The rest stays in one module, over 400 lines: the five kinds' machines live with the table they
share, and migration 0001 names the transition classes (``RepairCommonTransitions`` …) by this module's path.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, FSMField, transition

from contactcenter.choices import quick_display
from contactcenter.fsm import ConcurrentStates

from .customers import AreaType
from .states import (
    CALLBACK_MAX_ATTEMPTS,  # noqa: F401 (re-exported: this module names the whole vocabulary of the machines)
    FINAL_STATES,
    KIND_PREFIX,
    NUMBER_DIGITS,
    OPEN_STATES,
    FindingCause,
    Kind,
    Rating,
    State,
    callback_settled,
    is_current_department,
    linked_to_outage,
    may_cancel,
    may_reply,
    may_take_calls,
    not_linked_to_outage,
)


def _back_from_merge(order: "WorkOrder", *, back_to: str, **_) -> str:
    return back_to  # the state it was merged from (the service reads it from the merge's history row)


def _after_callback(order: "WorkOrder", *, reached: bool, satisfied: bool | None = None, **_) -> str:
    if not reached:
        return order.state  # an attempt; try again later
    if satisfied is False and order.REOPEN_ON_UNSATISFIED:
        return State.DISPATCHED  # an unsatisfied callback reopens a complaint
    return State.CALLED_BACK


# The columns the wallboard's count of open orders reads besides kind, state and department (wo_open_board_idx).
BOARD_COLUMNS = ["id", "first_contact_due_at", "reply_due_at", "arrival_due_at", "callback_due_at",
                 "first_contacted_at", "replied_at", "resolved_at", "arrived_at", "called_back_at"]


@quick_display("kind", "state", "area_type", "finding_cause")
class WorkOrder(ConcurrentStates, models.Model):
    """A work order of any kind. The first-question owner 首问负责人 never changes."""

    # Unique by wo_number_unique (a constraint: unique=True would add a second, LIKE-pattern index on PostgreSQL
    # that no query uses and every insert writes).
    number = models.CharField(_("number"), max_length=24, null=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, editable=False)
    state = FSMField(_("state"), default=State.ACCEPTED, choices=State.choices, protected=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    description = models.TextField(_("description"))

    customer = models.ForeignKey("tickets.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="orders")
    # The foreign keys that stay empty on most rows (call, outage, handler, finding_responsible; department until
    # dispatched) are indexed where set only (partial indexes in Meta): a new order writes no entry in them.
    call = models.ForeignKey("tickets.Call", verbose_name=_("call"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="orders", db_index=False)
    # A repair call from the area of a published outage is linked to it instead of being dispatched again.
    outage = models.ForeignKey("tickets.OutageNotice", verbose_name=_("outage notice"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="linked_orders", db_index=False)
    caller_number = models.CharField(_("caller number"), max_length=32)
    area_type = models.CharField(_("area type"), max_length=10, choices=AreaType.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    unit = models.ForeignKey("tickets.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="orders")

    # 首问负责制 (seed 000, seed 004 §3.5): the accepting agent stays responsible until archived.
    # Indexed by wo_owner_state_idx (owner first), as department by wo_department_state_idx: no index of their own.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("first-question owner"),
                              on_delete=models.PROTECT, related_name="owned_orders", db_index=False)
    department = models.ForeignKey("tickets.Department", verbose_name=_("current department"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="orders", db_index=False)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("current handler"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="handled_orders", db_index=False)

    # Facts, stamped by the transitions.
    accepted_at = models.DateTimeField(_("accepted at"))
    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    first_contacted_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    restored_at = models.DateTimeField(_("restored at"), null=True, blank=True)
    investigated_at = models.DateTimeField(_("investigated at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    informed_at = models.DateTimeField(_("customer informed at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True,
                                       help_text=_("When the service to the customer was completed; "
                                                   "starts the callback clock"))
    called_back_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    reply_started_at = models.DateTimeField(_("reply clock started at"), null=True, blank=True)

    answer = models.TextField(_("answer"), blank=True)
    reply_text = models.TextField(_("reply to the customer"), blank=True)
    finding_valid = models.BooleanField(_("finding: valid"), null=True, blank=True)  # 属实 / 不属实
    finding_cause = models.CharField(_("finding: cause"), max_length=20, choices=FindingCause.choices, blank=True)
    finding_responsible = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("finding: responsible person"),
                                            null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                            db_index=False)
    finding_note = models.TextField(_("finding: note"), blank=True)
    escalation_note = models.TextField(_("escalation note"), blank=True)
    cancel_reason = models.TextField(_("cancel reason"), blank=True)
    return_reason = models.TextField(_("return reason"), blank=True)

    # db_index off: empty on nearly every row; wo_merged_into_idx (partial) serves the lookups.
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True, db_index=False,
                                    on_delete=models.PROTECT, related_name="merged_orders", editable=False)
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True, editable=False)
    urge_count = models.PositiveIntegerField(_("urge count"), default=0)  # 催办
    reopen_count = models.PositiveIntegerField(_("reopen count"), default=0)
    callback_required = models.BooleanField(_("callback required"), default=False)
    callback_attempts = models.PositiveIntegerField(_("callback attempts"), default=0)

    # Deadlines, computed from SlaPolicy at creation and by the transitions that move them.
    first_contact_due_at = models.DateTimeField(_("first contact due"), null=True, blank=True)
    reply_due_at = models.DateTimeField(_("reply due"), null=True, blank=True)
    arrival_due_at = models.DateTimeField(_("arrival due"), null=True, blank=True)
    restore_due_at = models.DateTimeField(_("restore due"), null=True, blank=True)
    callback_due_at = models.DateTimeField(_("callback due"), null=True, blank=True)
    # The earliest deadline the deadline sweep has not looked at yet. Set (only ever earlier) when a
    # clock starts; moved on by kpi.sweeps after it has judged the deadlines up to now; cleared on cancel.
    next_due_at = models.DateTimeField(_("next deadline to check"), null=True, blank=True, editable=False)
    # Deadlines that had come when a transition restarted or stopped their clock (reopen, return to sender):
    # [{"deadline", "due", "met_at", "department_id"}]; kept for the sweep, which empties it once judged.
    superseded_deadlines = models.JSONField(_("superseded deadlines"), default=list, blank=True, editable=False)
    # Due columns counted on a provisional holiday calendar (a year whose arrangement is not entered yet,
    # tickets.calendar): shown as provisional, recomputed when the arrangement is entered.
    provisional_deadlines = models.JSONField(_("provisional deadlines"), default=list, blank=True, editable=False)
    has_provisional_deadline = models.BooleanField(_("has a provisional deadline"), default=False, editable=False)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # What a search matches (tickets.search): kept by the services that change it, indexed on PostgreSQL.
    search_text = models.TextField(_("searchable text"), blank=True, default="", editable=False)
    search_phones = models.CharField(_("searchable phone numbers"), max_length=80, blank=True, default="",
                                     editable=False)

    REOPEN_ON_UNSATISFIED = False

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-accepted_at", "-id"]
        permissions = [
            ("take_calls", _("Can take calls and act for the front office")),
            ("handle_department", _("Can handle orders dispatched to own department")),
            ("cancel_order", _("Can cancel orders as duplicates")),
            ("view_all_orders", _("Can see the orders of every department")),
        ]
        indexes = [
            # The queues (an owner's, a department's, a kind's orders in a state), newest first as listed: the first
            # page is read in index order and stops after 50 rows, however long the queue.
            models.Index(fields=["kind", "state", "-accepted_at", "-id"], name="wo_kind_state_idx"),
            models.Index(fields=["owner", "state", "-accepted_at", "-id"], name="wo_owner_state_idx"),
            models.Index(fields=["department", "state", "-accepted_at", "-id"], name="wo_department_state_idx",
                         condition=Q(department__isnull=False)),
            models.Index(fields=["caller_number"], name="wo_caller_idx"),
            models.Index(fields=["accepted_at"], name="wo_accepted_idx"),
            # kpi.sweeps.sweep_deadlines: "orders with a deadline to judge now" — only rows with a pending
            # check are in it, so a sweep with nothing due reads nothing, however large the table.
            models.Index(fields=["next_due_at"], condition=Q(next_due_at__isnull=False), name="wo_next_due_idx"),
            # kpi.sweeps (attitude_complaint): valid findings caused by an agent's attitude, by time.
            models.Index(fields=["investigated_at"], condition=Q(finding_valid=True, finding_cause="attitude"),
                         name="wo_attitude_finding_idx"),
            # The callbacks page: callbacks owed and not made yet, by due time.
            models.Index(fields=["callback_due_at"], condition=Q(callback_required=True, called_back_at__isnull=True),
                         name="wo_callback_owed_idx"),
            # kpi.reports (the monthly assessment): deadlines that fell due in a month.
            models.Index(fields=["reply_due_at"], condition=Q(reply_due_at__isnull=False), name="wo_reply_due_idx"),
            models.Index(fields=["arrival_due_at"], condition=Q(arrival_due_at__isnull=False),
                         name="wo_arrival_due_idx"),
            models.Index(fields=["callback_due_at"], condition=Q(callback_due_at__isnull=False),
                         name="wo_callback_due_idx"),
            # Foreign keys empty on most rows (deletes of the row referred to, and its list of orders).
            models.Index(fields=["call"], condition=Q(call__isnull=False), name="wo_call_idx"),
            models.Index(fields=["outage"], condition=Q(outage__isnull=False), name="wo_outage_idx"),
            models.Index(fields=["handler"], condition=Q(handler__isnull=False), name="wo_handler_idx"),
            models.Index(fields=["merged_into"], condition=Q(merged_into__isnull=False), name="wo_merged_into_idx"),
            models.Index(fields=["finding_responsible"], condition=Q(finding_responsible__isnull=False),
                         name="wo_finding_responsible_idx"),
            # tickets.selectors.console.repeat_candidates, asked by every create: the caller's open orders and the
            # open orders of a building (an address prefix, then the day's window). Partial: the closed orders of a
            # long-time customer and the day's other repairs are never read. "Not final" rather than "in one of the
            # nine open states": the same rows, and PostgreSQL proves a query may use the index in half the time.
            # Newest first within a caller: their ten newest are read, however many they have open (a property
            # manager's hundreds).
            models.Index(fields=["customer", "-accepted_at", "-id"], condition=~Q(state__in=FINAL_STATES),
                         name="wo_open_customer_idx"),
            models.Index(fields=["caller_number", "-accepted_at", "-id"], condition=~Q(state__in=FINAL_STATES),
                         name="wo_open_caller_idx"),
            models.Index(fields=["address", "accepted_at"], opclasses=["varchar_pattern_ops", "timestamptz_ops"],
                         condition=~Q(state__in=FINAL_STATES), name="wo_open_address_idx"),
            # The wallboard (kpi.wallboard): the open orders counted by kind, state and department, with those overdue
            # and due soon — read from the index alone (the counted-down deadlines of tickets.sla and the facts that
            # meet them are its included columns; tests/kpi/test_wallboard.py holds the list to the deadline table).
            models.Index(fields=["kind", "state", "department"], include=BOARD_COLUMNS,
                         condition=Q(state__in=OPEN_STATES), name="wo_open_board_idx"),
            # tickets.services.calendar: the orders to recompute once a year's holiday arrangement is entered.
            models.Index(fields=["id"], condition=Q(has_provisional_deadline=True), name="wo_provisional_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="wo_number_unique"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="wo_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=State.values), name="wo_state_valid"),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.kind} #{self.pk}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        kind = instance.__dict__.get("kind")
        if cls is WorkOrder and kind in KIND_MODELS:
            instance.__class__ = KIND_MODELS[kind]
        return instance

    def number_prefix(self) -> str:
        """The number without its id: kind prefix and accepting day, e.g. GZ20261122."""
        from django.utils import timezone

        return f"{KIND_PREFIX[self.kind]}{timezone.localtime(self.accepted_at):%Y%m%d}"

    def assign_number(self) -> str:
        """The order's number, e.g. GZ202611220001234."""
        return f"{self.number_prefix()}{self.pk:0{NUMBER_DIGITS}d}"

    @property
    def is_open(self) -> bool:
        return self.state not in FINAL_STATES

    def sample_for_callback(self, percent: int) -> bool:
        """Deterministic sampling (the same order always gets the same answer)."""
        if percent >= 100:
            return True
        digest = hashlib.sha256(str(self.number or self.pk).encode()).digest()
        return int.from_bytes(digest[:4], "big") % 100 < percent


def _named(cls: type, name: str) -> type:
    """Give a class made by a factory a module-level name (migrations record proxy bases by path)."""
    cls.__name__ = cls.__qualname__ = name
    globals()[name] = cls
    return cls


def _common_transitions(name, *, open_states, cancellable, returned_to):
    """Transitions every kind has: urge, escalate, cancel as duplicate, reassign, add a note, merge and unmerge,
    return to sender.

    A factory, because each kind's machine needs its own transition objects (django-fsm keeps one
    meta per function) with its own source states.
    """

    class Common:
        @transition(field="state", source=open_states, target=None, permission=may_take_calls)
        def urge(self, *, at):
            """催办: the customer called again about this order."""
            self.urge_count = F("urge_count") + 1

        @transition(field="state", source=open_states, target=None, permission=may_take_calls)
        def escalate(self, *, at, escalation_note=""):
            """上报: reported to a leader."""
            self.escalated_at = at
            self.escalation_note = escalation_note

        @transition(field="state", source=cancellable, target=State.CANCELLED, permission=may_cancel)
        def cancel(self, *, at, reason):
            """Cancel as duplicate (shift lead only, with a reason)."""
            self.cancelled_at = at
            self.cancel_reason = reason
            self.next_due_at = None  # a cancelled duplicate is not judged

        @transition(field="state", source=State.DISPATCHED, target=None, permission=may_cancel)
        def reassign(self, *, at, department, handler=None):
            """改派: a lead or supervisor moves the order to another handling department — as a return and a new
            dispatch in one step: the new department's clock starts; a deadline already passed is still judged."""
            self.department, self.handler, self.dispatched_at = department, handler, at

        @transition(field="state", source=open_states, target=None, permission=may_reply)
        def add_note(self, *, at):
            """备注: a note in the history (the front office, or the department that has the order)."""

        @transition(field="state", source=open_states, target=State.MERGED, permission=may_cancel)
        def merge(self, *, at, into):
            """合并: a duplicate merged into the order it repeats (a lead or supervisor); no longer judged."""
            self.merged_into = into
            self.merged_at = at
            self.next_due_at = None

        @transition(field="state", source=State.MERGED, target=GET_STATE(_back_from_merge, states=open_states),
                    permission=may_cancel)
        def unmerge(self, *, at, back_to, next_due_at):
            """撤销合并: undone within the configured time; back to the state it was merged from, judged again."""
            self.merged_into = None
            self.merged_at = None
            self.next_due_at = next_due_at

        @transition(field="state", source=State.DISPATCHED, target=returned_to, permission=is_current_department)
        def return_to_sender(self, *, at, reason, department=None):
            """退单: the department sends the order back."""
            self.return_reason = reason
            self.department = department
            self.handler = None
            self.dispatched_at = None

    return _named(Common, name)


_REPAIR_OPEN = [State.ACCEPTED, State.DISPATCHED, State.ARRIVED, State.RESTORED, State.CALLED_BACK]


class RepairOrder(
    _common_transitions("RepairCommonTransitions", open_states=_REPAIR_OPEN,
                        cancellable=[State.ACCEPTED, State.DISPATCHED],
                        returned_to=State.ACCEPTED),
    WorkOrder,
):
    """故障报修: accepted → dispatched → arrived → restored → [callback] → archived."""

    class Meta:
        proxy = True
        verbose_name = _("repair order")
        verbose_name_plural = _("repair orders")

    @transition(field="state", source=State.ACCEPTED, target=State.DISPATCHED, permission=may_take_calls,
                conditions=[not_linked_to_outage])
    def dispatch(self, *, at, department, handler=None):
        """Dispatch to a repair crew; starts the arrival clock (urban 45 min, rural 90, remote 120)."""
        self.department, self.handler, self.dispatched_at = department, handler, at

    @transition(field="state", source=State.ACCEPTED, target=State.RESTORED, permission=may_take_calls,
                conditions=[linked_to_outage])
    def resolve_by_outage(self, *, at):
        """The linked outage was restored: this repair is resolved with it (callback by the sampling rule)."""
        self.restored_at = self.resolved_at = at

    @transition(field="state", source=State.ACCEPTED, target=None, permission=may_take_calls,
                conditions=[not_linked_to_outage])
    def link_outage(self, *, at, outage):
        """About a published outage after all (a surge's notice published, or the agent recognises it): linked, so no
        crew is dispatched for it; resolved with the outage."""
        self.outage = outage

    @transition(field="state", source=State.ACCEPTED, target=None, permission=may_take_calls,
                conditions=[linked_to_outage])
    def unlink_outage(self, *, at, reason):
        """Not about the linked outage (another fault at the same address): unlinked, so it can be dispatched."""
        self.outage = None

    @transition(field="state", source=State.DISPATCHED, target=State.ARRIVED, permission=is_current_department)
    def arrive(self, *, at):
        """The crew reports it is on site (stops the arrival clock)."""
        self.arrived_at = at

    @transition(field="state", source=State.ARRIVED, target=State.RESTORED, permission=is_current_department)
    def restore(self, *, at):
        """Supply restored / fault fixed; starts the callback clock."""
        self.restored_at = self.resolved_at = at

    @transition(field="state", source=State.RESTORED, target=GET_STATE(_after_callback, states=[
        State.RESTORED, State.CALLED_BACK]), permission=may_take_calls)
    def callback(self, *, at, reached, satisfied=None):
        """回访: record a callback attempt; reached → called back."""
        self.callback_attempts = F("callback_attempts") + 1
        if reached:
            self.called_back_at = at

    @transition(field="state", source=[State.RESTORED, State.CALLED_BACK], target=State.ARCHIVED,
                permission=may_take_calls, conditions=[callback_settled])
    def archive(self, *, at):
        """归档, once any required callback is done (or tried three times)."""
        self.archived_at = at


_CONSULTATION_OPEN = [State.ACCEPTED, State.DISPATCHED, State.REPLIED, State.INFORMED, State.CALLED_BACK]


class ConsultationOrder(
    _common_transitions("ConsultationCommonTransitions", open_states=_CONSULTATION_OPEN,
                        cancellable=[State.ACCEPTED, State.DISPATCHED],
                        returned_to=State.ACCEPTED),
    WorkOrder,
):
    """咨询: answered on the call, or dispatched → department reply → customer informed → archived."""

    class Meta:
        proxy = True
        verbose_name = _("consultation order")
        verbose_name_plural = _("consultation orders")

    @transition(field="state", source=State.ACCEPTED, target=State.ARCHIVED, permission=may_take_calls)
    def answer_on_call(self, *, at, answer):
        """Answered during the call: closed at once."""
        self.answer = answer
        self.resolved_at = self.archived_at = at

    @transition(field="state", source=State.ACCEPTED, target=State.DISPATCHED, permission=may_take_calls)
    def dispatch(self, *, at, department, handler=None):
        """Cannot be answered on the call (seed 000 细则 3): ask the department."""
        self.department, self.handler, self.dispatched_at = department, handler, at

    @transition(field="state", source=State.DISPATCHED, target=State.REPLIED, permission=is_current_department)
    def reply(self, *, at, answer):
        """The department's answer."""
        self.answer = answer
        self.replied_at = at

    @transition(field="state", source=State.REPLIED, target=State.INFORMED, permission=may_take_calls)
    def inform(self, *, at, reply_text):
        """The agent tells the customer the answer."""
        self.reply_text = reply_text
        self.informed_at = self.resolved_at = at

    @transition(field="state", source=State.INFORMED, target=GET_STATE(_after_callback, states=[
        State.INFORMED, State.CALLED_BACK]), permission=may_take_calls)
    def callback(self, *, at, reached, satisfied=None):
        """回访: record a callback attempt; reached → called back."""
        self.callback_attempts = F("callback_attempts") + 1
        if reached:
            self.called_back_at = at

    @transition(field="state", source=[State.INFORMED, State.CALLED_BACK], target=State.ARCHIVED,
                permission=may_take_calls, conditions=[callback_settled])
    def archive(self, *, at):
        """归档, once any required callback is done (or tried three times)."""
        self.archived_at = at


_COMPLAINT_OPEN = [State.ACCEPTED, State.FORWARDED, State.DISPATCHED, State.INVESTIGATED, State.REPLIED,
                   State.CALLED_BACK]


def _complaint_like_transitions(kind_name: str):
    """投诉 and, with their own limits, 举报 / 意见建议:
    accepted → forwarded (监察室, seed 000 细则 10) → dispatched → investigated → replied (5 days)
    → callback (100 %, seed 000 细则 9) → archived; an unsatisfied callback reopens it."""

    class ComplaintLike(
        _common_transitions(f"{kind_name}CommonTransitions", open_states=_COMPLAINT_OPEN,
                            cancellable=[State.ACCEPTED, State.FORWARDED, State.DISPATCHED],
                            returned_to=State.FORWARDED),
    ):
        REOPEN_ON_UNSATISFIED = True

        @transition(field="state", source=State.ACCEPTED, target=State.FORWARDED, permission=may_take_calls)
        def forward(self, *, at, department):
            """To the supervision office 监察室."""
            self.department, self.handler, self.forwarded_at = department, None, at

        @transition(field="state", source=State.FORWARDED, target=State.DISPATCHED, permission=is_current_department)
        def dispatch(self, *, at, department, handler=None):
            """The supervision office sends it to the responsible department."""
            self.department, self.handler, self.dispatched_at = department, handler, at

        @transition(field="state", source=State.DISPATCHED, target=None, permission=is_current_department)
        def contact_customer(self, *, at):
            """First contact with the customer (State Grid: within 24 h)."""
            if self.first_contacted_at is None:
                self.first_contacted_at = at

        @transition(field="state", source=State.DISPATCHED, target=State.INVESTIGATED, permission=is_current_department)
        def investigate(self, *, at, valid, cause="", responsible=None, finding_note=""):
            """The finding: valid 属实 or not, its cause and the responsible person."""
            self.finding_valid, self.finding_cause = valid, cause
            self.finding_responsible, self.finding_note = responsible, finding_note
            self.investigated_at = at
            if self.first_contacted_at is None:
                self.first_contacted_at = at

        @transition(field="state", source=State.INVESTIGATED, target=State.REPLIED, permission=may_reply)
        def reply(self, *, at, reply_text):
            """The reply to the customer (within 5 days, seed 000 细则 10)."""
            self.reply_text = reply_text
            self.replied_at = self.resolved_at = at

        @transition(field="state", source=State.REPLIED, target=GET_STATE(_after_callback, states=[
            State.REPLIED, State.CALLED_BACK, State.DISPATCHED]), permission=may_take_calls)
        def callback(self, *, at, reached, satisfied=None):
            """回访 (100 %): reached and satisfied → called back; unsatisfied → reopened."""
            self.callback_attempts = F("callback_attempts") + 1
            if reached and satisfied is False:
                # Reopened: back to the department that investigated; the reply clock restarts.
                self.reopen_count = F("reopen_count") + 1
                self.reply_started_at = self.dispatched_at = at
                self.investigated_at = self.replied_at = self.resolved_at = None
                self.callback_attempts = 0
            elif reached:
                self.called_back_at = at

        @transition(field="state", source=[State.REPLIED, State.CALLED_BACK], target=State.ARCHIVED,
                    permission=may_take_calls, conditions=[callback_settled])
        def archive(self, *, at):
            """归档, once the callback is done (or tried three times)."""
            self.archived_at = at

    return _named(ComplaintLike, f"{kind_name}Transitions")


class ComplaintOrder(_complaint_like_transitions("Complaint"), WorkOrder):
    class Meta:
        proxy = True
        verbose_name = _("complaint order")
        verbose_name_plural = _("complaint orders")


class ReportOrder(_complaint_like_transitions("Report"), WorkOrder):
    class Meta:
        proxy = True
        verbose_name = _("report order")
        verbose_name_plural = _("report orders")


class SuggestionOrder(_complaint_like_transitions("Suggestion"), WorkOrder):
    class Meta:
        proxy = True
        verbose_name = _("suggestion order")
        verbose_name_plural = _("suggestion orders")


KIND_MODELS: dict[str, type[WorkOrder]] = {
    Kind.REPAIR: RepairOrder,
    Kind.CONSULTATION: ConsultationOrder,
    Kind.COMPLAINT: ComplaintOrder,
    Kind.REPORT: ReportOrder,
    Kind.SUGGESTION: SuggestionOrder,
}


@quick_display("source", "target")
class WorkOrderTransition(models.Model):
    """The history row written with every transition: who, when, from, to, note."""

    order = models.ForeignKey(WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE,
                              related_name="history", db_index=False)  # indexed by wo_history_order_at_idx
    name = models.CharField(_("transition"), max_length=40)
    source = models.CharField(_("from"), max_length=50, choices=State.choices, blank=True)
    target = models.CharField(_("to"), max_length=50, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    call = models.ForeignKey("tickets.Call", verbose_name=_("call"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+", help_text=_("The call that urged the order"))
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("work order history row")
        verbose_name_plural = _("work order history")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"], name="wo_history_order_at_idx")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.source} → {self.target} ({self.name})"


@quick_display("attitude", "quality")
class Callback(models.Model):
    """回访 (seed 000 细则 9): reached or not, attitude, quality, satisfied, suggestions."""

    order = models.ForeignKey(WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE,
                              related_name="callbacks")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT,
                              related_name="callbacks_made")
    made_at = models.DateTimeField(_("made at"))
    reached = models.BooleanField(_("customer reached"))
    attitude = models.CharField(_("attitude"), max_length=10, choices=Rating.choices, blank=True)
    quality = models.CharField(_("quality"), max_length=10, choices=Rating.choices, blank=True)
    satisfied = models.BooleanField(_("satisfied"), null=True, blank=True)
    suggestions = models.TextField(_("suggestions"), blank=True)

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["made_at", "id"]
        indexes = [models.Index(fields=["made_at"], name="callback_made_idx")]  # kpi.reports: a month's callbacks

    def __str__(self) -> str:
        return f"{self.order_id} @ {self.made_at:%Y-%m-%d %H:%M}"
