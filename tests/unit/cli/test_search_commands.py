"""``funflights search warm`` against a SQLite file and (when configured) Redis."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import pytest
import redis.asyncio
from click.testing import CliRunner, Result

from entrypoints.cli import main

REDIS_URL = os.environ.get("FUNFLIGHTS_TEST_REDIS_URL")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for key in list(os.environ):
        if key.startswith("FUNFLIGHTS_") and not key.startswith("FUNFLIGHTS_TEST_"):
            monkeypatch.delenv(key)
    environment = {
        "FUNFLIGHTS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'ff.db'}",
        "FUNFLIGHTS_DEMO": "true",
    }
    assert run(environment, "db", "upgrade").exit_code == 0
    return environment


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def test_without_redis_the_warmer_says_what_it_needs(env: dict[str, str]) -> None:
    result = run(env, "search", "warm", "--days", "1")

    assert result.exit_code != 0
    assert "FUNFLIGHTS_REDIS_URL" in result.output
    assert "Traceback" not in result.output


async def _forget_pages(url: str) -> None:
    client = redis.asyncio.Redis.from_url(url)
    try:
        async for name in client.scan_iter(match="funflights:page:*"):
            await client.delete(name)
    finally:
        await client.aclose()


@pytest.mark.redis
@pytest.mark.skipif(REDIS_URL is None, reason="set FUNFLIGHTS_TEST_REDIS_URL")
def test_a_pass_computes_what_redis_lacks_and_then_nothing(env: dict[str, str]) -> None:
    assert REDIS_URL is not None
    asyncio.run(_forget_pages(REDIS_URL))
    env = {**env, "FUNFLIGHTS_REDIS_URL": REDIS_URL}
    loaded = run(env, "demo", "generate", "--start", "2026-12-01", "--days", "4", "--scale", "0.02")
    assert loaded.exit_code == 0, loaded.output
    warm = ("search", "warm", "--start", "2026-12-02", "--days", "2", "--routes", "5")

    first = run(env, *warm, "--jobs", "2")
    again = run(env, *warm)

    assert first.exit_code == 0, first.output
    done = re.search(
        r"10 searches \(5 routes x 2 days from 2026-12-02, 2 processes\): "
        r"10 computed .*?([\d,]+) pages stored",
        first.output,
    )
    assert done is not None, first.output
    assert int(done.group(1)) >= 10
    assert "0 computed" in again.output
    assert "10 already kept" in again.output
