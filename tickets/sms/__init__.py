"""Sending text messages 短信: pluggable backends chosen by ``SMS_BACKEND``, as Django chooses its email backend.

- ``tickets.sms.backends.console.SmsBackend`` — writes each message to the console (the default: ``make run``);
- ``tickets.sms.backends.filebased.SmsBackend`` — appends them to a file per day under ``SMS_FILE_PATH``;
- ``tickets.sms.backends.locmem.SmsBackend`` — keeps them in ``tickets.sms.outbox`` (tests);
- ``tickets.sms.backends.aliyun.SmsBackend`` — Alibaba Cloud SMS (短信服务, the ``SendSms`` API), with
  ``SMS_ALIYUN_ACCESS_KEY_ID`` / ``SMS_ALIYUN_ACCESS_KEY_SECRET`` and the approved signature ``SMS_SIGN_NAME``.

A backend gets ``Sms`` values and answers one ``Outcome`` each; ``tickets.sms.sending`` claims the queued messages,
sends them and records the outcomes."""

import dataclasses

from django.conf import settings
from django.utils.module_loading import import_string

outbox: list["Sms"] = []  # what the locmem backend "sent"


@dataclasses.dataclass(frozen=True)
class Sms:
    phone: str
    text: str  # the whole message as the customer reads it, the signature 【…】 first
    provider_template: str = ""  # the provider's code of the approved template
    params: dict = dataclasses.field(default_factory=dict)  # its values


@dataclasses.dataclass(frozen=True)
class Outcome:
    sent: bool
    provider_id: str = ""  # the provider's receipt (Aliyun: BizId)
    error: str = ""
    retry: bool = False  # not sent, but worth trying again later (a limit, a network failure)


def get_backend(path: str | None = None, **kwargs):
    return import_string(path or settings.SMS_BACKEND)(**kwargs)


def signed(text: str) -> str:
    """The text as a phone shows it: the approved signature first (工信部: every message names its sender)."""
    return f"【{settings.SMS_SIGN_NAME}】{text}"
