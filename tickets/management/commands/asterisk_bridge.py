"""``manage.py asterisk_bridge``: the telephony link for Asterisk. Reads AMI events — from the switch (``--host``,
``--port``, ``--username``, ``--secret``: an AMI user with ``read = call``) or a recorded transcript (``--replay``) —
and posts each call's ring / answer / end to ``POST /api/v1/calls/events/`` of ``--api-url`` with the telephony
service account's token (``--token`` or ``TELEPHONY_TOKEN``). See ``tickets.telephony.asterisk``."""

import json
import os
import socket
import time
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand, CommandError

from ...telephony.asterisk import call_events, messages

RETRIES = 5


class Command(BaseCommand):
    help = "Post Asterisk AMI call events (live or replayed) to the calls/events API."

    def add_arguments(self, parser):
        parser.add_argument("--api-url", required=True, help="e.g. https://hotline.example.com")
        parser.add_argument("--token", default=os.environ.get("TELEPHONY_TOKEN", ""))
        parser.add_argument("--replay", help="a recorded AMI transcript to post instead of connecting")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=5038)
        parser.add_argument("--username", default=os.environ.get("AMI_USERNAME", ""))
        parser.add_argument("--secret", default=os.environ.get("AMI_SECRET", ""))

    def handle(self, *args, api_url: str, token: str, replay: str | None, **options):
        if not token:
            raise CommandError("--token (or TELEPHONY_TOKEN): the telephony service account's API token")
        url = api_url.rstrip("/") + "/api/v1/calls/events/"
        lines = open(replay, encoding="utf-8") if replay else self._ami_lines(**options)  # noqa: SIM115
        posted = 0
        try:
            for event in call_events(messages(lines)):
                self._post(url, token, event.as_json())
                posted += 1
        finally:
            if replay:
                lines.close()
        self.stdout.write(f"posted {posted} call events")

    def _post(self, url: str, token: str, body: dict) -> None:
        request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
            "Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"})
        for attempt in range(RETRIES):
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (an http(s) URL we are given)
                    response.read()
                    return
            except urllib.error.HTTPError as refused:
                if refused.code < 500:  # refused for good (a malformed event): said, not retried
                    self.stderr.write(f"{body} refused: {refused.code} {refused.read()[:300]!r}")
                    return
            except OSError:
                pass
            time.sleep(min(2 ** attempt, 30))
        raise CommandError(f"{url} did not answer after {RETRIES} attempts")

    def _ami_lines(self, *, host: str, port: int, username: str, secret: str, **options):
        connection = socket.create_connection((host, port), timeout=30)
        connection.settimeout(None)
        stream = connection.makefile("r", encoding="utf-8", newline="")
        connection.sendall(f"Action: Login\r\nUsername: {username}\r\nSecret: {secret}\r\nEvents: call\r\n\r\n"
                           .encode())
        yield from stream
