"""The notifications' pages (``contactcenter.notifications``): the list with the preferences, opening one (read, then
its page), marking all read, and the unread count for pages without the live service. Each user sees their own."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import notifications
from .forms import NotificationPreferenceForm
from .models import NoticeKind, Notification

PER_PAGE = 30
LATEST = 8  # the bell's list


@login_required
@require_GET
def notification_list(request):
    preference = notifications.preference_of(request.user)
    form = NotificationPreferenceForm(initial={
        "kinds": [kind for kind in NoticeKind.values if kind not in preference.muted], "browser": preference.browser,
        "sound": preference.sound, "due_minutes": notifications.due_minutes_of(preference)})
    return _page(request, form)


def _page(request, form, status: int = 200):
    page = Paginator(notifications.visible_notifications(request.user), PER_PAGE).get_page(request.GET.get("page"))
    rows = [(n, notifications.text(n)) for n in page]
    return render(request, "notifications/list.html", {
        "page": page, "rows": rows, "form": form, "unread": notifications.unread_count(request.user)}, status=status)


@login_required
@require_POST
def preferences(request):
    form = NotificationPreferenceForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    notifications.preference_save(
        user=request.user, muted=[kind for kind in NoticeKind.values if kind not in data["kinds"]],
        browser=data["browser"], sound=data["sound"],
        due_minutes=None if data["due_minutes"] == settings.NOTIFY_DUE_MINUTES else data["due_minutes"])
    messages.success(request, _("Your notification preferences are saved."))
    return redirect("notifications")


@login_required
@require_POST
def mark_all_read(request):
    notifications.notifications_mark_read(user=request.user)
    return redirect("notifications")


@login_required
@require_GET
def notification_open(request, pk: int):
    """Read it, then go to what it tells of (this site's pages only)."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    notifications.notifications_mark_read(user=request.user, ids=[notification.pk])
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect("notifications")
    return redirect(target)


@never_cache
@login_required
@require_GET
def unread(request):
    """The bell without the live service: the unread count and the latest notifications (polled)."""
    latest = notifications.visible_notifications(request.user)[:LATEST]
    preference = notifications.preference_of(request.user)
    return JsonResponse({"unread": notifications.unread_count(request.user), "browser": preference.browser,
                         "sound": preference.sound,
                         "items": [notifications.as_json(n) for n in latest],
                         "cursor": max((n.pk for n in latest), default=None)})
