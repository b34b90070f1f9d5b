"""Tags of the shared page layout (templates/base.html)."""

from django import template
from django.conf import settings

from contactcenter.auth import role_names
from tickets.models import Role

register = template.Library()


@register.simple_tag
def user_roles(user) -> str:
    """The user's roles (Django groups named after ``Role``), as their translated labels."""
    if not user.is_authenticated:
        return ""
    labels = {value: label for value, label in Role.choices}
    return " / ".join(str(labels.get(name, name)) for name in role_names(user))


@register.simple_tag
def live_url(path: str) -> str:
    """The address of a live socket (``contactcenter.live``): on the live service's origin, or this page's."""
    return f"{settings.LIVE_ORIGIN}{path}"
