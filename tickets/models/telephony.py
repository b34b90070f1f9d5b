"""The telephony link: a call as the switch reports it, event by event (ring, answer, end), before it is a Call."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .customers import Call


class CallEventKind(models.TextChoices):
    RING = "ring", _("ringing at a seat")
    ANSWER = "answer", _("answered")
    END = "end", _("ended")


class SwitchCall(models.Model):
    """A call the switch is reporting by events, keyed by the switch's own call id: each event fills in its moment
    (the first report of each wins: a repeated event changes nothing; one arriving late still counts). When the
    call has rung and ended it is logged as a Call (``call``) — once, the key being unique."""

    switch_call_id = models.CharField(_("switch call id"), max_length=64, unique=True)
    caller_number = models.CharField(_("caller number"), max_length=32, blank=True)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("agent"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    seat = models.CharField(_("seat"), max_length=20, blank=True)
    rang_at = models.DateTimeField(_("ring started at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    call = models.OneToOneField(Call, verbose_name=_("call"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="switch_call")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"),
                                    on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("call reported by the switch")
        verbose_name_plural = _("calls reported by the switch")
        indexes = [
            # the console's screen pop: the calls ringing at an agent's seat now
            models.Index(fields=["agent", "rang_at"], name="switchcall_ringing_idx",
                         condition=models.Q(call__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.switch_call_id
