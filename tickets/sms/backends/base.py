from .. import Outcome, Sms


class BaseSmsBackend:
    """Send each message; answer one ``Outcome`` per message, in order. Never raises for a message that failed."""

    def __init__(self, **kwargs) -> None:
        pass

    def send_messages(self, messages: list[Sms]) -> list[Outcome]:
        raise NotImplementedError
