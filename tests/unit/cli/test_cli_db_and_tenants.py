"""``funflights db``, ``tenants`` and ``users`` against a real SQLite file (and PostgreSQL)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from entrypoints.cli import main

PASSWORD = "correct horse battery"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for key in list(os.environ):
        if key.startswith("FUNFLIGHTS_"):
            monkeypatch.delenv(key)
    return {"FUNFLIGHTS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'ff.db'}"}


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, input=stdin)


def test_upgrade_creates_the_database_and_is_idempotent(env: dict[str, str]) -> None:
    before = run(env, "db", "status")
    assert "no database yet; run 'funflights db upgrade'" in before.output

    first = run(env, "db", "upgrade")
    again = run(env, "db", "upgrade")

    assert first.exit_code == 0, first.output
    assert "migrated from empty to 0006" in first.output
    assert "is up to date (revision 0006)" in again.output
    assert "revision 0006, up to date" in run(env, "db", "status").output


def test_an_unreachable_database_is_a_clear_error(env: dict[str, str]) -> None:
    env = {"FUNFLIGHTS_DATABASE_URL": "postgresql+asyncpg://nobody:secret@127.0.0.1:9/none"}

    result = run(env, "db", "upgrade")

    assert result.exit_code == 1
    assert "cannot migrate postgresql+asyncpg://nobody:***@127.0.0.1:9/none" in result.output
    assert "secret" not in result.output
    assert "Traceback" not in result.output


def test_tenants_are_created_and_listed(env: dict[str, str]) -> None:
    run(env, "db", "upgrade")

    created = run(
        env,
        "tenants",
        "create",
        "acme",
        "--name",
        "Acme Travel",
        "--domain",
        "acme.example",
        "--currency",
        "gbp",
        "--locale",
        "en_GB",
        "--point-value-usd",
        "0.0125",
    )
    listed = run(env, "tenants", "list")

    assert created.exit_code == 0, created.output
    assert "created tenant acme (Acme Travel)" in created.output
    rows = [line.split() for line in listed.output.splitlines()[1:]]
    assert rows == [
        ["acme", "GBP", "en-GB", "api-key,password", "acme.example"],
        ["default", "EUR", "en", "api-key,password", "localhost", "127.0.0.1"],
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Bad_Id", "--name", "X"], "'id'"),
        (["acme", "--name", "X", "--currency", "euro"], "ISO 4217"),
        (["acme", "--name", "X", "--point-value-usd", "-1"], "positive"),
        (["default", "--name", "X"], "exists"),
    ],
)
def test_bad_tenants_are_refused_and_nothing_is_stored(
    env: dict[str, str], args: list[str], message: str
) -> None:
    run(env, "db", "upgrade")

    result = run(env, "tenants", "create", *args)

    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(run(env, "tenants", "list").output.splitlines()) == 2


def test_users_add_creates_an_admin_who_can_sign_in(env: dict[str, str]) -> None:
    run(env, "db", "upgrade")

    added = run(
        env,
        "users",
        "add",
        "Root@Example.com",
        "--role",
        "admin",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    duplicate = run(
        env, "users", "add", "root@example.com", "--role", "staff", "--password", PASSWORD
    )
    weak = run(env, "users", "add", "x@example.com", "--role", "staff", "--password", "short")

    assert added.exit_code == 0, added.output
    assert "created admin Root@Example.com in tenant default" in added.output
    assert duplicate.exit_code == 1
    assert "exists" in duplicate.output
    assert weak.exit_code == 2
    assert "at least 12 characters" in weak.output


def test_tenants_import_is_all_or_nothing_and_idempotent(
    env: dict[str, str], tmp_path: Path
) -> None:
    run(env, "db", "upgrade")
    good = tmp_path / "customers.csv"
    good.write_text(
        "external_id,email,full_name\nc-1,ada@example.com,Ada\nc-2,grace@example.com,\n"
    )
    bad = tmp_path / "more.jsonl"
    bad.write_text('{"external_id": "c-3", "email": "x@example.com"}\n{"external_id": "c-4"}\n')

    first = run(env, "tenants", "import", str(good), "--tenant", "default")
    again = run(env, "tenants", "import", str(good), "--tenant", "default")
    refused = run(env, "tenants", "import", str(bad), "--tenant", "default")
    unknown = run(env, "tenants", "import", str(good), "--tenant", "nowhere")

    assert first.exit_code == 0, first.output
    assert "2 new, 0 updated, 0 unchanged, 0 rejected: stored" in first.output
    assert "0 new, 0 updated, 2 unchanged, 0 rejected: stored" in again.output
    assert refused.exit_code == 1
    assert "line 2: email is required" in refused.output
    assert "1 new, 0 updated, 0 unchanged, 1 rejected: nothing stored" in refused.output
    assert unknown.exit_code == 1
    assert "no such tenant" in unknown.output


def test_demo_seed_creates_a_tenant_and_accounts_once(env: dict[str, str]) -> None:
    run(env, "db", "upgrade")

    first = run(env, "demo", "seed")
    again = run(env, "demo", "seed")

    assert first.exit_code == 0, first.output
    assert "created tenant acme (host acme.localhost)" in first.output
    assert "created admin admin@funflights.example in default" in first.output
    assert "created" not in again.output
    assert "funflights-demo-password" in again.output
    listed = run(env, "tenants", "list").output
    assert "acme.localhost" in listed


def test_serve_refuses_to_start_without_a_token_secret_outside_demo(env: dict[str, str]) -> None:
    short = run({**env, "FUNFLIGHTS_JWT_SECRET": "too-short"}, "serve", "--port", "1")
    missing = run(env, "serve", "--port", "1")

    assert missing.exit_code == 2
    assert "set FUNFLIGHTS_JWT_SECRET" in missing.output
    assert short.exit_code == 2
    assert "at least 32 bytes" in short.output
    assert "too-short" not in short.output


def test_a_tenants_pricing_settings_are_shown_and_changed(env: dict[str, str]) -> None:
    run(env, "db", "upgrade")

    shown = run(env, "tenants", "pricing", "default")
    changed = run(
        env,
        "tenants",
        "pricing",
        "default",
        "--exchange-spread",
        "0.015",
        "--loyalty-tiers",
        "std:0:1;vip:3000:2",
    )
    refused = run(env, "tenants", "pricing", "default", "--exchange-spread", "0.5")

    assert "exchange spread 0" in shown.output
    assert "tier silver: from 2000 USD" in shown.output
    assert "exchange spread 0.015" in changed.output
    assert "tier vip: from 3000 USD in 12 months, 2 points per USD" in changed.output
    assert refused.exit_code == 2
    assert "use a share from 0 to 0.2" in refused.output
    assert "exchange spread 0.015" in run(env, "tenants", "pricing", "default").output
