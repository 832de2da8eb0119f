"""The contract every Mailer adapter keeps: a message arrives whole, or DeliveryFailed says why.

Subclass ``MailerContract`` (as ``Test...``) and override two fixtures: ``mailer``, the
adapter, and ``delivered``, an async function returning every message that has arrived so
far, read back from wherever the adapter puts them (a list, .eml files, a real SMTP
server, the log) as ``Delivered`` records.

What the port promises, as the cases below pin it down:

- A message arrives with its recipient, subject, body, tenant and message id intact. The
  body may come back with CRLF line endings and a final newline (MIME text ends with one);
  nothing else changes. Subjects and bodies may hold any Unicode.
- No message id is invented: one sent without an id arrives without a FunFlights id. One
  sent twice arrives twice with the same id (recognising it is the reader's business).
- A message is delivered to exactly ``to`` or refused with ``DeliveryFailed(permanent=True)``:
  never delivered to another address, never refused with another exception, and never as
  a transient failure, since no retry can mend an address. Which odd addresses an adapter
  refuses is its own business: the fakes take any string, SMTP refuses what it cannot put
  on RCPT TO unchanged.
"""

from __future__ import annotations

import abc
import asyncio
import email.policy
import re
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from email.parser import BytesParser

import attrs
import pytest

from funflights_core.mailer import DeliveryFailed, Email, Mailer


@attrs.frozen
class Delivered:
    """One message as it arrived, whatever the adapter."""

    tenant_id: str
    to: str
    subject: str
    body: str
    message_id: str | None


ReadDelivered = Callable[[], Awaitable[list[Delivered]]]

_MESSAGE_ID = re.compile(r"<(?P<id>.*)@funflights>")
_FOLD = re.compile(r"\r?\n(?=[ \t])")


def delivered_from_bytes(raw: bytes, *, to: str | None = None) -> Delivered:
    """Read a message in RFC 5322 form; ``to`` is the envelope recipient when there was one.

    Without an envelope the recipient is the To header as written (unfolded, not parsed),
    since the header parser would turn ``a,b@example.com`` into two addresses.
    """
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    if to is None:
        raw_to = dict(message.raw_items())["To"]
        to = _FOLD.sub("", raw_to)
    header = message["Message-ID"]
    match = _MESSAGE_ID.fullmatch(str(header).strip()) if header is not None else None
    content = message.get_content()
    assert isinstance(content, str)
    return Delivered(
        tenant_id=str(message["X-FunFlights-Tenant"]),
        to=to,
        subject=str(message["Subject"]),
        body=content,
        message_id=match.group("id") if match else None,
    )


def _text(value: str) -> str:
    # SMTP carries lines with CRLF, and MIME text ends with a newline.
    return value.replace("\r\n", "\n").removesuffix("\n")


def assert_arrived(delivered: Delivered, sent: Email) -> None:
    """``delivered`` is ``sent``, up to line endings and a final newline in the body."""
    assert delivered.to == sent.to
    assert delivered.subject == sent.subject
    assert _text(delivered.body) == _text(sent.body)
    assert delivered.tenant_id == sent.tenant_id
    assert delivered.message_id == sent.message_id


WELCOME = Email(
    tenant_id="acme",
    to="ada@example.com",
    subject="Confirm your email address",
    body="Welcome to Acme. Confirm your address with this code:\n\n4f9c1e\n",
    message_id="evt-0001",
)

TEXTS = {
    "unicode": ("Ihr Flug nach Zürich ✈ 東京 — bestätigt", "Grüße, Ada 🛫\n良い旅を\n"),
    "long unicode subject": ("Réservation confirmée : " + "Paris → Tōkyō, " * 12, "Bon voyage"),
    "dots, long line, trailing spaces": ("Lines", ".\n..\n.hidden\nend  \n" + "x" * 1500),
    "empty body": ("Nothing to say", ""),
    "no final newline": ("Code", "123456"),
}

ODD_RECIPIENTS = {
    "angle bracket (normalise_email lets it pass)": "a<b@example.com",
    "quote (normalise_email lets it pass)": 'a"b@example.com',
    "comma": "a,b@example.com",
    "no domain": "ada@",
    "spaces": "not an address",
    "empty": "",
    "header injection": "ada@example.com\r\nBcc: eve@example.com",
    "non-ASCII local part": "ädä@example.com",
}


class MailerContract(abc.ABC):
    """Cases every mailer adapter must pass."""

    @pytest.fixture
    @abc.abstractmethod
    def mailer(self) -> Mailer:
        """The adapter, with nothing sent yet."""

    @pytest.fixture
    @abc.abstractmethod
    def delivered(self) -> ReadDelivered:
        """Reads back what the ``mailer`` fixture has delivered so far."""

    # --- arriving whole --------------------------------------------------------------------

    async def test_a_message_arrives_whole(self, mailer: Mailer, delivered: ReadDelivered) -> None:
        await mailer.send(WELCOME)

        [arrived] = await delivered()
        assert_arrived(arrived, WELCOME)

    @pytest.mark.parametrize(("subject", "body"), TEXTS.values(), ids=TEXTS.keys())
    async def test_any_text_survives(
        self, mailer: Mailer, delivered: ReadDelivered, subject: str, body: str
    ) -> None:
        sent = attrs.evolve(WELCOME, subject=subject, body=body)

        await mailer.send(sent)

        [arrived] = await delivered()
        assert_arrived(arrived, sent)

    # --- message ids -----------------------------------------------------------------------

    async def test_no_message_id_is_invented(
        self, mailer: Mailer, delivered: ReadDelivered
    ) -> None:
        sent = attrs.evolve(WELCOME, message_id=None)

        await mailer.send(sent)

        [arrived] = await delivered()
        assert_arrived(arrived, sent)

    async def test_a_message_sent_twice_arrives_twice_with_one_id(
        self, mailer: Mailer, delivered: ReadDelivered
    ) -> None:
        await mailer.send(WELCOME)
        await mailer.send(WELCOME)

        first, second = await delivered()
        assert first == second
        assert_arrived(first, WELCOME)

    # --- several messages ------------------------------------------------------------------

    async def test_concurrent_sends_all_arrive(
        self, mailer: Mailer, delivered: ReadDelivered
    ) -> None:
        sent = [
            attrs.evolve(WELCOME, to=f"user{n}@example.com", message_id=f"evt-{n}")
            for n in range(10)
        ]

        await asyncio.gather(*(mailer.send(message) for message in sent))

        arrived = sorted(await delivered(), key=lambda d: d.message_id or "")
        assert len(arrived) == len(sent)
        for one, message in zip(
            arrived, sorted(sent, key=lambda e: e.message_id or ""), strict=True
        ):
            assert_arrived(one, message)

    # --- odd recipients --------------------------------------------------------------------

    @pytest.mark.parametrize("to", ODD_RECIPIENTS.values(), ids=ODD_RECIPIENTS.keys())
    async def test_an_odd_recipient_gets_it_exactly_or_it_is_refused_for_good(
        self, mailer: Mailer, delivered: ReadDelivered, to: str
    ) -> None:
        sent = attrs.evolve(WELCOME, to=to)

        refusal: DeliveryFailed | None = None
        try:
            await mailer.send(sent)
        except DeliveryFailed as failed:
            refusal = failed

        if refusal is None:
            [arrived] = await delivered()
            assert_arrived(arrived, sent)
        else:
            assert refusal.permanent, f"{to!r} refused as transient: {refusal}"
            assert await delivered() == []
