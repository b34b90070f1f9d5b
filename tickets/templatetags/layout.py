"""Tags of the shared page layout (templates/base.html)."""

import hashlib

from django import template
from django.conf import settings
from django.core.cache import InvalidCacheBackendError, caches
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

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


# The menu's sections and when a page belongs to one (its link is then marked as current): (name, test of the path).
NAV_SECTIONS = (
    ("home", lambda path: path == "/"),
    ("console", lambda path: path == "/console/"),
    ("queue", lambda path: path == "/queue/" or "/orders/" in path),
    ("callbacks", lambda path: path == "/callbacks/"),
    ("roster", lambda path: path == "/shifts/"),
    ("my-shift", lambda path: path == "/shifts/mine/"),
    ("handovers", lambda path: "/shifts/handovers/" in path),
    ("outages", lambda path: "/outages/" in path),
    ("dashboard", lambda path: path == "/kpi/dashboard/"),
    ("ledger", lambda path: "/kpi/ledger/" in path),
    ("reports", lambda path: path == "/kpi/reports/"),
    ("audit", lambda path: path == "/kpi/audit/"),
)


@register.simple_tag(takes_context=True)
def site_nav(context) -> str:
    """The site's menu (templates/_site_nav.html). It depends only on the language, the user's permission set and
    flags and the current section, so it is drawn once for each of those and then served from the process's
    fragment cache (``CACHES["fragments"]``, in memory: a deploy restarts it with the code and the translations);
    a permission given or taken away makes another key, so it counts on the next page. Without that cache (a
    settings file that leaves it out) it is drawn every time; so is the empty menu of a signed-out user or of a page
    drawn without a request (an error page)."""
    user, request = context.get("user"), context.get("request")
    if user is None or request is None or not user.is_authenticated:  # signed out, or a page drawn without a request
        return render_to_string("_site_nav.html", {"user": user, "perms": context.get("perms"), "active": []})
    active = [name for name, test in NAV_SECTIONS if test(request.path)]
    who = (user.is_authenticated, user.is_staff, user.is_superuser, sorted(user.get_all_permissions()))
    key = "site-nav:" + hashlib.sha256(repr((get_language(), get_script_prefix(), active, who)).encode()).hexdigest()
    try:
        fragments = caches["fragments"]
    except InvalidCacheBackendError:
        fragments = None
    html = fragments.get(key) if fragments is not None else None
    if html is None:
        html = render_to_string("_site_nav.html", {"user": user, "perms": context["perms"], "active": active})
        if fragments is not None:
            fragments.set(key, html, None)
    return mark_safe(html)  # noqa: S308  (drawn by our template, its values escaped there)
