"""Text messages 短信 to customers: the templates (data a supervisor edits) and each message, queued in the
transaction of what it tells (an order accepted, dispatched, a crew arrived, power restored, an outage notice
published) and sent after it by a worker (``tickets.sms``)."""

import functools
import string

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contactcenter.choices import quick_display
from contactcenter.history import AuditedRecords


class SmsTrigger(models.TextChoices):
    ACCEPTED = "accepted", _("Order accepted")  # 受理
    DISPATCHED = "dispatched", _("Order dispatched")  # 派单
    ARRIVED = "arrived", _("Repair crew arrived")  # 抢修人员到达现场
    RESTORED = "restored", _("Power restored")  # 恢复送电
    OUTAGE_PUBLISHED = "outage_published", _("Outage notice published")  # 停电信息发布 (to the area's customers)


# The words a template may use, by trigger: ``{number}`` is the order's number … (``tickets.services.sms`` fills them).
ORDER_PLACEHOLDERS = ("number", "kind", "department", "hotline")
OUTAGE_PLACEHOLDERS = ("area", "cause", "starts_at", "restore_at", "hotline")


def placeholders_of(trigger: str) -> tuple[str, ...]:
    return OUTAGE_PLACEHOLDERS if trigger == SmsTrigger.OUTAGE_PUBLISHED else ORDER_PLACEHOLDERS


class SmsTemplate(models.Model):
    """What the customer reads for one trigger, in Chinese, with ``{placeholders}``; the provider's copy of it (a
    provider sends only the texts it approved: Aliyun's template code, registered with the same words)."""

    trigger = models.CharField(_("sent when"), max_length=20, choices=SmsTrigger.choices, unique=True)
    kinds = models.JSONField(_("order kinds"), default=list, blank=True,
                             help_text=_("Sent for orders of these kinds only; none: every kind"))
    body = models.TextField(_("text"), help_text=_("The message, with placeholders such as {number}"))
    provider_template = models.CharField(
        _("provider's template code"), max_length=40, blank=True,
        help_text=_("The code of this text at the SMS provider (Aliyun: SMS_123456789), registered with the same "
                    "words and placeholders"))
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = AuditedRecords()  # audit trail (kpi.audit)

    class Meta:
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        ordering = ["trigger"]

    def __str__(self) -> str:
        return str(self.get_trigger_display())

    def sends_for(self, kind: str) -> bool:
        return self.active and (not self.kinds or kind in self.kinds)

    @functools.cached_property
    def placeholders(self) -> list[str]:
        """The ``{names}`` the text uses, in order of first use (the values a provider's template takes)."""
        return list(dict.fromkeys(name for _text, name, _spec, _conv in string.Formatter().parse(self.body) if name))


class SmsState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent: the customer asked for no SMS")


@quick_display("trigger", "state")
class SmsMessage(models.Model):
    """One message to one number. Its ``key`` names what it tells (the order's transition row, the notice and the
    number): written again, it is not queued twice."""

    key = models.CharField(_("key"), max_length=100, unique=True)
    trigger = models.CharField(_("sent when"), max_length=20, choices=SmsTrigger.choices)
    phone = models.CharField(_("phone"), max_length=32)
    customer = models.ForeignKey("tickets.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+", db_index=False)
    order = models.ForeignKey("tickets.WorkOrder", verbose_name=_("work order"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="text_messages")
    outage = models.ForeignKey("tickets.OutageNotice", verbose_name=_("outage notice"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="text_messages")
    body = models.TextField(_("text"))
    provider_template = models.CharField(_("provider's template code"), max_length=40, blank=True)
    params = models.JSONField(_("template values"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=SmsState.choices, default=SmsState.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    provider_id = models.CharField(_("provider's receipt"), max_length=64, blank=True)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sender claims the due queued ones.
            models.Index(fields=["next_attempt_at"], condition=Q(state="queued"), name="sms_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} → {self.phone}"
