"""Outage notices 停电信息 (seed 000 考核 1, 细则 4; seed 003 §3).

Received from other departments; published by an agent within the shift that received it (the kpi app finds
that shift by time and judges ``outage_publish_late``); shown to callers from the affected area with the cause,
the expected restoration and the apology phrase; repair calls from the area are linked to the notice instead of
being dispatched again, and restoring the notice resolves them.
"""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition

from contactcenter.choices import quick_display
from contactcenter.fsm import ConcurrentStates
from contactcenter.history import AuditedRecords

APOLOGY = _(
    "We are sorry for the inconvenience. The power supply in your area is interrupted because of {cause}; "
    "it is expected to be restored by {restore}. Thank you for your understanding."
)


class OutageKind(models.TextChoices):
    PLANNED = "planned", _("Planned maintenance")  # 计划停电
    FAULT = "fault", _("Fault")  # 故障停电
    TEMPORARY = "temporary", _("Temporary")  # 临时停电


class OutageState(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("outage state", "Received")  # 已接收
    PUBLISHED = "published", pgettext_lazy("outage state", "Published")  # 已发布
    RESTORED = "restored", pgettext_lazy("outage state", "Restored")  # 已恢复送电
    CLOSED = "closed", pgettext_lazy("outage state", "Closed")  # 已关闭


def may_publish(notice: "OutageNotice", user) -> bool:
    """Agents, leads and supervisors publish, update and restore notices."""
    return user.has_perm("tickets.take_calls")


MIN_TERM_CHARS = 2  # "市" alone would match every address of the city: a term names a community, street or feeder


def area_terms(area: str) -> list[str]:
    """The communities, streets or feeders of an area, one per line or separated by commas / 、 / ；."""
    return [term.strip() for term in re.split(r"[\n,，、;；]+", area or "") if term.strip()]


def short_terms(area: str) -> list[str]:
    """The terms of an area too short to name a place (fewer than ``MIN_TERM_CHARS`` characters)."""
    return [term for term in area_terms(area) if len(term) < MIN_TERM_CHARS]


class OutageLeadTime(models.Model):
    """How long before its start an outage of a kind must be announced (State Grid: planned 7 days,
    temporary 24 h). A notice published later is flagged ``announced_late``."""

    kind = models.CharField(_("kind"), max_length=20, choices=OutageKind.choices, unique=True)
    hours = models.PositiveIntegerField(_("hours ahead"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    history = AuditedRecords()  # audit trail (kpi.audit)

    class Meta:
        verbose_name = _("outage announcement lead time")
        verbose_name_plural = _("outage announcement lead times")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.hours} h"


@quick_display("kind", "state")
class OutageNotice(ConcurrentStates, models.Model):
    """received → published → (updated) → restored → closed."""

    kind = models.CharField(_("kind"), max_length=20, choices=OutageKind.choices)
    state = FSMField(_("state"), default=OutageState.RECEIVED, choices=OutageState.choices, protected=True)
    area = models.TextField(_("affected area"), help_text=_("Communities, streets or feeders; one per line"))
    cause = models.CharField(_("cause"), max_length=300)
    starts_at = models.DateTimeField(_("starts at"))
    expected_restore_at = models.DateTimeField(_("expected restoration"))
    restored_at = models.DateTimeField(_("restored at"), null=True, blank=True)
    unit = models.ForeignKey("tickets.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="outages")
    source_department = models.ForeignKey("tickets.Department", verbose_name=_("source department"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="outages")
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("received by"),
                                    on_delete=models.PROTECT, related_name="outages_received")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    announced_late = models.BooleanField(
        _("announced late"), default=False,
        help_text=_("Published less than the kind's lead time before the start (e.g. planned: 7 days)"))
    updated_count = models.PositiveIntegerField(_("updates"), default=0)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # A notice proposed by a surge of repair calls (tickets.selectors.surges): those orders, linked once it is
    # published.
    proposed_orders = models.ManyToManyField("tickets.WorkOrder", verbose_name=_("orders it was proposed from"),
                                             blank=True, related_name="proposed_outages")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("outage notice")
        verbose_name_plural = _("outage notices")
        ordering = ["-starts_at", "-id"]
        indexes = [
            # kpi.events (outage_publish_late) reads the notices received in the last days.
            models.Index(fields=["received_at"], name="outage_received_idx"),
            # Callers and the public page: the notices that are published and not yet restored.
            models.Index(fields=["starts_at"], condition=Q(state="published"), name="outage_active_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(expected_restore_at__gt=models.F("starts_at")),
                                   name="outage_restore_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M} {self.area[:30]}"

    @property
    def terms(self) -> list[str]:
        return area_terms(self.area)

    def covers(self, address: str) -> bool:
        """Does the notice's area name a community, street or feeder in this address?"""
        return bool(address) and any(term in address for term in self.terms)

    def apology(self) -> str:
        from django.utils import timezone

        return str(APOLOGY).format(cause=self.cause,
                                   restore=timezone.localtime(self.expected_restore_at).strftime("%Y-%m-%d %H:%M"))

    @transition(field="state", source=OutageState.RECEIVED, target=OutageState.PUBLISHED, permission=may_publish)
    def publish(self, *, at, by, announced_late):
        """Publish (within the receiving shift, seed 000 考核 1)."""
        self.published_at, self.published_by, self.announced_late = at, by, announced_late

    @transition(field="state", source=OutageState.PUBLISHED, target=None, permission=may_publish)
    def update(self, *, at, expected_restore_at=None, cause=None, area=None):
        """New expected restoration, cause or area, while the outage lasts."""
        if expected_restore_at is not None:
            self.expected_restore_at = expected_restore_at
        if cause:
            self.cause = cause
        if area:
            self.area = area
        self.updated_count += 1

    @transition(field="state", source=OutageState.PUBLISHED, target=OutageState.RESTORED, permission=may_publish)
    def restore(self, *, at, restored_at=None):
        """Power restored: the linked repair orders are resolved."""
        self.restored_at = restored_at or at

    @transition(field="state", source=OutageState.RESTORED, target=OutageState.CLOSED, permission=may_publish)
    def close(self, *, at):
        self.closed_at = at


@quick_display("source", "target")
class OutageTransition(models.Model):
    notice = models.ForeignKey(OutageNotice, verbose_name=_("outage notice"), on_delete=models.CASCADE,
                               related_name="history")
    name = models.CharField(_("transition"), max_length=40)
    source = models.CharField(_("from"), max_length=20, choices=OutageState.choices, blank=True)
    target = models.CharField(_("to"), max_length=20, choices=OutageState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("outage history row")
        verbose_name_plural = _("outage history")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id}: {self.source} → {self.target} ({self.name})"
