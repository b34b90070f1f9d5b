import sys
import threading

from .. import Outcome, Sms
from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    """Writes each message to a stream (standard output): what a developer or the demo sees in the worker's log."""

    def __init__(self, *, stream=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def format(self, message: Sms) -> str:
        return f"SMS to {message.phone}: {message.text}\n"

    def send_messages(self, messages: list[Sms]) -> list[Outcome]:
        with self._lock:
            for message in messages:
                self.stream.write(self.format(message))
            self.stream.flush()
        return [Outcome(sent=True) for _message in messages]
