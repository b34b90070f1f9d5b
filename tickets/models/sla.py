"""Service-level policies: every time limit is a row of data, seeded with the design's defaults."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contactcenter.history import AuditedRecords

from .customers import AreaType


class Deadline(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("First contact")  # complaint: contact within 24 h
    REPLY = "reply", _("Reply to the customer")  # complaint: 5 days (seed 000 细则 10)
    ARRIVAL = "arrival", _("Repair crew on site")  # 45 / 90 / 120 min by area
    RESTORE = "restore", _("Power restored after arrival")  # report figure, not charged
    CALLBACK = "callback", _("Callback")  # 100 % of complaints (seed 000 细则 9)


class Measure(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    WORKING_DAYS = "working_days", _("working days")


class SlaPolicy(models.Model):
    """How long a kind of order has for one deadline, from the event that starts it.

    The most specific active row wins: one for the order's unit (or its nearest ancestor)
    over a default row (no unit); one for the order's area type over one for any area.
    Rows of an inactive scheme are kept as alternatives (e.g. State Grid's older commitment).
    """

    order_kind = models.CharField(_("order kind"), max_length=20, choices=[
        ("repair", _("Repair")), ("consultation", _("Consultation")), ("complaint", _("Complaint")),
        ("report", _("Report")), ("suggestion", _("Suggestion")),
    ])
    deadline = models.CharField(_("deadline"), max_length=20, choices=Deadline.choices)
    area_type = models.CharField(_("area type"), max_length=10, choices=AreaType.choices, blank=True,
                                 help_text=_("Empty: any area"))
    unit = models.ForeignKey("tickets.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.CASCADE,
                             help_text=_("Empty: the default for every unit"))
    amount = models.PositiveIntegerField(_("amount"))
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    sample_percent = models.PositiveSmallIntegerField(
        _("sample %"), default=100, validators=[MaxValueValidator(100)],
        help_text=_("Callbacks only: share of orders that get a callback"),
    )
    scheme = models.CharField(_("scheme"), max_length=40, default="default",
                              help_text=_("A named set of policies, e.g. 'sgcc_current'"))
    active = models.BooleanField(_("active"), default=True)
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_("Where the limit comes from"))
    history = AuditedRecords()  # audit trail (kpi.audit)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["order_kind", "deadline", "area_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_kind", "deadline", "area_type"], condition=Q(active=True, unit__isnull=True),
                name="sla_one_active_default",
            ),
            models.UniqueConstraint(
                fields=["order_kind", "deadline", "area_type", "unit"], condition=Q(active=True, unit__isnull=False),
                name="sla_one_active_per_unit",
            ),
        ]

    def __str__(self) -> str:
        area = f" [{self.get_area_type_display()}]" if self.area_type else ""
        return f"{self.order_kind} {self.get_deadline_display()}{area}: {self.amount} {self.get_measure_display()}"
