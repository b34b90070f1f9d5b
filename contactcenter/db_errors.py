"""The database unreachable → 503 Service Unavailable with Retry-After, never a 500 or a hang.

While PostgreSQL restarts (or fails over, or refuses connections), a request fails with
``django.db.utils.OperationalError`` or ``InterfaceError``; deadlocks, serialization failures and cancelled
statements are OperationalErrors too. Each is worth retrying, so the client is told so: 503, ``Retry-After``,
and under /api/ a JSON body ``{"detail": …, "code": "database_unavailable"}``. The app reconnects by itself
afterwards (``conn_health_checks``: a request's first query on a persistent connection checks it first).

Used by the API's exception handler (``contactcenter.errors``) and the pages' 500 handler
(``contactcenter.views.server_error``, which also sees errors raised by middleware). A failed connect
gives up after ``DB_CONNECT_TIMEOUT`` seconds (settings).
"""

import logging
import sys

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
CODE = "database_unavailable"
DETAIL = _("The service is briefly unavailable (database). Please try again in a few seconds.")
TITLE = _("Service briefly unavailable")


def is_database_error(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_ERRORS)


def current_database_error() -> BaseException | None:
    """The exception being handled, when it is a database outage (inside Django's 500 handling)."""
    exc = sys.exc_info()[1]
    return exc if is_database_error(exc) else None


def log_outage(request, exc: BaseException) -> None:
    logger.warning("database unavailable, answered 503: %s %s: %s: %s", request.method, request.path,
                   type(exc).__name__, str(exc).strip().splitlines()[0] if str(exc).strip() else "")


def retry_headers() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS)}


def api_body() -> dict[str, str]:
    return {"detail": str(DETAIL), "code": CODE}


def database_unavailable(request) -> HttpResponse:
    """JSON under /api/, a plain page elsewhere (rendered without the database: no template context, no user)."""
    if request.path.startswith("/api/"):
        response = JsonResponse(api_body(), status=503)
    else:
        response = HttpResponse(
            format_html('<!doctype html><html lang="{}"><head><meta charset="utf-8"><title>{}</title></head>'
                        "<body><h1>{}</h1><p>{}</p></body></html>", get_language() or "zh-hans", TITLE, TITLE,
                        DETAIL),
            status=503, content_type="text/html; charset=utf-8",
        )
    for name, value in retry_headers().items():
        response[name] = value
    return response
