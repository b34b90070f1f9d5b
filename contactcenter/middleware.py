"""Request hardening at the edge: body and field limits, and the answer to a locked-out login.

``RequestLimitsMiddleware`` comes right after the security-header middlewares (so its refusals carry the
headers too) and before anything that reads the body. It refuses:

* a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (from its Content-Length) → 413;
* a malformed Content-Length → 400;
* more than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields in the query string or a form body → 400.

A view that takes a file (``accepts_uploads``: the attachments' uploads) may receive a body up to
``ATTACHMENT_MAX_MB`` plus the form's own few bytes instead; a larger one gets the 413 that says the file's limit.

Django itself would only notice the size when a view reads the body (``RequestDataTooBig``, a bare 400), and
DRF's parsers read a JSON body past that check. Under /api/ the answer is JSON ``{"detail", "code"}`` like every
API error; elsewhere a short page.

``lockout_response`` and ``client_ip`` are django-axes hooks (settings ``AXES_LOCKOUT_CALLABLE`` and
``AXES_CLIENT_IP_CALLABLE``).
"""

import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext_lazy as _

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

TOO_LARGE = _("The request body is too large: at most %(limit)s bytes are accepted.")
BAD_LENGTH = _("The Content-Length header is not a valid length.")
TOO_MANY_FIELDS = _("The request has too many fields: at most %(limit)s are accepted.")
BAD_FORM = _("The form data could not be read.")
FILE_TOO_LARGE = _("The file is too large: at most %(limit)s MB are accepted.")
# A multipart body around the file: its boundaries, the part's headers, a CSRF token, the file's name.
FORM_OVERHEAD = 64 * 1024


def max_file_bytes() -> int:
    return settings.ATTACHMENT_MAX_MB * 1024 * 1024


def accepts_uploads(view):
    """Marks a view that takes a file of up to ``ATTACHMENT_MAX_MB`` (the request-limits middleware lets its larger
    body through)."""
    view.accepts_uploads = True
    return view


def _accepts_uploads(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return getattr(match.func, "accepts_uploads", False)


SERVICE_ACCOUNT = _("This is a service account of another system: it uses the API with its token and has no pages.")


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class ServiceAccountsHaveNoPagesMiddleware:
    """The telephony system's service account works through the API with its token (the login form refuses it): a
    page asked for in a session that was made for it anyway (an administrator's doing) answers 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only a request with a session can be a signed-in service account: the others are not asked (reading the
        # session would make every public page vary by cookie).
        if not is_api(request) and settings.SESSION_COOKIE_NAME in request.COOKIES:
            from .roles import is_service_account

            user = request.user
            if user.is_authenticated and is_service_account(user):
                return refusal(request, status=403, code="service_account", detail=SERVICE_ACCOUNT)
        return self.get_response(request)


def refusal(request: HttpRequest, *, status: int, code: str, detail: str) -> HttpResponse:
    """The API's JSON error body under /api/, a short page elsewhere; in the user's language (this runs before
    LocaleMiddleware, so the language is taken from the request here)."""
    with translation.override(translation.get_language_from_request(request)):
        if is_api(request):
            return JsonResponse({"detail": str(detail), "code": code}, status=status)
        html = render_to_string("request_refused.html", {"status": status, "detail": detail})
    return HttpResponse(html, status=status)


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.check(request) or self.get_response(request)

    def check(self, request: HttpRequest) -> HttpResponse | None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw_length = request.META.get("CONTENT_LENGTH") or ""
        if raw_length.strip():
            try:
                length = int(raw_length)
            except ValueError:
                length = -1
            if length < 0:
                return refusal(request, status=400, code="bad_content_length", detail=BAD_LENGTH)
            if limit is not None and length > limit:
                if not _accepts_uploads(request):  # asked only of a large body: a URL resolved once more
                    return refusal(request, status=413, code="too_large", detail=TOO_LARGE % {"limit": limit})
                if length > max_file_bytes() + FORM_OVERHEAD:
                    return refusal(request, status=413, code="file_too_large",
                                   detail=FILE_TOO_LARGE % {"limit": settings.ATTACHMENT_MAX_MB})
        try:
            request.GET  # noqa: B018 (parsing the query string counts its fields)
            if request.method not in ("GET", "HEAD", "OPTIONS") and request.content_type in FORM_TYPES:
                request.POST  # noqa: B018 (the same for a form body, now rather than in the view)
        except (TooManyFieldsSent, TooManyFilesSent):
            return refusal(request, status=400, code="too_many_fields",
                           detail=TOO_MANY_FIELDS % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS})
        except RequestDataTooBig:  # a body sent without a Content-Length (chunked) that turned out too large
            return refusal(request, status=413, code="too_large", detail=TOO_LARGE % {"limit": limit})
        except MultiPartParserError:
            return refusal(request, status=400, code="bad_form", detail=BAD_FORM)
        return None


# --- django-axes hooks ---------------------------------------------------------------------------------

LOCKED_OUT = _(
    "Too many failed logins for this username from this address. Try again in %(minutes)s minutes, "
    "or ask an administrator to unlock the account."
)


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """A locked-out login: JSON 429 ``{"detail", "code": "locked_out"}`` with Retry-After for the API's token
    endpoint, the login page's own lockout page (status 429) for the browser."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    detail = LOCKED_OUT % {"minutes": max(1, math.ceil(seconds / 60))}
    status = settings.AXES_HTTP_RESPONSE_CODE
    if is_api(request):
        response = JsonResponse({"detail": str(detail), "code": "locked_out"}, status=status)
    else:
        response = render(request, "registration/locked_out.html", {"detail": detail}, status=status)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


def client_ip(request: HttpRequest) -> str:
    """The client's address for counting failed logins: the connection's, or behind ``TRUSTED_PROXY_COUNT``
    reverse proxies the address the outermost one appended to X-Forwarded-For (entries before it are the
    client's own claims and are ignored)."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR") or ""
