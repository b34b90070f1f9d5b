"""Asterisk's Manager Interface (AMI) → the calls' events (``ring``, ``answer``, ``end``).

AMI speaks lines of ``Key: Value``, one message per block ending in an empty line (``\\r\\n``). A hotline call comes in
on a trunk channel (its ``Linkedid`` names the whole call, whatever channels it spreads over) and is dialled to an
agent's phone, a channel named after the seat (``PJSIP/8001-0000002a``):

* ``DialBegin`` to a seat's channel → ``ring`` at that seat (the caller from ``CallerIDNum``);
* ``DialEnd`` with ``DialStatus: ANSWER`` → ``answer`` at that seat;
* ``Hangup`` of the call's first channel (``Uniqueid`` = ``Linkedid``) → ``end``.

The moment of each is the event's ``Timestamp`` (manager.conf ``timestampevents = yes``; epoch seconds), else the
time it was read. A switch-side queue that rings several seats reports a ring per seat: the last one answered wins.
``manage.py asterisk_bridge`` connects to AMI (or replays a recorded transcript) and posts the events to the API
with the telephony service account's token; the API makes repeated and out-of-order events harmless.

Click-to-dial (a callback's "Dial" button) sends AMI ``Originate``: the agent's phone rings, then the customer's
(``ASTERISK_AMI_URL``; without it the button is not shown).
"""

import dataclasses
import datetime as dt
import re
import socket
import urllib.parse
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

SEAT_CHANNEL = re.compile(r"^(?:PJSIP|SIP|IAX2|DAHDI|Local)/(?P<seat>[0-9A-Za-z_]{1,20})(?:[-@;].*)?$")


@dataclasses.dataclass(frozen=True)
class CallEvent:
    """What ``POST /api/v1/calls/events/`` takes."""

    call_id: str
    event: str  # ring | answer | end
    at: dt.datetime
    caller_number: str = ""
    seat: str = ""

    def as_json(self) -> dict:
        body = {"call_id": self.call_id, "event": self.event, "at": self.at.isoformat()}
        if self.caller_number:
            body["caller_number"] = self.caller_number
        if self.seat:
            body["seat"] = self.seat
        return body


def messages(lines: Iterable[str]) -> Iterator[dict[str, str]]:
    """AMI messages from its lines (``\\r\\n`` or ``\\n``): each a dict of its keys. The banner line
    (``Asterisk Call Manager/…``) and lines without a colon are skipped."""
    message: dict[str, str] = {}
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            if message:
                yield message
            message = {}
            continue
        key, colon, value = line.partition(":")
        if colon:
            message.setdefault(key.strip(), value.strip())
    if message:
        yield message


def seat_of(channel: str) -> str:
    match = SEAT_CHANNEL.match(channel or "")
    return match.group("seat") if match else ""


def _moment(message: dict[str, str], now) -> dt.datetime:
    stamp = message.get("Timestamp", "")
    try:
        return dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC)
    except ValueError:
        return now()


def _number(value: str) -> str:
    return "" if value in ("", "<unknown>", "anonymous") else value


def call_events(ami_messages: Iterable[dict[str, str]], *, now=None) -> Iterator[CallEvent]:
    """The calls' events in AMI's messages, in the order they happened."""
    now = now or (lambda: dt.datetime.now(tz=dt.UTC))
    for message in ami_messages:
        kind = message.get("Event")
        call_id = message.get("Linkedid") or message.get("Uniqueid") or ""
        if not kind or not call_id:
            continue
        caller = _number(message.get("CallerIDNum", ""))
        if kind == "DialBegin":
            seat = seat_of(message.get("DestChannel", ""))
            if seat:
                yield CallEvent(call_id, "ring", _moment(message, now), caller, seat)
        elif kind == "DialEnd" and message.get("DialStatus") == "ANSWER":
            seat = seat_of(message.get("DestChannel", ""))
            if seat:
                yield CallEvent(call_id, "answer", _moment(message, now), caller, seat)
        elif kind == "Hangup" and message.get("Uniqueid") == call_id:
            yield CallEvent(call_id, "end", _moment(message, now), caller)


# --- Click-to-dial: AMI Originate ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AmiTarget:
    """Where AMI answers and how we dial out, from ``ASTERISK_AMI_URL``:
    ``ami://user:secret@pbx.example:5038?context=from-internal&caller_id=95598`` (empty: no click-to-dial)."""

    host: str
    port: int
    username: str
    secret: str
    context: str
    caller_id: str

    @classmethod
    def from_url(cls, url: str) -> "AmiTarget | None":
        if not url:
            return None
        parts = urllib.parse.urlsplit(url)
        query = dict(urllib.parse.parse_qsl(parts.query))
        return cls(parts.hostname or "127.0.0.1", parts.port or 5038, urllib.parse.unquote(parts.username or ""),
                   urllib.parse.unquote(parts.password or ""), query.get("context", "from-internal"),
                   query.get("caller_id", ""))


class DialFailed(Exception):
    pass


def originate(target: AmiTarget, *, seat: str, number: str, timeout: float = 5.0) -> None:
    """Ring the agent's phone (``PJSIP/<seat>``) and, once picked up, dial ``number`` from ``target.context``
    (AMI ``Originate``, asynchronous: the switch reports the call's events as any other). Raises DialFailed with
    the switch's message when it refuses or does not answer."""
    if not re.fullmatch(r"[0-9A-Za-z_]{1,20}", seat) or not re.fullmatch(r"\+?[0-9]{3,20}", number):
        raise DialFailed(_("cannot dial %(number)s from seat %(seat)s") % {"number": number, "seat": seat})
    action = {"Action": "Originate", "ActionID": f"dial-{seat}-{number}", "Channel": f"PJSIP/{seat}",
              "Context": target.context, "Exten": number, "Priority": "1", "Async": "true", "Timeout": "30000"}
    if target.caller_id:
        action["CallerID"] = target.caller_id
    try:
        with socket.create_connection((target.host, target.port), timeout=timeout) as connection:
            stream = connection.makefile("rwb")
            stream.readline()  # the banner: Asterisk Call Manager/…
            for message in ({"Action": "Login", "Username": target.username, "Secret": target.secret,
                             "Events": "off"}, action):
                stream.write("".join(f"{k}: {v}\r\n" for k, v in message.items()).encode() + b"\r\n")
                stream.flush()
                answer = _response(stream)
                if answer.get("Response") != "Success":
                    said = answer.get("Message") or "—"  # the switch's own words (English): kept in brackets
                    raise DialFailed(_("the switch refused the login (%(said)s)") % {"said": said}
                                     if message["Action"] == "Login"
                                     else _("the switch refused the call (%(said)s)") % {"said": said})
            stream.write(b"Action: Logoff\r\n\r\n")
            stream.flush()
    except OSError as lost:
        raise DialFailed(_("the switch did not answer (%(error)s)") % {"error": lost}) from lost


def _response(stream) -> dict[str, str]:
    """The next message that is a Response (events in between are skipped)."""
    while True:
        lines = []
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace")
            if not line.strip():
                break
            lines.append(line)
        else:
            if not lines:
                raise DialFailed(_("the switch closed the connection"))
        message = next(messages(lines), {})
        if "Response" in message:
            return message
