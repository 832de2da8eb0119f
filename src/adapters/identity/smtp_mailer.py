"""Mailer over SMTP (aiosmtplib): submission to a relay or a mail provider's server."""

from __future__ import annotations

import base64
import logging
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import aiosmtplib
from aiosmtplib.email import parse_address

from adapters.clocks import SystemClock
from adapters.identity.mailers import message_id_header
from funflights_core.clock import Clock
from funflights_core.mailer import DeliveryFailed, Email

_log = logging.getLogger("funflights.mail.smtp")

_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})

_UNREACHABLE = (
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPTimeoutError,
)


class SmtpMailer:
    """Sends each message over its own SMTP connection.

    ``starttls`` upgrades a plain connection before anything else is said (port 587);
    ``use_tls`` speaks TLS from the first byte (port 465); with neither, nothing is
    encrypted, which is only allowed with credentials when the server is on this machine.
    ``timeout_s`` bounds each step (connecting, each command), not the whole send.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        use_tls: bool = False,
        timeout_s: float = 10.0,
        tls_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        if starttls and use_tls:
            raise ValueError(
                "starttls and use_tls exclude each other: starttls upgrades a plain "
                "connection (port 587), use_tls starts with TLS (port 465)"
            )
        if password is not None and username is None:
            raise ValueError("an SMTP password needs a username")
        if username is not None and not (starttls or use_tls) and host not in _LOOPBACK:
            raise ValueError(
                f"SMTP credentials would cross the network to {host} unencrypted: "
                "set starttls or use_tls"
            )
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        _, envelope_sender = parseaddr(sender)
        if "@" not in envelope_sender:
            raise ValueError(f"sender {sender!r} has no address")
        self._host = host
        self._port = port
        self._sender = sender
        self._envelope_sender = envelope_sender
        self._username = username
        self._password = password
        self._starttls = starttls
        self._use_tls = use_tls
        self._timeout_s = timeout_s
        self._tls_context = tls_context
        self._local_hostname = local_hostname
        self._clock: Clock = clock or SystemClock()

    def __repr__(self) -> str:
        # Spelled out so that the password can never reach a log through a repr.
        return f"SmtpMailer({self._host!r}, {self._port}, sender={self._sender!r})"

    async def send(self, email: Email) -> None:
        """Deliver one message, or raise ``DeliveryFailed`` (``permanent`` for 5xx replies)."""
        message = self._message(email)
        client = aiosmtplib.SMTP(
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            use_tls=self._use_tls,
            # False, not aiosmtplib's None: an opportunistic upgrade would fail on a local
            # relay with a self-signed certificate although nobody asked for TLS.
            start_tls=self._starttls,
            timeout=self._timeout_s,
            tls_context=self._tls_context,
            local_hostname=self._local_hostname,
        )
        accepted = False
        try:
            await client.connect()
            await client.send_message(message, sender=self._envelope_sender, recipients=[email.to])
            accepted = True
        except (aiosmtplib.SMTPException, OSError, ValueError) as exc:
            # A reply to AUTH (or any reply that echoes the password) is not chained: the
            # failure's own text is redacted, but a logged traceback would show the cause.
            if isinstance(exc, aiosmtplib.SMTPAuthenticationError) or self._echoes_secret(exc):
                raise self._failure(exc) from None
            raise self._failure(exc) from exc
        finally:
            if not accepted:
                # Dropping the connection makes the server discard the half-made transaction.
                client.close()
        await _quit(client)
        _log.debug("mail %s accepted by %s:%d", email.message_id, self._host, self._port)

    def _message(self, email: Email) -> EmailMessage:
        # aiosmtplib puts the address on RCPT TO after parsing it leniently
        # ("a<b@example.com" becomes "b@example.com"), so anything it would rewrite is
        # refused here rather than delivered to someone else.
        try:
            acceptable = parse_address(email.to) == email.to
        except ValueError:
            acceptable = False
        if not acceptable or "@" not in email.to:
            raise DeliveryFailed(f"recipient {email.to!r} is not a mailbox", permanent=True)
        message = EmailMessage()
        try:
            message["From"] = self._sender
            message["To"] = email.to
            message["Subject"] = email.subject
            message["Date"] = format_datetime(self._clock.now())
            if email.message_id is not None:
                message["Message-ID"] = message_id_header(email.message_id)
            message["X-FunFlights-Tenant"] = email.tenant_id
            message.set_content(email.body)
        except (ValueError, IndexError) as exc:
            # The header parser refuses line breaks and chokes on some malformed
            # addresses; the same message would fail the same way on every retry.
            raise DeliveryFailed(f"cannot build the message: {exc}", permanent=True) from exc
        return message

    def _failure(self, exc: Exception) -> DeliveryFailed:
        where = f"SMTP server {self._host}:{self._port}"
        if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
            codes = [refused.code for refused in exc.recipients]
            replies = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            return DeliveryFailed(
                self._redact(f"{where} refused the recipient: {replies}"),
                permanent=all(_is_permanent(code) for code in codes),
            )
        if isinstance(exc, aiosmtplib.SMTPResponseException):
            what = {
                aiosmtplib.SMTPSenderRefused: "refused the sender",
                aiosmtplib.SMTPAuthenticationError: "refused the credentials",
                aiosmtplib.SMTPDataError: "refused the message",
                aiosmtplib.SMTPConnectResponseError: "refused the connection",
            }.get(type(exc), "answered")
            return DeliveryFailed(
                self._redact(f"{where} {what}: {exc.code} {exc.message}"),
                permanent=_is_permanent(exc.code),
            )
        if isinstance(exc, _UNREACHABLE):
            return DeliveryFailed(self._redact(f"{where}: {exc.message}"))
        if isinstance(exc, aiosmtplib.SMTPException):
            # What is left is the server lacking something this mailer was configured to
            # need (STARTTLS, AUTH, SMTPUTF8): retrying cannot change that.
            return DeliveryFailed(self._redact(f"{where}: {exc.message}"), permanent=True)
        if isinstance(exc, OSError):
            # Certificate and TLS failures during STARTTLS arrive unwrapped; like a refused
            # connection they may be fixed on the server's side without any change here.
            return DeliveryFailed(self._redact(f"{where}: {exc}"))
        return DeliveryFailed(self._redact(f"cannot send to {where}: {exc}"), permanent=True)

    def _echoes_secret(self, exc: Exception) -> bool:
        text = repr(exc.args)
        return self._redact(text) != text

    def _redact(self, text: str) -> str:
        if not self._password:
            return text
        secrets = [self._password]
        for raw in (self._password, f"\0{self._username}\0{self._password}"):
            secrets.append(base64.b64encode(raw.encode()).decode())
        for secret in secrets:
            text = text.replace(secret, "[redacted]")
        return text


async def _quit(client: aiosmtplib.SMTP) -> None:
    # The message is accepted once DATA is answered; a failed goodbye must not turn that
    # into a DeliveryFailed, or the outbox would send the message again.
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        pass
    finally:
        client.close()


def _is_permanent(code: int) -> bool:
    return 500 <= code < 600
