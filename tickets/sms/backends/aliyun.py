"""Alibaba Cloud SMS 阿里云短信服务: the ``SendSms`` action of the ``dysmsapi`` RPC API (version 2017-05-25).

The request (documented by the provider): a POST of a form to ``SMS_ALIYUN_ENDPOINT`` with the common parameters
(``AccessKeyId``, ``Action=SendSms``, ``Format=JSON``, ``SignatureMethod=HMAC-SHA1``, ``SignatureNonce``,
``SignatureVersion=1.0``, ``Timestamp`` in UTC ISO 8601, ``Version=2017-05-25``) and the action's (``PhoneNumbers``
— up to 1,000, comma-separated —, ``SignName``, ``TemplateCode``, ``TemplateParam`` as JSON), signed: ``Signature`` =
base64(HMAC-SHA1(secret + "&", "POST&%2F&" + enc(the sorted "enc(name)=enc(value)" pairs joined by "&"))), ``enc``
being RFC 3986 percent-encoding (space %20, ``~`` kept). The answer: ``{"Code": "OK", "Message": "OK", "BizId": …,
"RequestId": …}``, or another ``Code`` (``isv.MOBILE_NUMBER_ILLEGAL``, ``isv.BUSINESS_LIMIT_CONTROL`` …).

Messages with the same template and values (an outage notice to its area) go in one request."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .. import Outcome, Sms
from .base import BaseSmsBackend

VERSION = "2017-05-25"
MAX_NUMBERS = 1000  # PhoneNumbers of one SendSms
TIMEOUT_SECONDS = 10
# Not sent now, but may be later: flow control, balance, the provider's own failure.
RETRY_CODES = {"isv.BUSINESS_LIMIT_CONTROL", "isv.AMOUNT_NOT_ENOUGH", "isp.SYSTEM_ERROR", "Throttling.User",
               "Throttling", "ServiceUnavailable", "InternalError"}


def encode(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


def sign(method: str, params: dict[str, str], secret: str) -> str:
    canonical = "&".join(f"{encode(name)}={encode(params[name])}" for name in sorted(params))
    to_sign = f"{method}&{encode('/')}&{encode(canonical)}"
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


class SmsBackend(BaseSmsBackend):
    def __init__(self, *, access_key_id: str | None = None, access_key_secret: str | None = None,
                 endpoint: str | None = None, sign_name: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.access_key_id = access_key_id or settings.SMS_ALIYUN_ACCESS_KEY_ID
        self.access_key_secret = access_key_secret or settings.SMS_ALIYUN_ACCESS_KEY_SECRET
        self.endpoint = endpoint or settings.SMS_ALIYUN_ENDPOINT
        self.sign_name = sign_name or settings.SMS_SIGN_NAME
        if not (self.access_key_id and self.access_key_secret):
            raise ImproperlyConfigured("The Aliyun SMS backend needs SMS_ALIYUN_ACCESS_KEY_ID and _SECRET.")

    def send_messages(self, messages: list[Sms]) -> list[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(messages)
        groups: dict[tuple[str, str], list[int]] = {}
        for i, message in enumerate(messages):
            if not message.provider_template:
                outcomes[i] = Outcome(sent=False, error="No provider template code for this message's template")
                continue
            values = json.dumps(message.params, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            groups.setdefault((message.provider_template, values), []).append(i)
        for (template, values), indexes in groups.items():
            for start in range(0, len(indexes), MAX_NUMBERS):
                chunk = indexes[start:start + MAX_NUMBERS]
                outcome = self._send(",".join(messages[i].phone for i in chunk), template, values)
                for i in chunk:
                    outcomes[i] = outcome
        return outcomes

    def _send(self, numbers: str, template: str, values: str) -> Outcome:
        params = {
            "AccessKeyId": self.access_key_id, "Action": "SendSms", "Format": "JSON",
            "SignatureMethod": "HMAC-SHA1", "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": VERSION,
            "PhoneNumbers": numbers, "SignName": self.sign_name, "TemplateCode": template, "TemplateParam": values,
        }
        params["Signature"] = sign("POST", params, self.access_key_secret)
        request = urllib.request.Request(
            self.endpoint, data=urllib.parse.urlencode(params, quote_via=urllib.parse.quote).encode(), method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/json",
                     "User-Agent": "hotline-sms/1"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (settings' URL)
                status, raw = response.status, response.read(65536)
        except urllib.error.HTTPError as answered:
            status, raw = answered.code, answered.read(65536)
        except (OSError, ValueError) as lost:
            return Outcome(sent=False, error=f"Aliyun SMS unreachable: {lost}", retry=True)
        try:
            answer = json.loads(raw)
            code, text = str(answer.get("Code", "")), str(answer.get("Message", ""))
        except (ValueError, AttributeError):
            return Outcome(sent=False, error=f"HTTP {status}: {raw[:200]!r}", retry=status >= 500)
        if status == 200 and code == "OK":
            return Outcome(sent=True, provider_id=str(answer.get("BizId", ""))[:64])
        return Outcome(sent=False, error=f"{code}: {text}"[:2000], retry=status >= 500 or code in RETRY_CODES)
