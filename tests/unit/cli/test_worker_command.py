"""``funflights worker``: an outbox event leaves by SMTP, once; a mail server down is retried."""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from adapters.clocks import ManualClock
from adapters.identity.mailers import InMemoryMailer
from adapters.inventory.in_memory_inventory import InMemoryInventory
from adapters.persistence.engine import create_engine
from adapters.persistence.in_memory import InMemoryDatabase
from adapters.persistence.sql_unit_of_work import SqlUnitOfWorkFactory
from entrypoints.bootstrap import build_bookings, build_inventory, build_pricing
from entrypoints.cli import main
from entrypoints.settings import Settings
from entrypoints.worker import housekeeping
from funflights_core.flight import CabinClass
from funflights_core.money import Money
from funflights_core.offer import Offer
from funflights_core.outbox import EventKind, OutboxEvent
from funflights_core.passengers import Passengers
from smtp_server import SmtpInbox, running_smtp_server


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for key in list(os.environ):
        if key.startswith("FUNFLIGHTS_") and not key.startswith("FUNFLIGHTS_TEST_"):
            monkeypatch.delenv(key)
    environment = {"FUNFLIGHTS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'ff.db'}"}
    assert run(environment, "db", "upgrade").exit_code == 0
    return environment


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


async def _with_database(url: str, work: str) -> list[str]:
    engine = create_engine(url)
    database = SqlUnitOfWorkFactory(engine)
    try:
        if work == "add":
            async with database.for_tenant("default") as uow:
                await uow.outbox.add(
                    OutboxEvent(
                        "event-1",
                        "default",
                        EventKind.BOOKING_CONFIRMED,
                        "booking-1",
                        {"email": "ada@example.com", "name": "Ada", "record_locator": "ABC234"},
                        datetime.now(UTC),
                    )
                )
                await uow.commit()
            return []
        async with database.for_tenant("default") as uow:
            events = await uow.outbox.for_subject("booking-1")
        return [f"{e.state}:{e.attempts}" for e in events]
    finally:
        await engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_event_is_mailed_once(env: dict[str, str]) -> None:
    url = env["FUNFLIGHTS_DATABASE_URL"]
    asyncio.run(_with_database(url, "add"))
    inbox = SmtpInbox()
    with running_smtp_server(inbox) as server:
        smtp = {
            **env,
            "FUNFLIGHTS_SMTP_HOST": "127.0.0.1",
            "FUNFLIGHTS_SMTP_PORT": str(server.port),
            "FUNFLIGHTS_SMTP_STARTTLS": "false",
        }
        first = run(smtp, "worker", "--once")
        second = run(smtp, "worker", "--once")

    assert first.exit_code == 0, first.output
    assert "delivered 1" in first.output
    assert second.output == ""  # nothing left to do
    assert len(inbox.received) == 1
    message = inbox.received[0].content.decode()
    assert "ABC234 is confirmed" in message
    assert "Message-ID: <event-1@funflights>" in message
    assert asyncio.run(_with_database(url, "read")) == ["delivered:1"]


def test_a_mail_server_down_is_retried_later(env: dict[str, str]) -> None:
    url = env["FUNFLIGHTS_DATABASE_URL"]
    asyncio.run(_with_database(url, "add"))
    down = {
        **env,
        "FUNFLIGHTS_SMTP_HOST": "127.0.0.1",
        "FUNFLIGHTS_SMTP_PORT": str(free_port()),
        "FUNFLIGHTS_SMTP_STARTTLS": "false",
    }
    result = run(down, "worker", "--once")

    assert result.exit_code == 0, result.output
    assert "retrying 1" in result.output
    assert "Traceback" not in result.output
    assert asyncio.run(_with_database(url, "read")) == ["pending:1"]


def test_bad_settings_are_a_clear_error(env: dict[str, str]) -> None:
    result = run({**env, "FUNFLIGHTS_REFUND_TIERS": "lots"}, "worker", "--once")
    assert result.exit_code != 0
    assert "FUNFLIGHTS_REFUND_TIERS" in result.output
    assert "Traceback" not in result.output


async def test_a_worker_pass_forgets_offers_and_keys_kept_long_enough() -> None:
    clock = ManualClock(datetime(2026, 6, 1, tzinfo=UTC))
    database = InMemoryDatabase()
    settings = Settings(fx_sources="fixed", fx_fixed_rates="EUR USD=1.08")
    pricing = build_pricing(settings, database=database, clock=clock, http_client=None)
    inventory = build_inventory(InMemoryInventory(), pricing, database=database, clock=clock)
    parts = build_bookings(
        Settings(payments_secret="housekeeping-secret-" * 3),
        database=database,
        inventory=inventory,
        pricing=pricing,
        clock=clock,
        mailer=InMemoryMailer(),
    )
    eur = pricing.currencies.currency("EUR")
    async with database.for_tenant("default") as uow:
        await uow.offers.add(
            Offer(
                "offer-1", "default", None, ("F1",), CabinClass.ECONOMY, Passengers(),
                "EUR", (), Money.of(100, eur), clock.now(), clock.now() + timedelta(minutes=20),
            )
        )  # fmt: skip
        await uow.commit()
    await parts.idempotency.claim("default", "key-1", "user:ada", "f" * 64)

    assert await housekeeping(parts) == 0
    clock.advance(25 * 3600)
    assert await housekeeping(parts) == 2
