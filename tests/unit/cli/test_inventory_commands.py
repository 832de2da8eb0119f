"""``funflights demo generate`` and ``funflights inventory sync`` against a SQLite file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from entrypoints.cli import main


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for key in list(os.environ):
        if key.startswith("FUNFLIGHTS_"):
            monkeypatch.delenv(key)
    environment = {"FUNFLIGHTS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'ff.db'}"}
    assert run(environment, "db", "upgrade").exit_code == 0
    return environment


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def test_the_demo_schedule_loads_once_and_again_changes_nothing(env: dict[str, str]) -> None:
    args = ("demo", "generate", "--days", "1", "--scale", "0.02", "--start", "2026-12-01")

    first = run(env, *args)
    again = run(env, *args)

    assert first.exit_code == 0, first.output
    added = int(first.output.split(" added")[0].rsplit(" ", 1)[-1].replace(",", ""))
    assert 500 < added < 1500  # about 37,500 a day at scale 1
    assert f"0 added, 0 changed, {added:,} unchanged" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("inventory", "sync", "--provider", "duffel", "--route", "LHR-JFK"), "DUFFEL"),
        (("inventory", "sync", "--route", "LHRJFK"), "ORIGIN-DESTINATION"),
        (("demo", "generate", "--days", "0"), "--days"),
        (("demo", "generate", "--start", "tomorrow"), "--start"),
    ],
)
def test_bad_syncs_fail_clearly(env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    result = run(env, *args)

    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
