"""The wallboard 监控大屏 (``kpi.wallboard``): the full-screen page and the JSON its script refreshes from (every 30 s,
and while its socket, ``kpi.live.WallboardConsumer``, is down). Thin: the figures come from ``wallboard``."""

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tickets.models import Kind, OutageKind, State

from .wallboard import cached_figures

PERMISSION = "kpi.view_wallboard"


def labels() -> dict:
    """The names of the codes the figures carry (kinds, states, outage kinds), in the request's language."""
    return {
        "kinds": {value: str(label) for value, label in Kind.choices},
        "states": {value: str(label) for value, label in State.choices},
        "outage_kinds": {value: str(label) for value, label in OutageKind.choices},
    }


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def wallboard(request):
    return render(request, "kpi/wallboard.html", {
        "figures": cached_figures(), "labels": labels(), "live_url": f"{settings.LIVE_ORIGIN}/ws/wallboard/",
    })


@never_cache
@require_GET
def wallboard_data(request):
    """The figures as JSON (the page's refresh and its polling): 401 signed out, 403 without the permission."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Log in again.", "code": "not_authenticated"}, status=401)
    if not request.user.has_perm(PERMISSION):
        return JsonResponse({"detail": "You may not see the wallboard.", "code": "permission_denied"}, status=403)
    return JsonResponse(cached_figures())
