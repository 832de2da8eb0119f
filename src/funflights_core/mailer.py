"""The Mailer port: email leaves the domain through it (verification, reset, trip news)."""

from typing import Protocol

import attrs

from funflights_core.errors import FunFlightsError


@attrs.frozen
class Email:
    """A plain-text message to one recipient."""

    tenant_id: str
    to: str
    subject: str
    body: str
    message_id: str | None = None
    """A stable id (an outbox event's): a message sent twice is recognisably one message."""


class DeliveryFailed(FunFlightsError):
    """The message did not leave; ``permanent`` when trying again cannot help."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Mailer(Protocol):
    """Delivers email (SMTP in production; a folder of .eml files or the log in development)."""

    async def send(self, email: Email) -> None:
        """Deliver one message, or raise ``DeliveryFailed``."""
        ...
