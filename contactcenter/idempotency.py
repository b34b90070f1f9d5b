"""Idempotent writes: a client that sends ``Idempotency-Key: <any unique string>`` with a POST (every POST of the
API; the console's create form sends a hidden one) may send it again — after a timeout, a double click, a retry —
and gets the first answer again, with no second effect. The same key with another request is refused (422); a copy
that arrives while the first still runs is refused (409, retry shortly). A 5xx is not kept: the retry runs.

Keys are kept per user for ``IDEMPOTENCY_HOURS`` (24); ``forget_idempotency_keys`` (beat, daily) deletes older
ones, and an older one found is replaced."""

import dataclasses
import datetime as dt
import hashlib
import json
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_MAX = 255


class KeyInvalid(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "idempotency_key_invalid"
    default_detail = _("Idempotency-Key must be 1 to 255 printable ASCII characters.")


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was already used for another request: use a new key for a new request.")


class KeyBusy(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_use"
    default_detail = _("A request with this Idempotency-Key is still being answered: send it again in a moment.")


@dataclasses.dataclass(frozen=True)
class Claim:
    """What ``claim`` found: the row to complete (``replay`` None), or the answer to send again."""

    row: IdempotencyKey
    replay: tuple[int, bytes] | None


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"%s %s\n%s" % (method.encode(), path.encode("utf-8", "surrogateescape"), body)).hexdigest()


def valid_key(key: str) -> bool:
    return 0 < len(key) <= KEY_MAX and key.isascii() and key.isprintable()


def claim(*, user, key: str, digest: str, now: dt.datetime | None = None) -> Claim:
    """Claim ``key`` for ``user``'s request (its ``digest``). Raises KeyInvalid, KeyReused or KeyBusy."""
    if not valid_key(key):
        raise KeyInvalid()
    now = now or timezone.now()
    oldest = now - dt.timedelta(hours=settings.IDEMPOTENCY_HOURS)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return Claim(IdempotencyKey.objects.create(user=user, key=key, fingerprint=digest, created_at=now),
                             None)
        except IntegrityError:
            found = IdempotencyKey.objects.filter(user=user, key=key).first()
        if found is None:
            continue  # forgotten in between: claim it again
        if found.created_at < oldest:
            IdempotencyKey.objects.filter(pk=found.pk, created_at=found.created_at).delete()
            continue
        if found.fingerprint != digest:
            raise KeyReused()
        if found.status is None:
            raise KeyBusy()
        return Claim(found, (found.status, bytes(found.body or b"")))
    raise KeyBusy()


def complete(row: IdempotencyKey, *, status_code: int, body: bytes) -> None:
    """Keep the answer of a claimed request; a server error is not kept (the key is released: the retry runs)."""
    if status_code >= 500:
        IdempotencyKey.objects.filter(pk=row.pk).delete()
    else:
        IdempotencyKey.objects.filter(pk=row.pk).update(status=status_code, body=body)


def release(row: IdempotencyKey) -> None:
    IdempotencyKey.objects.filter(pk=row.pk).delete()


def forget(*, now: dt.datetime | None = None) -> int:
    """Delete the keys older than ``IDEMPOTENCY_HOURS``; how many."""
    oldest = (now or timezone.now()) - dt.timedelta(hours=settings.IDEMPOTENCY_HOURS)
    return IdempotencyKey.objects.filter(created_at__lt=oldest).delete()[0]


# --- A page's form -------------------------------------------------------------------------------------------

PAGE_FIELD = "idempotency_key"  # the hidden input a page's form carries (a new one each time the page is drawn)


def page_once(request, handle, *, wait_seconds: float = 5.0):
    """Answer a page form's POST with ``handle(request)`` once per hidden key: a second copy (a double click, a
    resent form) is redirected where the first was, waiting up to ``wait_seconds`` for the first to finish. Only a
    redirect (the form done) is kept: a form sent back with errors may be corrected and sent again. A key reused with
    other values, or not ours, is simply a new form."""
    key = request.POST.get(PAGE_FIELD, "")
    if not valid_key(key) or not request.user.is_authenticated:
        return handle(request)
    values = sorted((name, value) for name, values in request.POST.lists() if name != "csrfmiddlewaretoken"
                    for value in values)
    digest = fingerprint("POST", request.path, json.dumps(values, ensure_ascii=False).encode())
    try:
        found = claim(user=request.user, key=key, digest=digest)
    except KeyReused:
        return handle(request)
    except KeyBusy:
        found = _finished(request.user, key, wait_seconds)
        if found is None:
            return redirect(request.path)
    if found.replay is not None:
        return redirect(found.replay[1].decode())
    try:
        response = handle(request)
    except BaseException:
        release(found.row)
        raise
    if response.status_code in (301, 302, 303) and response.has_header("Location"):
        complete(found.row, status_code=response.status_code, body=response["Location"].encode())
    else:
        release(found.row)
    return response


def _finished(user, key: str, seconds: float) -> Claim | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.1)
        row = IdempotencyKey.objects.filter(user=user, key=key).first()
        if row is None:
            return None
        if row.status is not None:
            return Claim(row, (row.status, bytes(row.body or b"")))
    return None
