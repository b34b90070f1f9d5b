"""The project's own rows, shared by every app's API: idempotency keys (``contactcenter.idempotency``)."""

from django.conf import settings
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
