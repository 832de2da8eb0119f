"""The Mailer port: email leaves the domain through it (verification, password reset)."""

from typing import Protocol

import attrs


@attrs.frozen
class Email:
    """A plain-text message to one recipient."""

    tenant_id: str
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    """Delivers email (SMTP in production; a folder of .eml files in development)."""

    async def send(self, email: Email) -> None:
        """Deliver one message or raise."""
        ...
