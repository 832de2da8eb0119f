"""Mailer that writes to the log (``make run``): nothing leaves the machine."""

from __future__ import annotations

import logging

from funflights_core.mailer import Email


class LogMailer:
    """Logs one INFO line per message; the body only at DEBUG.

    Bodies hold sign-in and reset codes, so they stay out of a log kept at INFO; a
    developer who wants the codes turns ``funflights.mail`` up to DEBUG. Each record also
    carries the fields as attributes (``mail_to``, ``mail_subject``, ``mail_message_id``,
    ``mail_tenant``; ``mail_body`` on the DEBUG one) for structured log handlers.
    """

    def __init__(self, logger_name: str = "funflights.mail") -> None:
        self._log = logging.getLogger(logger_name)

    async def send(self, email: Email) -> None:
        """Log the message; it is never refused."""
        fields = {
            "mail_to": email.to,
            "mail_subject": email.subject,
            "mail_message_id": email.message_id,
            "mail_tenant": email.tenant_id,
        }
        # %r, not %s: a line break in an address or subject cannot forge a log line.
        self._log.info(
            "mail to %r subject %r message id %s tenant %r",
            email.to,
            email.subject,
            email.message_id,
            email.tenant_id,
            extra=fields,
        )
        self._log.debug(
            "mail body for %r (message id %s):\n%s",
            email.to,
            email.message_id,
            email.body,
            extra={**fields, "mail_body": email.body},
        )
