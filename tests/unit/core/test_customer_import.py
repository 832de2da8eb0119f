"""Customer imports over the fake database: idempotent, validated, all or nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.clocks import ManualClock
from adapters.identity.ids import SequentialIds
from adapters.persistence.in_memory import InMemoryDatabase
from entrypoints.customer_files import customer_lines
from funflights_core.customer_import import CustomerImporter, ImportReport, RejectedLine
from funflights_core.errors import InvalidInput, NotFound

ADA = {"external_id": "c-1", "email": "Ada@Example.com", "full_name": "Ada", "language": "en_gb"}
GRACE = {"external_id": "c-2", "email": "grace@example.com", "preferred_currency": "usd"}


@pytest.fixture
def database() -> InMemoryDatabase:
    return InMemoryDatabase()


def importer(database: InMemoryDatabase) -> CustomerImporter:
    clock = ManualClock(datetime(2030, 1, 1, tzinfo=UTC))
    return CustomerImporter(database=database, clock=clock, ids=SequentialIds("user"))


async def run(
    database: InMemoryDatabase, *rows: Mapping[str, Any] | InvalidInput, dry_run: bool = False
) -> ImportReport:
    numbered = list(enumerate(rows, start=1))
    return await importer(database).run("default", numbered, dry_run=dry_run)


async def count(database: InMemoryDatabase) -> int:
    async with database.for_tenant("default") as uow:
        return await uow.users.count()


async def test_new_customers_are_accepted_normalised_and_verified(
    database: InMemoryDatabase,
) -> None:
    report = await run(database, ADA, GRACE)

    assert (report.accepted, report.updated, report.unchanged, report.stored) == (2, 0, 0, True)
    async with database.for_tenant("default") as uow:
        ada = await uow.users.by_external_id("c-1")
    assert ada is not None
    assert (ada.email, ada.language, ada.email_verified) == ("ada@example.com", "en-GB", True)
    assert ada.password_hash is None
    assert ada.preferred_currency == "EUR"  # the tenant's default, as at registration


async def test_importing_the_same_file_again_changes_nothing(database: InMemoryDatabase) -> None:
    await run(database, ADA, GRACE)

    again = await run(database, ADA, GRACE)

    assert (again.accepted, again.updated, again.unchanged) == (0, 0, 2)
    assert await count(database) == 2


async def test_a_changed_line_updates_the_account(database: InMemoryDatabase) -> None:
    await run(database, ADA)

    report = await run(database, {**ADA, "full_name": "Ada King", "email": "ada@king.example"})

    assert (report.accepted, report.updated) == (0, 1)
    async with database.for_tenant("default") as uow:
        ada = await uow.users.by_external_id("c-1")
    assert ada is not None
    assert (ada.full_name, ada.email) == ("Ada King", "ada@king.example")


async def test_one_bad_line_stores_nothing_and_every_bad_line_is_reported(
    database: InMemoryDatabase,
) -> None:
    report = await run(
        database,
        ADA,
        {"external_id": "c-3", "email": "not-an-email"},
        {"email": "nobody@example.com"},
        {**GRACE, "language": "12", "shoe_size": "9"},
        InvalidInput("line", "is not valid JSON"),
        {**ADA, "email": "other@example.com"},
        {"external_id": "c-9", "email": "ADA@example.com"},
    )

    assert not report.stored
    assert report.rejected == (
        RejectedLine(2, "c-3", ("email: is not an email address",)),
        RejectedLine(3, None, ("external_id is required",)),
        RejectedLine(
            4,
            "c-2",
            ("unknown field(s): shoe_size", "language: use a language tag such as en or en-GB"),
        ),
        RejectedLine(5, None, ("is not valid JSON",)),
        RejectedLine(6, "c-1", ("external_id repeats line 1",)),
        RejectedLine(7, "c-9", ("email repeats line 1",)),
    )
    assert await count(database) == 0


async def test_an_email_of_another_account_is_rejected(database: InMemoryDatabase) -> None:
    await run(database, ADA)

    report = await run(database, {"external_id": "c-7", "email": "ada@example.com"})

    assert report.rejected == (RejectedLine(1, "c-7", ("email belongs to another account",)),)


async def test_a_dry_run_reports_and_stores_nothing(database: InMemoryDatabase) -> None:
    report = await run(database, ADA, GRACE, dry_run=True)

    assert (report.accepted, report.stored) == (2, False)
    assert await count(database) == 0


def test_csv_and_json_lines_are_numbered_as_in_the_file() -> None:
    csv_text = "external_id,email,full_name\nc-1,ada@example.com,Ada\n\nc-2,grace@example.com\n"
    jsonl_text = '{"external_id": "c-1", "email": "a@example.com"}\n[1]\n\n{'

    csv_rows = list(customer_lines(csv_text, "csv"))
    jsonl_rows = list(customer_lines(jsonl_text, "jsonl"))

    assert csv_rows[0] == (
        2,
        {"external_id": "c-1", "email": "ada@example.com", "full_name": "Ada"},
    )
    assert csv_rows[1][0] == 4
    assert isinstance(csv_rows[1][1], InvalidInput)
    assert [number for number, _ in jsonl_rows] == [1, 2, 3, 4]
    assert [type(row).__name__ for _, row in jsonl_rows] == [
        "dict",
        "InvalidInput",
        "InvalidInput",
        "InvalidInput",
    ]


def test_a_csv_header_with_unknown_columns_is_one_clear_rejection() -> None:
    rows = list(customer_lines("id,mail\n1,a@example.com\n", "csv"))

    assert len(rows) == 1
    number, problem = rows[0]
    assert number == 1
    assert isinstance(problem, InvalidInput)
    assert "unknown column(s): id, mail" in problem.reason


async def test_an_unknown_tenant_is_refused(database: InMemoryDatabase) -> None:
    with pytest.raises(NotFound):
        await importer(database).run("nowhere", [(1, ADA)])
