"""The project's own rows, shared by every app: idempotency keys (``contactcenter.idempotency``), the domain events'
outbox and the webhooks that deliver it (``contactcenter.events``, ``contactcenter.webhooks``)."""

import secrets

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """A POST sent with ``Idempotency-Key``: its user, key and a digest of what it sent, then the answer it got.
    The same user, key and request within ``IDEMPOTENCY_HOURS`` gets that answer again instead of a second effect;
    the (user, key) pair is unique, so two copies sent at once cannot both run."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request digest"), max_length=64)  # SHA-256 of the method, path and body
    created_at = models.DateTimeField(_("created at"), db_index=True)
    status = models.PositiveSmallIntegerField(_("answer status"), null=True)  # null: the first is still running
    body = models.BinaryField(_("answer body"), null=True)  # JSON; a page's: the address it redirected to

    class Meta:
        verbose_name = _("idempotency key")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class DomainEvent(models.Model):
    """The outbox: each domain event, written by its service in the transaction that made it happen, so it exists
    exactly when the change does. The id increases; ``key`` names what happened once (a racing sweep cannot write
    a ledger entry's event twice). Webhooks deliver from here (``contactcenter.webhooks``)."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("key"), max_length=200, unique=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder, default=dict)

    class Meta:
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


def _new_secret() -> str:
    return secrets.token_hex(32)


class WebhookSubscription(models.Model):
    """Another system told of events: POSTed to ``url``, signed with ``secret`` (HMAC-SHA256). Managed by a
    supervisor in the admin."""

    url = models.URLField(_("URL"), max_length=500)
    kinds = models.JSONField(_("event kinds"), default=list, blank=True,
                             help_text=_("The kinds to send, e.g. [\"order.created\"]; empty: every kind."))
    secret = models.CharField(_("secret"), max_length=128, default=_new_secret,
                              help_text=_("The receiver checks each body's HMAC-SHA256 with it."))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.url

    def wants(self, kind: str) -> bool:
        return self.active and (not self.kinds or kind in self.kinds)


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed (gave up)")


class WebhookDelivery(models.Model):
    """One event to one subscription: tried until the receiver answers 2xx, with growing pauses; the log of it."""

    subscription = models.ForeignKey(WebhookSubscription, verbose_name=_("subscription"), on_delete=models.CASCADE,
                                     related_name="deliveries")
    event = models.ForeignKey(DomainEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_status = models.PositiveSmallIntegerField(_("last answer status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["subscription", "event"], name="delivery_once_per_event")]
        indexes = [models.Index(fields=["next_attempt_at"], name="delivery_due_idx",
                                condition=models.Q(state="pending"))]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription}"
