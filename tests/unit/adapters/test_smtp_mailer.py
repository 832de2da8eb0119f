"""SmtpMailer against a real SMTP server on 127.0.0.1, and LogMailer: beyond the contract."""

from __future__ import annotations

import email.policy
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from adapters.clocks import ManualClock
from adapters.identity.log_mailer import LogMailer
from adapters.identity.smtp_mailer import SmtpMailer
from funflights_core.mailer import DeliveryFailed, Email
from smtp_server import LOCALHOST, SmtpInbox, TlsPair, running_smtp_server, self_signed_tls

PASSWORD = "s3cret-Pa55word"

WELCOME = Email(
    tenant_id="acme",
    to="ada@example.com",
    subject="Confirm your email address",
    body="Confirm your address with this code:\n\n4f9c1e\n",
    message_id="evt-0001",
)


def smtp_mailer(port: int, **options: Any) -> SmtpMailer:
    """A mailer for the local test server; ``options`` override the defaults."""
    settings: dict[str, Any] = {
        "sender": "FunFlights <no-reply@funflights.example>",
        "local_hostname": "localhost",
        "timeout_s": 5.0,
        **options,
    }
    return SmtpMailer(LOCALHOST, port, **settings)


def parsed(content: bytes) -> EmailMessage:
    message = BytesParser(policy=email.policy.default).parsebytes(content)
    assert isinstance(message, EmailMessage)
    return message


@pytest.fixture
def inbox() -> SmtpInbox:
    return SmtpInbox()


@pytest.fixture
def server_port(inbox: SmtpInbox) -> Iterator[int]:
    with running_smtp_server(inbox) as server:
        yield server.port


# --- the message on the wire ----------------------------------------------------------------


async def test_the_message_carries_its_headers(inbox: SmtpInbox, server_port: int) -> None:
    clock = ManualClock(datetime(2026, 3, 1, 9, 30, tzinfo=UTC))

    await smtp_mailer(server_port, clock=clock).send(WELCOME)

    [received] = inbox.received
    assert received.mail_from == "no-reply@funflights.example"
    assert received.rcpt_tos == ("ada@example.com",)
    message = parsed(received.content)
    assert message["From"] == "FunFlights <no-reply@funflights.example>"
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Confirm your email address"
    assert message["Date"].datetime == clock.now()
    assert message["Message-ID"] == "<evt-0001@funflights>"
    assert message["X-FunFlights-Tenant"] == "acme"


async def test_an_address_aiosmtplib_would_rewrite_never_reaches_the_server(
    inbox: SmtpInbox, server_port: int
) -> None:
    # aiosmtplib alone would send RCPT TO:<b@example.com>: someone else's mailbox.
    with pytest.raises(DeliveryFailed) as failed:
        await smtp_mailer(server_port).send(
            Email("acme", "a<b@example.com>", "Reset your password", "123456")
        )

    assert failed.value.permanent
    assert inbox.received == []


async def test_a_failed_goodbye_after_acceptance_is_not_a_failure(
    inbox: SmtpInbox, server_port: int
) -> None:
    # Reporting it would make the outbox send an accepted message again.
    inbox.replies["QUIT"] = "421 Going away"

    await smtp_mailer(server_port).send(WELCOME)

    assert len(inbox.received) == 1


# --- failures: permanent or worth retrying ---------------------------------------------------


@pytest.mark.parametrize(
    ("command", "reply", "permanent"),
    [
        ("RCPT", "550 5.1.1 No such user here", True),
        ("RCPT", "451 4.3.0 Try again later", False),
        ("RCPT", "452 4.2.2 Mailbox full", False),
        ("MAIL", "553 5.7.1 Sender not allowed", True),
        ("MAIL", "421 4.7.0 Too many connections", False),
        ("DATA", "554 5.6.0 Message rejected", True),
        ("DATA", "451 4.7.1 Greylisted, come back later", False),
    ],
)
async def test_replies_map_to_permanent_or_transient_failures(
    inbox: SmtpInbox, server_port: int, command: str, reply: str, permanent: bool
) -> None:
    inbox.replies[command] = reply

    with pytest.raises(DeliveryFailed) as failed:
        await smtp_mailer(server_port).send(WELCOME)

    assert failed.value.permanent is permanent
    assert reply.split(" ", 1)[0] in str(failed.value)
    assert inbox.received == []


async def test_nothing_listening_is_transient() -> None:
    # A bound socket that does not listen: the port is certainly closed and stays ours.
    with socket.socket() as closed:
        closed.bind((LOCALHOST, 0))
        port = closed.getsockname()[1]

        with pytest.raises(DeliveryFailed) as failed:
            await smtp_mailer(port).send(WELCOME)

    assert not failed.value.permanent


async def test_a_server_that_never_greets_times_out_as_transient() -> None:
    # Listening but never accepting: the connection opens and no greeting ever comes.
    with socket.socket() as silent:
        silent.bind((LOCALHOST, 0))
        silent.listen(1)
        port = silent.getsockname()[1]

        with pytest.raises(DeliveryFailed) as failed:
            await smtp_mailer(port, timeout_s=0.05).send(WELCOME)

    assert not failed.value.permanent


# --- authentication --------------------------------------------------------------------------


def authenticator(
    server: SMTP, session: object, envelope: object, mechanism: str, auth_data: object
) -> AuthResult:
    """Accepts ada with PASSWORD only."""
    ok = isinstance(auth_data, LoginPassword) and auth_data == (b"ada", PASSWORD.encode())
    # handled=False: aiosmtpd then answers 535 itself instead of staying silent.
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


# aiosmtpd warns on every connection that AUTH without TLS is unsafe: here it is the point.
plain_text_auth = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture
def auth_server_port(inbox: SmtpInbox) -> Iterator[int]:
    with running_smtp_server(
        inbox, authenticator=authenticator, auth_required=True, auth_require_tls=False
    ) as server:
        yield server.port


@plain_text_auth
async def test_authentication_with_the_right_password_delivers(
    inbox: SmtpInbox, auth_server_port: int
) -> None:
    await smtp_mailer(auth_server_port, username="ada", password=PASSWORD).send(WELCOME)

    [received] = inbox.received
    assert received.login == b"ada"


@plain_text_auth
async def test_a_wrong_password_is_permanent_and_never_repeated(
    inbox: SmtpInbox, auth_server_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wr0ng-" + PASSWORD
    mailer = smtp_mailer(auth_server_port, username="ada", password=wrong)

    with pytest.raises(DeliveryFailed) as failed:
        await mailer.send(WELCOME)

    assert failed.value.permanent
    assert "535" in str(failed.value)
    assert failed.value.__cause__ is None
    for text in (str(failed.value), repr(failed.value.args), repr(mailer), caplog.text):
        assert wrong not in text
    assert inbox.received == []


@plain_text_auth
async def test_without_credentials_a_server_requiring_them_refuses_for_good(
    inbox: SmtpInbox, auth_server_port: int
) -> None:
    with pytest.raises(DeliveryFailed) as failed:
        await smtp_mailer(auth_server_port).send(WELCOME)

    assert failed.value.permanent


@plain_text_auth
async def test_the_password_is_redacted_from_a_server_that_echoes_it(
    inbox: SmtpInbox, auth_server_port: int
) -> None:
    inbox.replies["RCPT"] = f"550 5.1.1 unknown user; by the way your password is {PASSWORD}"

    with pytest.raises(DeliveryFailed) as failed:
        await smtp_mailer(auth_server_port, username="ada", password=PASSWORD).send(WELCOME)

    assert PASSWORD not in str(failed.value)
    assert "[redacted]" in str(failed.value)
    assert failed.value.__cause__ is None
    assert failed.value.permanent


# --- TLS ---------------------------------------------------------------------------------------


@pytest.fixture
def tls(tmp_path: Path) -> TlsPair:
    return self_signed_tls(tmp_path)


async def test_starttls_upgrades_before_logging_in(inbox: SmtpInbox, tls: TlsPair) -> None:
    with running_smtp_server(
        inbox, authenticator=authenticator, tls_context=tls.server, require_starttls=True
    ) as server:
        mailer = smtp_mailer(
            server.port, starttls=True, tls_context=tls.client, username="ada", password=PASSWORD
        )
        await mailer.send(WELCOME)

    [received] = inbox.received
    assert received.tls
    assert received.login == b"ada"


async def test_starttls_against_a_server_without_it_refuses_for_good(
    inbox: SmtpInbox, server_port: int, tls: TlsPair
) -> None:
    with pytest.raises(DeliveryFailed) as failed:
        await smtp_mailer(server_port, starttls=True, tls_context=tls.client).send(WELCOME)

    assert failed.value.permanent
    assert inbox.received == []


async def test_implicit_tls_speaks_tls_from_the_start(inbox: SmtpInbox, tls: TlsPair) -> None:
    with running_smtp_server(inbox, ssl_context=tls.server) as server:
        await smtp_mailer(server.port, use_tls=True, tls_context=tls.client).send(WELCOME)

    [received] = inbox.received
    assert received.tls


async def test_an_untrusted_certificate_is_transient(inbox: SmtpInbox, tls: TlsPair) -> None:
    # The default trust store does not know the test's certificate.
    with (
        running_smtp_server(inbox, ssl_context=tls.server) as server,
        pytest.raises(DeliveryFailed) as failed,
    ):
        await smtp_mailer(server.port, use_tls=True).send(WELCOME)

    assert not failed.value.permanent
    assert inbox.received == []


# --- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"starttls": True, "use_tls": True}, "exclude each other"),
        ({"username": "ada", "password": PASSWORD}, "unencrypted"),
        ({"password": PASSWORD}, "needs a username"),
        ({"sender": "nobody"}, "has no address"),
        ({"timeout_s": 0}, "positive"),
    ],
)
def test_unsafe_or_impossible_settings_are_refused(options: dict[str, Any], message: str) -> None:
    settings: dict[str, Any] = {"sender": "no-reply@funflights.example", **options}

    with pytest.raises(ValueError, match=message) as refused:
        SmtpMailer("smtp.example.com", 25, **settings)

    assert PASSWORD not in str(refused.value)


def test_credentials_in_plain_text_are_allowed_to_this_machine_only() -> None:
    SmtpMailer("localhost", 25, sender="a@example.com", username="ada", password=PASSWORD)
    SmtpMailer("127.0.0.1", 25, sender="a@example.com", username="ada", password=PASSWORD)


# --- LogMailer -----------------------------------------------------------------------------------


async def test_log_mailer_logs_one_info_line_without_the_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="funflights.mail")

    await LogMailer().send(WELCOME)

    [record] = caplog.records
    assert record.levelno == logging.INFO
    line = record.getMessage()
    for part in ("ada@example.com", "Confirm your email address", "evt-0001", "acme"):
        assert part in line
    assert "4f9c1e" not in caplog.text


async def test_log_mailer_logs_the_body_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="funflights.mail")

    await LogMailer().send(WELCOME)

    info, debug = caplog.records
    assert info.levelno == logging.INFO
    assert debug.levelno == logging.DEBUG
    assert "4f9c1e" in debug.getMessage()


async def test_log_mailer_lines_cannot_be_forged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="funflights.mail")

    await LogMailer().send(
        Email("acme", "ada@example.com", "Hi\nINFO funflights.mail: forged", "body")
    )

    assert "\n" not in caplog.records[0].getMessage()
