"""Customers 一户一档 and calls."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from contactcenter.choices import quick_display


class AreaType(models.TextChoices):
    URBAN = "urban", _("Urban")  # 城区
    RURAL = "rural", _("Rural")  # 农村
    REMOTE = "remote", _("Remote")  # 边远


@quick_display("area_type")
class Customer(models.Model):
    """A customer record 一户一档. Created from a call when the caller is unknown (no account yet)."""

    account_number = models.CharField(_("account number"), max_length=32, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    area_type = models.CharField(_("area type"), max_length=10, choices=AreaType.choices, default=AreaType.URBAN)
    unit = models.ForeignKey("tickets.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT)
    sms_opt_out = models.BooleanField(_("no text messages"), default=False,
                                      help_text=_("The customer asked not to receive text messages (SMS)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name or self.account_number or self.phone


class CallOutcome(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    ABANDONED = "abandoned", _("Abandoned")  # rang, never answered
    SILENT = "silent", _("Silent call")  # 无声电话 (seed 000 用语 2)
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    HARASSMENT = "harassment", _("Harassment")  # 骚扰电话 (seed 000 细则 7)


class Call(models.Model):
    """One call to the hotline. Ring seconds and the outcome are derived by the server."""

    caller_number = models.CharField(_("caller number"), max_length=32, db_index=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="calls",
    )
    seat = models.CharField(_("seat"), max_length=20, blank=True)
    ring_started_at = models.DateTimeField(_("ring started at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ring_seconds = models.PositiveIntegerField(_("ring seconds"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=CallOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("logged by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-ring_started_at"]
        # The telephony system's service account logs calls at any seat; everyone else only at their own.
        permissions = [("log_any_call", _("Can log a call at any seat (the telephony system)"))]
        indexes = [
            models.Index(fields=["agent", "ring_started_at"], name="call_agent_ring_idx"),
            # kpi.sweeps (ring_over_3) reads the calls logged since its cursor.
            models.Index(fields=["created_at"], name="call_created_idx"),
            # kpi.reports (a month's calls) and the wallboard (today's): counted from the index alone.
            models.Index(fields=["ring_started_at"], include=["id", "answered_at", "ring_seconds", "outcome"],
                         name="call_ring_cover_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.caller_number} @ {self.ring_started_at:%Y-%m-%d %H:%M}"
