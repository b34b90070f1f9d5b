"""The project's own rows, shared by every app: idempotency keys (``contactcenter.idempotency``), the domain events'
outbox and the webhooks that deliver it (``contactcenter.events``, ``contactcenter.webhooks``), notifications, and the
files attached to the apps' objects (``contactcenter.attachments``)."""

import secrets
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
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


class NoticeKind(models.TextChoices):
    """What a person is told of (issue 20): each kind may be switched off in their preferences."""

    DISPATCHED = "dispatched", _("An order dispatched to my department")
    URGED = "urged", _("An urge on my order")
    DUE_SOON = "due_soon", _("An order of mine due soon and not met")
    HANDOVER = "handover", _("A handover waiting for my signature")
    LEDGER = "ledger", _("A ledger entry charged to me")


class Notification(models.Model):
    """One thing one person is told of 消息通知 (``contactcenter.notifications``): written in the transaction of what
    it tells, once — (user, key) is unique, like the ledger's key — and pushed to their open pages. ``data`` holds
    what its text needs (an order's number, a rule's name); the text is said in the reader's language."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="notifications")
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices)
    key = models.CharField(_("key"), max_length=200)
    url = models.CharField(_("link"), max_length=300, blank=True)
    data = models.JSONField(_("data"), encoder=DjangoJSONEncoder, default=dict)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once")]
        indexes = [models.Index(fields=["user", "-id"], name="notification_user_idx"),
                   models.Index(fields=["user"], name="notification_unread_idx", condition=models.Q(read_at=None)),
                   models.Index(fields=["created_at"], name="notification_created_idx")]  # the daily clean-up

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class NotificationPreference(models.Model):
    """A person's choices: the kinds they are not told of, whether their browser shows a system notification and
    plays a sound, and how long before a deadline an order "due soon" is told (default ``NOTIFY_DUE_MINUTES``)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="notification_preference")
    muted = models.JSONField(_("kinds not notified"), default=list, blank=True)
    browser = models.BooleanField(_("browser notifications"), default=True)
    sound = models.BooleanField(_("sound"), default=True)
    due_minutes = models.PositiveSmallIntegerField(_("due soon: minutes before the deadline"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user_id)


ATTACHMENT_NAME_MAX = 120  # the shown / downloaded name, extension included (contactcenter.attachments.files)


def attachment_path(instance: "Attachment", filename: str) -> str:
    """Where the bytes are stored: a random name under the month, with the checked type's extension. The uploader's
    name is never part of a storage key (it is kept in ``name`` and given back only as the download's file name)."""
    extension = filename.rpartition(".")[2] if "." in filename else "bin"
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class Attachment(models.Model):
    """A file attached 附件 to a work order, an outage notice or a handover (issue 21): a photo of the fault, a
    customer's document, a recording. The parent is any model an app registered (``contactcenter.attachments``),
    which says who may see and attach. Deleting one removes the stored file and keeps this row, with who deleted it
    and when: the object's history still shows that a file was there."""

    id = models.BigAutoField(primary_key=True)
    content_type = models.ForeignKey(ContentType, verbose_name=_("attached to (kind)"), on_delete=models.PROTECT,
                                     related_name="+")
    object_id = models.PositiveBigIntegerField(_("attached to (id)"))
    parent = GenericForeignKey("content_type", "object_id")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200, blank=True)  # "" once deleted
    name = models.CharField(_("file name"), max_length=ATTACHMENT_NAME_MAX)
    media_type = models.CharField(_("type"), max_length=100)  # detected from the content, never the client's claim
    size = models.PositiveBigIntegerField(_("size (bytes)"))  # of the stored file (an image as re-encoded)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("deleted by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        # An object's attachments, oldest first: its page, its API list.
        indexes = [models.Index(fields=["content_type", "object_id", "id"], name="attachment_parent_idx")]

    def __str__(self) -> str:
        return self.name
