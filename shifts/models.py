"""Duty shifts 值班 and handover 交接班 (seed 000 值班制度, 交接班 1–5, 交接-班规定 1–5).

Facts only: who was rostered, when they checked in and out, what was handed over, what the checklist
said, who signed and when. The kpi app judges these facts (late_or_early, no_cleaning, first_question).
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class ShiftTemplate(models.Model):
    """A kind of shift: 早班 8:00–16:00, 夜班 0:00–8:00, or the 24-hour duty 8:00 → 8:00 next day."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    pattern = models.CharField(_("pattern"), max_length=40, help_text=_("Templates of one pattern follow each other"))
    start = models.TimeField(_("starts"))
    end = models.TimeField(_("ends"), help_text=_("At or before the start: the shift ends the next day"))
    checkin_lead_minutes = models.PositiveSmallIntegerField(
        _("check-in lead (minutes)"), default=20, help_text=_("On post this long before the start (seed 000: 20)"))
    handover_grace_minutes = models.PositiveSmallIntegerField(
        _("handover grace (minutes)"), default=5, help_text=_("A handover may end this late (seed 000: 5)"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("shift template")
        verbose_name_plural = _("shift templates")
        ordering = ["pattern", "start"]

    def __str__(self) -> str:
        return f"{self.name} {self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def bounds(self, day: dt.date, tz) -> tuple[dt.datetime, dt.datetime]:
        """The shift's start and end as aware datetimes, for a shift starting on ``day``."""
        starts = dt.datetime.combine(day, self.start, tzinfo=tz)
        ends = dt.datetime.combine(day + dt.timedelta(days=1) if self.crosses_midnight else day, self.end, tzinfo=tz)
        return starts, ends


class Shift(models.Model):
    """One rostered shift of a unit on a date, with its members and a lead 值班长."""

    unit = models.ForeignKey("tickets.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="shifts")
    template = models.ForeignKey(ShiftTemplate, verbose_name=_("template"), on_delete=models.PROTECT,
                                 related_name="shifts")
    date = models.DateField(_("date"))
    starts_at = models.DateTimeField(_("starts at"), editable=False)
    ends_at = models.DateTimeField(_("ends at"), editable=False)
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("shift lead"), on_delete=models.PROTECT,
                             related_name="led_shifts")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="ShiftMember", related_name="shifts",
                                     verbose_name=_("members"))

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "template", "date"], name="shift_once_per_unit_template_day"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"),
        ]
        indexes = [
            models.Index(fields=["unit", "starts_at"], name="shift_unit_start_idx"),
            # kpi.events (absent, late handovers) read the shifts that ended since its cursor.
            models.Index(fields=["ends_at"], name="shift_end_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.date} {self.template.name}"

    @property
    def handover_submit_due_at(self) -> dt.datetime:
        """As the outgoing shift: its handover is signed by its end + grace (seed 000 交接-班规定 1: 5 minutes)."""
        return self.ends_at + dt.timedelta(minutes=self.template.handover_grace_minutes)

    @property
    def handover_sign_due_at(self) -> dt.datetime:
        """As the incoming shift: the handover is accepted or refused by its start + grace (交接-班规定 1)."""
        return self.starts_at + dt.timedelta(minutes=self.template.handover_grace_minutes)


class ShiftMember(models.Model):
    """A member of a shift and the facts of their attendance (签到 / 签退)."""

    shift = models.ForeignKey(Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT,
                             related_name="shift_memberships")
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shift member")
        verbose_name_plural = _("shift members")
        ordering = ["shift", "user"]
        constraints = [models.UniqueConstraint(fields=["shift", "user"], name="shift_member_once")]
        indexes = [
            # kpi.sweeps (late_or_early) reads the check-ins and check-outs recorded since its cursor.
            models.Index(fields=["checked_in_at"], name="shift_member_checkin_idx"),
            models.Index(fields=["checked_out_at"], name="shift_member_checkout_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.shift}"


class HandoverState(models.TextChoices):
    # A context of their own: "Accepted" is 已接班 here, 已受理 for a work order.
    DRAFT = "draft", pgettext_lazy("handover state", "Draft")  # 草稿
    SUBMITTED = "submitted", pgettext_lazy("handover state", "Submitted")  # 已交班
    REFUSED = "refused", pgettext_lazy("handover state", "Refused")  # 拒绝接班
    ACCEPTED = "accepted", pgettext_lazy("handover state", "Accepted")  # 已接班


def is_outgoing_lead(handover: "Handover", user) -> bool:
    """The outgoing shift's lead signs the handover (or a supervisor standing in)."""
    return user.pk == handover.outgoing.lead_id or user.has_perm("shifts.supervise_handover")


def is_incoming_lead(handover: "Handover", user) -> bool:
    """The incoming shift's lead reviews and accepts or refuses (or a supervisor standing in)."""
    return (handover.incoming_id is not None and user.pk == handover.incoming.lead_id) or user.has_perm(
        "shifts.supervise_handover")


class Handover(ConcurrentTransitionMixin, models.Model):
    """交接班: draft → submitted (outgoing lead signs) → accepted (incoming lead signs) or refused → …"""

    outgoing = models.OneToOneField(Shift, verbose_name=_("outgoing shift"), on_delete=models.PROTECT,
                                    related_name="handover_out")
    incoming = models.ForeignKey(Shift, verbose_name=_("incoming shift"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="handovers_in")
    state = FSMField(_("state"), default=HandoverState.DRAFT, choices=HandoverState.choices, protected=True)
    # The checklist (seed 000 交接-班规定 2, 4; 交接班 3)
    cleaning_done = models.BooleanField(_("cleaning done"), null=True, blank=True)
    equipment_ok = models.BooleanField(_("equipment in order"), null=True, blank=True)
    items_counted = models.BooleanField(_("items counted"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    refused_at = models.DateTimeField(_("refused at"), null=True, blank=True)
    refusal_reason = models.TextField(_("refusal reason"), blank=True)
    refused_for_cleaning = models.BooleanField(_("refused for cleaning"), default=False)
    # The first time the checklist said "not cleaned" or the incoming lead refused for it: a fact that a
    # later fix does not undo (seed 000 考核 5 charges the shift that handed over without cleaning).
    cleaning_missed_at = models.DateTimeField(_("cleaning found missing at"), null=True, blank=True)
    refusal_count = models.PositiveSmallIntegerField(_("refusals"), default=0)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    # When it was first signed by the outgoing lead, and first accepted or refused by the incoming lead: the facts
    # the handover's punctuality is judged on (kpi: late_or_early), kept whatever happens after.
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    first_decided_at = models.DateTimeField(_("first accepted or refused at"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-outgoing__starts_at"]
        permissions = [("supervise_handover", _("Can sign or review any handover"))]
        indexes = [
            # kpi.events (no_cleaning, first_question, late_or_early) read handovers since a cursor.
            models.Index(fields=["cleaning_missed_at"], name="handover_cleaning_missed_idx"),
            models.Index(fields=["accepted_at"], name="handover_accepted_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.outgoing} → {self.incoming or '—'}"

    @property
    def due_at(self) -> dt.datetime | None:
        """Handover must be done by the incoming shift's start + grace (seed 000 交接-班规定 1: 5 minutes)."""
        if self.incoming_id is None:
            return None
        return self.incoming.handover_sign_due_at

    @transition(field="state", source=[HandoverState.DRAFT, HandoverState.REFUSED], target=HandoverState.SUBMITTED,
                permission=is_outgoing_lead)
    def submit(self, *, at, by, cleaning_done, equipment_ok, items_counted, notes=""):
        """The outgoing lead signs, with the checklist."""
        self.cleaning_done, self.equipment_ok, self.items_counted = cleaning_done, equipment_ok, items_counted
        self.notes = notes
        self.submitted_at, self.submitted_by = at, by
        if self.first_submitted_at is None:
            self.first_submitted_at = at
        if not cleaning_done and self.cleaning_missed_at is None:
            self.cleaning_missed_at = at

    @transition(field="state", source=HandoverState.SUBMITTED, target=HandoverState.REFUSED,
                permission=is_incoming_lead)
    def refuse(self, *, at, reason, for_cleaning=False):
        """The incoming lead refuses (e.g. cleaning not done); the outgoing shift fixes it and resubmits."""
        self.refused_at, self.refusal_reason = at, reason
        if self.first_decided_at is None:
            self.first_decided_at = at
        self.refused_for_cleaning = self.refused_for_cleaning or for_cleaning
        if for_cleaning and self.cleaning_missed_at is None:
            self.cleaning_missed_at = at
        self.refusal_count += 1

    @transition(field="state", source=HandoverState.SUBMITTED, target=HandoverState.ACCEPTED,
                permission=is_incoming_lead)
    def accept(self, *, at, by):
        """The incoming lead has reviewed every carried item and signs."""
        self.accepted_at, self.accepted_by = at, by
        if self.first_decided_at is None:
            self.first_decided_at = at


class HandoverItemKind(models.TextChoices):
    ORDER = "order", _("Open work order")
    REPLY = "reply", _("Reply owed to the upper company")  # 对上级公司的答复
    NOTE = "note", _("Note")


class HandoverItem(models.Model):
    """One carried item: an open work order of the outgoing shift, a reply owed upward, or a note."""

    handover = models.ForeignKey(Handover, verbose_name=_("handover"), on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=10, choices=HandoverItemKind.choices)
    order = models.ForeignKey("tickets.WorkOrder", verbose_name=_("work order"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="handover_items")
    text = models.TextField(_("text"), blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    # 首问负责制 (seed 000 考核 6): the incoming lead may flag an order that could have been handled in the shift.
    flagged = models.BooleanField(_("could have been handled in the shift"), default=False)
    flag_note = models.TextField(_("flag note"), blank=True)
    reviewed = models.BooleanField(_("reviewed"), default=False)

    class Meta:
        verbose_name = _("handover item")
        verbose_name_plural = _("handover items")
        ordering = ["handover", "kind", "due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "order"], condition=Q(order__isnull=False),
                                    name="handover_item_order_once"),
            models.CheckConstraint(condition=Q(kind="order", order__isnull=False) | (~Q(kind="order")
                                                                                    & Q(order__isnull=True)),
                                   name="handover_item_order_kind"),
        ]

    def __str__(self) -> str:
        return self.order.number if self.order_id else self.text[:40]


class HandoverTransition(models.Model):
    """History row of every handover transition: who, when, from, to, note."""

    handover = models.ForeignKey(Handover, verbose_name=_("handover"), on_delete=models.CASCADE,
                                 related_name="history")
    name = models.CharField(_("transition"), max_length=40)
    source = models.CharField(_("from"), max_length=20, choices=HandoverState.choices, blank=True)
    target = models.CharField(_("to"), max_length=20, choices=HandoverState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("handover history row")
        verbose_name_plural = _("handover history")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.handover_id}: {self.source} → {self.target} ({self.name})"


class OrderShift(models.Model):
    """The shift currently handling an order (moves with each accepted handover). The first-question
    owner on the order never changes; this is the shifts app's own fact, tickets does not know it."""

    order = models.OneToOneField("tickets.WorkOrder", verbose_name=_("work order"), on_delete=models.CASCADE,
                                 related_name="handling_shift")
    shift = models.ForeignKey(Shift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="handled_orders")
    since = models.DateTimeField(_("since"))

    class Meta:
        verbose_name = _("handling shift")
        verbose_name_plural = _("handling shifts")

    def __str__(self) -> str:
        return f"{self.order} → {self.shift}"
