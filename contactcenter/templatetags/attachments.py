"""``{% attachment_section obj %}``: an object's attachments on its page (list, upload form, delete buttons), for
every kind an app registered (``contactcenter.attachments``). One line in the page — ``{% load attachments %}
{% attachment_section order %}`` — and its view is not changed; the forms come back to that page."""

from django import template
from django.conf import settings
from django.utils import timezone

from ..attachments import files, registry, selectors, services

register = template.Library()


@register.inclusion_tag("_attachments.html", takes_context=True)
def attachment_section(context, obj):
    user = context["request"].user
    parent = registry.by_model(type(obj))
    now = timezone.now()
    rows = [(row, services.may_delete(row, user, now=now)) for row in selectors.attachments_of(obj)]
    return {
        "rows": rows, "kind": parent.kind, "pk": obj.pk, "may_attach": parent.may_attach(user, obj),
        "accept": files.ACCEPT, "max_mb": settings.ATTACHMENT_MAX_MB, "csrf_token": context.get("csrf_token"),
        "next": context["request"].path,  # the forms come back to this page (the order page, or the phone's)
    }
