"""A real SMTP server on 127.0.0.1 for the mail tests: aiosmtpd in its own thread.

``running_smtp_server(inbox)`` starts one on a port the kernel picks (no guessing, no
clash between parallel runs) and always stops it. ``SmtpInbox`` records what arrives and
can be told to answer a command with a given reply instead of accepting it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LOCALHOST = "127.0.0.1"


@attrs.frozen
class Received:
    """One message as the server took it: the envelope and the bytes after DATA."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    login: bytes | None
    tls: bool


@attrs.define
class SmtpInbox:
    """The server's handler: keeps what arrives, or answers with ``replies[command]``."""

    received: list[Received] = attrs.Factory(list)
    replies: dict[str, str] = attrs.Factory(dict)

    async def handle_MAIL(  # noqa: N802 (aiosmtpd's hook names)
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        """Accept the sender unless told otherwise."""
        if "MAIL" in self.replies:
            return self.replies["MAIL"]
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """Accept the recipient unless told otherwise."""
        if "RCPT" in self.replies:
            return self.replies["RCPT"]
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        """Keep the message unless told otherwise."""
        if "DATA" in self.replies:
            return self.replies["DATA"]
        content = envelope.original_content or b""
        login = getattr(session.auth_data, "login", None)
        # session.ssl is only set by STARTTLS; implicit TLS shows on the transport.
        transport = server.transport
        tls = session.ssl is not None or (
            transport is not None and transport.get_extra_info("sslcontext") is not None
        )
        self.received.append(
            Received(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                content=content,
                login=login,
                tls=tls,
            )
        )
        return "250 Message accepted for delivery"

    async def handle_QUIT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        """Say goodbye, or what it was told to."""
        return self.replies.get("QUIT", "221 Bye")


class _AnyPortController(Controller):
    """Binds to port 0 and learns the port the kernel chose before it is first used."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


@contextmanager
def running_smtp_server(inbox: SmtpInbox, **smtp_options: Any) -> Iterator[Controller]:
    """An SMTP server on 127.0.0.1 handing messages to ``inbox``; ``.port`` says where."""
    controller = _AnyPortController(inbox, hostname=LOCALHOST, port=0, **smtp_options)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@attrs.frozen
class TlsPair:
    """A server context with a self-signed certificate for 127.0.0.1, and a client trusting it."""

    server: ssl.SSLContext
    client: ssl.SSLContext


def self_signed_tls(tmp_dir: Path) -> TlsPair:
    """A fresh certificate for 127.0.0.1 in ``tmp_dir``, and the two contexts using it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, LOCALHOST)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOCALHOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    cert_file = tmp_dir / "smtp-cert.pem"
    key_file = tmp_dir / "smtp-key.pem"
    cert_file.write_bytes(cert_pem)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cadata=cert_pem.decode())
    return TlsPair(server=server, client=client)
