"""Text messages in the admin: the templates a supervisor edits (with their history) and the message log, read-only,
with "send again" for failed ones."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ..models import Kind, SmsMessage, SmsTemplate
from ..models.sms import placeholders_of
from ..services.sms import unknown_placeholders
from ..sms import sending


class SmsTemplateForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(label=_("order kinds"), choices=Kind.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple,
                                      help_text=_("Sent for orders of these kinds only; none: every kind"))

    class Meta:
        model = SmsTemplate
        fields = ["trigger", "kinds", "body", "provider_template", "active"]

    def clean(self):
        data = super().clean()
        trigger, body = data.get("trigger"), data.get("body")
        if trigger and body:
            unknown = unknown_placeholders(trigger, body)
            if unknown:
                self.add_error("body", _("Unknown placeholders %(unknown)s: this message may use %(known)s") % {
                    "unknown": "、".join(f"{{{name}}}" for name in unknown),
                    "known": "、".join(f"{{{name}}}" for name in placeholders_of(trigger))})
        return data


@admin.register(SmsTemplate)
class SmsTemplateAdmin(SimpleHistoryAdmin):
    form = SmsTemplateForm
    list_display = ["trigger", "body", "provider_template", "active", "updated_at"]
    list_filter = ["active"]

    def has_delete_permission(self, request, obj=None):
        return False  # switched off (active), never deleted: the messages sent with it keep their meaning


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "trigger", "phone", "order", "outage", "state", "attempts", "sent_at", "error"]
    list_filter = ["state", "trigger"]
    search_fields = ["phone", "order__number"]
    date_hierarchy = "created_at"
    list_select_related = ["order", "outage"]
    readonly_fields = [f.name for f in SmsMessage._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send again"), permissions=["change"])
    def send_again(self, request, queryset):
        count = sending.send_again(queryset)
        self.message_user(request, _("%(count)s failed messages will be sent again.") % {"count": count})
