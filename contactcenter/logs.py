"""Logging: a refusal (4xx) is one line, not a traceback.

Django's ``django.request`` logger writes every 403 and 404 it answers from an exception (``PermissionDenied``,
``Http404``) with the exception's whole traceback: a user reaching for a page their role does not have fills the
log like a fault, and formatting the traceback costs each refusal more CPU than the rest of its answer. The record
still says what was refused (its message names the path); a 5xx keeps its traceback. ``status_code`` is the extra
context Django documents for this logger."""

import logging


class ClientErrorsInOneLine(logging.Filter):
    """Drops the traceback of a ``django.request`` record about a 4xx answer."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
