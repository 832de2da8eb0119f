"""Mailer adapters: a folder of .eml files (development), and a list in memory (tests)."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from pathlib import Path

from funflights_core.mailer import Email


def message_id_header(message_id: str) -> str:
    """The Message-ID header value for an email's stable id, the same in every adapter."""
    return f"<{message_id}@funflights>"


class MailFolder:
    """Writes each message as an .eml file, for a developer to open; nothing leaves."""

    def __init__(self, folder: Path, *, sender: str = "no-reply@funflights.example") -> None:
        self._folder = folder
        self._sender = sender
        self._count = 0

    async def send(self, email: Email) -> None:
        """Write the message to the folder."""
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message["X-FunFlights-Tenant"] = email.tenant_id
        if email.message_id is not None:
            message["Message-ID"] = message_id_header(email.message_id)
        message.set_content(email.body)
        self._count += 1
        await asyncio.to_thread(self._write, message)

    def _write(self, message: EmailMessage) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        existing = len(list(self._folder.glob("*.eml")))
        path = self._folder / f"{existing + 1:06d}.eml"
        path.write_bytes(bytes(message))


class InMemoryMailer:
    """Keeps sent messages in a list: the fake, for tests."""

    def __init__(self) -> None:
        self.sent: list[Email] = []

    async def send(self, email: Email) -> None:
        """Remember the message."""
        self.sent.append(email)

    def last_code(self, to: str) -> str:
        """The code in the last message to ``to`` (its last non-empty line of one word)."""
        for email in reversed(self.sent):
            if email.to == to:
                words = [line.strip() for line in email.body.splitlines() if line.strip()]
                return next(word for word in words if " " not in word)
        raise LookupError(f"no message to {to}")
