"""The pages' forms: attach a file to an object from its page (the phone's camera too), delete one. Each returns to
the page it was sent from (the order page, the crew's phone page: the form's ``next``), else the object's page; a
refused file gets a short page that says why, with the way back."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..errors import DomainError, NotFound, NotPermitted
from ..middleware import accepts_uploads
from . import registry, selectors, services

# The form's two file inputs: any accepted file, or a photo taken with the phone's camera (capture).
FILE_FIELDS = ("file", "photo")


def _back(request, parent: registry.Parent, obj) -> str:
    """Where the form came from (a path of this site only), else the object's page."""
    given = request.POST.get("next", "")
    if given and url_has_allowed_host_and_scheme(given, allowed_hosts={request.get_host()},
                                                 require_https=request.is_secure()):
        return given
    return parent.page_url(obj)


def _refused(request, error: DomainError, back: str, title: str):
    """A domain refusal as pages answer it: 403 / 404 as Django's own; anything else a page with the reason."""
    if isinstance(error, NotFound):
        raise Http404 from None
    if isinstance(error, NotPermitted):
        raise PermissionDenied from None
    return render(request, "attachments/refused.html", {"title": title, "detail": error.detail, "back": back},
                  status=error.status_code)


@accepts_uploads
@login_required
@require_POST
def upload(request, kind: str, pk: int):
    try:
        parent = registry.by_kind(kind)
        obj = registry.visible_object(parent, request.user, pk)
    except DomainError as error:
        return _refused(request, error, "/", _("The file was not attached"))
    back = _back(request, parent, obj)
    if not parent.may_attach(request.user, obj):  # before the file is looked at: may not is 403 even without one
        raise PermissionDenied
    given = next((request.FILES[name] for name in FILE_FIELDS if name in request.FILES), None)
    if given is None:
        return render(request, "attachments/refused.html", {
            "title": _("The file was not attached"), "detail": _("Choose a file to attach."), "back": back,
        }, status=400)
    try:
        attachment = services.attachment_add(parent=obj, upload=given, given_name=given.name, actor=request.user)
    except DomainError as error:
        return _refused(request, error, back, _("The file was not attached"))
    messages.success(request, _("%(name)s has been attached.") % {"name": attachment.name})
    return redirect(f"{back}#attachments")


@login_required
@require_POST
def delete(request, pk: int):
    try:
        attachment, parent, obj = selectors.visible_attachment(request.user, pk)
    except DomainError as error:
        return _refused(request, error, "/", _("The file was not deleted"))
    back = _back(request, parent, obj)
    try:
        services.attachment_delete(attachment=attachment, actor=request.user)
    except DomainError as error:
        return _refused(request, error, back, _("The file was not deleted"))
    messages.success(request, _("%(name)s has been deleted.") % {"name": attachment.name})
    return redirect(f"{back}#attachments")
