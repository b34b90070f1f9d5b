"""Tags of the shared page layout (templates/base.html)."""

from django import template

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
