import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .. import Outcome, Sms
from .console import SmsBackend as ConsoleBackend


class SmsBackend(ConsoleBackend):
    """Appends each message to ``<SMS_FILE_PATH>/sms-<date>.log``, one line each (UTF-8)."""

    def __init__(self, *, file_path: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        path = file_path or settings.SMS_FILE_PATH
        if not path:
            raise ImproperlyConfigured("The file SMS backend needs SMS_FILE_PATH.")
        self.folder = Path(path)

    def send_messages(self, messages: list[Sms]) -> list[Outcome]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / f"sms-{dt.date.today():%Y%m%d}.log", "a", encoding="utf-8") as self.stream:
            return super().send_messages(messages)
