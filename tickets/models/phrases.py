"""Service language: standard phrases 规范用语 and forbidden phrases 服务禁语 (design "Service language").

Both lists are data, seeded from seed 000 (用语 1-11, 细则 3), seed 001 §9 and seed 004 (§4.2, §6.4, §6.5)
and edited by supervisors in the admin. ``tickets.services.phrases`` checks every text written to a
customer against the active forbidden phrases.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from contactcenter.history import AuditedRecords


class Situation(models.TextChoices):
    GREETING = "greeting", _("Greeting")  # 问候
    IDENTIFY = "identify", _("Identifying the caller")  # 核实身份
    WAIT = "wait", _("Asking to wait")  # 请稍候
    CANNOT_ANSWER_NOW = "cannot_answer_now", _("Cannot answer on the call")  # 无法当场答复
    OUTAGE_APOLOGY = "outage_apology", _("Outage apology")  # 停电致歉
    TRANSFER = "transfer", _("Transfer")  # 转接
    SILENT_CALL = "silent_call", _("Silent or unclear call")  # 无声电话
    HARASSMENT = "harassment", _("Harassing call")  # 骚扰电话
    CLOSING = "closing", _("Closing")  # 结束语
    CALLBACK = "callback", _("Callback")  # 回访
    COMPLAINT_ACCEPT = "complaint_accept", _("Accepting a complaint")  # 投诉受理


class CustomerText(models.TextChoices):
    """The texts an agent writes to (or says to) a customer, where the forbidden phrases are checked."""

    ANSWER = "answer", _("Answer on the call")  # 当场答复: a consultation answered by its first-question owner
    # 答复客户: a complaint's reply; what a consultation's customer was told
    REPLY = "reply", _("Reply to the customer")
    PROGRESS = "progress", _("Progress answer to an urging customer")  # 催办答复: "when will the crew arrive?"


class Severity(models.TextChoices):
    BLOCK = "block", _("Refused")  # the text is refused
    WARN = "warn", _("Warning: kept only when confirmed")  # highlighted; saving needs the agent's recorded confirmation


class StandardPhrase(models.Model):
    """A standard phrase 规范用语 for a situation of the call, shown beside the console's form."""

    situation = models.CharField(_("situation"), max_length=30, choices=Situation.choices)
    text = models.TextField(_("text"))
    order = models.PositiveSmallIntegerField(_("order"), default=0, help_text=_("Smaller first"))
    active = models.BooleanField(_("active"), default=True)
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_("Where the phrase comes from"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = AuditedRecords()  # audit trail (kpi.audit)

    class Meta:
        verbose_name = _("standard phrase")
        verbose_name_plural = _("standard phrases")
        ordering = ["situation", "order", "id"]
        indexes = [models.Index(fields=["situation", "order"], name="phrase_situation_order_idx")]

    def __str__(self) -> str:
        return self.text


class ForbiddenPhrase(models.Model):
    """A forbidden phrase 服务禁语. A text written to a customer that contains it is refused.

    Matching ignores case, width, spaces and punctuation. ``××`` in the text stands for a few words
    (我不知道，你去问××). ``allowed_in`` lists longer expressions that contain the phrase and are fine
    (不能办理 for 不能办: seed 004 §4.2.3 has "对不起，根据××规定，您的××不能办理，请原谅" as a standard phrase).
    """

    text = models.CharField(_("text"), max_length=200, unique=True)
    active = models.BooleanField(_("active"), default=True)
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_("Where the phrase comes from"))
    note = models.TextField(_("note or what to say instead"), blank=True)
    allowed_in = models.TextField(
        _("allowed in"), blank=True,
        help_text=_("Expressions that contain the phrase and are fine to say, one per line"),
    )
    # Where it is forbidden (empty: in every text to a customer) and what happens: "我们已经派了" only in a
    # repair's progress answer (seed 000 细则 6, refused); 大概 / 可能 / 也许 in a consultation's answer
    # (seed 004 七 3.5, a warning).
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.BLOCK)
    kinds = models.CharField(_("order kinds"), max_length=100, blank=True,
                             help_text=_("Only in orders of these kinds, comma-separated codes (empty: every kind)"))
    texts = models.CharField(_("texts"), max_length=100, blank=True,
                             help_text=_("Only in these texts to the customer: answer, reply, progress "
                                         "(comma-separated; empty: every text)"))
    # The matcher cache of tickets.services.phrases is keyed by (row count, latest updated_at).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = AuditedRecords()  # audit trail (kpi.audit)

    class Meta:
        verbose_name = _("forbidden phrase")
        verbose_name_plural = _("forbidden phrases")
        ordering = ["text"]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        # Matching ignores spaces, punctuation and symbols: a phrase of only those would match nothing.
        if not any(unicodedata.category(ch)[0] in "LN" for ch in self.text):
            raise ValidationError({"text": _("A forbidden phrase needs at least one letter or digit.")})
        from .workorders import Kind

        unknown = [code for code in self.kind_list if code not in Kind.values]
        if unknown:
            raise ValidationError({"kinds": _("Unknown order kinds: %(codes)s") % {"codes": ", ".join(unknown)}})
        unknown = [code for code in self.text_list if code not in CustomerText.values]
        if unknown:
            raise ValidationError({"texts": _("Unknown texts: %(codes)s") % {"codes": ", ".join(unknown)}})

    @property
    def allowed_expressions(self) -> list[str]:
        return [line.strip() for line in self.allowed_in.splitlines() if line.strip()]

    @property
    def kind_list(self) -> list[str]:
        return _codes(self.kinds)

    @property
    def text_list(self) -> list[str]:
        return _codes(self.texts)

    def applies_to(self, *, kind: str | None, text: str | None) -> bool:
        """Whether the phrase is forbidden in this text of an order of this kind (unknown: only context-free ones)."""
        kinds, texts = self.kind_list, self.text_list
        return (not kinds or kind in kinds) and (not texts or text in texts)


def _codes(value: str) -> list[str]:
    return [code.strip() for code in (value or "").replace("，", ",").split(",") if code.strip()]
