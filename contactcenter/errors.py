"""The one place where domain errors become HTTP answers (style guide: no try/except per view).

Apps raise the domain errors below from their services; views never catch them.
Every error body is JSON: ``{"detail": ..., "code": ...}`` or DRF's field errors.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from . import db_errors


class DomainError(Exception):
    """Base class: a rule of the domain refused the request."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(self, detail: str, *, code: str | None = None, extra: dict | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.extra = extra or {}


class InvalidInput(DomainError):
    """400: the request's content breaks a rule (an unknown department, a forbidden phrase, …)."""


class NotPermitted(DomainError):
    """403: the user's role may not do this."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Conflict(DomainError):
    """409: not allowed from the current state, or the row changed concurrently."""

    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


def exception_handler(exc, context):
    if db_errors.is_database_error(exc):  # the database restarting: 503 + Retry-After, not a 500
        db_errors.log_outage(context["request"], exc)
        return Response(db_errors.api_body(), status=status.HTTP_503_SERVICE_UNAVAILABLE,
                        headers=db_errors.retry_headers())
    if isinstance(exc, DomainError):
        body = {"detail": exc.detail, "code": exc.code, **exc.extra}
        return Response(body, status=exc.status_code)
    if isinstance(exc, ConcurrentTransition):
        return Response(
            {"detail": _("It was changed by someone else meanwhile; reload it and try again."),
             "code": "concurrent_change"},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, TransitionNotAllowed):
        return Response({"detail": _("This step is not allowed in the current state; reload it and try again."),
                         "code": "transition_not_allowed"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        response.data["code"] = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    return response
