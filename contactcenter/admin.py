"""Admin plumbing every app's admin uses; the webhooks' subscriptions, delivery log and outbox; the attachments."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import webhooks
from .models import Attachment, DomainEvent, WebhookDelivery, WebhookSubscription


class ViewOnlyMixin:
    """Facts written by the services: anyone with the view permission may look, nobody may write."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Webhooks: a supervisor's subscriptions, their delivery log, the outbox ---------------------------------

@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["url", "kinds", "active", "created_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a URL typed without its scheme
    list_filter = ["active"]
    search_fields = ["url"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log; "deliver again" (replay) for a receiver that lost events."""

    list_display = ["event", "subscription", "state", "attempts", "last_status", "next_attempt_at", "delivered_at"]
    list_filter = ["state", "subscription"]
    list_select_related = ["event", "subscription"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["deliver_again"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Deliver again"), permissions=["change"])
    def deliver_again(self, request, queryset):
        count = webhooks.replay(queryset)
        self.message_user(request, _("%(count)s deliveries will be sent again.") % {"count": count})


@admin.register(DomainEvent)
class DomainEventAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "kind", "key", "occurred_at"]
    list_filter = ["kind"]
    search_fields = ["key"]


# --- Attachments: looked up by a supervisor; uploaded and deleted only from the objects' pages and the API ----------

@admin.register(Attachment)
class AttachmentAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Read only: a deletion goes through the object's page or the API, which keep the row with who deleted it."""

    list_display = ["name", "content_type", "object_id", "media_type", "size", "uploaded_by", "uploaded_at",
                    "deleted_at", "deleted_by"]
    list_filter = ["content_type", "media_type", ("deleted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["content_type", "uploaded_by", "deleted_by"]
    search_fields = ["name", "uploaded_by__username"]
    date_hierarchy = "uploaded_at"
    fields = list_display
    readonly_fields = list_display
