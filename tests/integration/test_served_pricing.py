"""End to end: two `funflights serve` processes over one database, as `make run` seeds it.

A margin rule changed through one process prices the next quote of the other, without a
restart; the change is in the rule's history.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from integration.test_served_demo import free_port, serve, wait_until_ready

QUOTE = {
    "carrier": "BA",
    "flight_number": "117",
    "origin": "LHR",
    "destination": "JFK",
    "departure": "2030-06-01",
    "currency": "EUR",
    "quotes": [{"provider": "duffel", "base_fare": "400.00", "taxes": "80.00", "currency": "EUR"}],
}


def cli(env: dict[str, str], *args: str) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FUNFLIGHTS_")}
    subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args],
        env={**environment, **env},
        check=True,
        capture_output=True,
    )


def margin(base: str) -> str:
    response = httpx.post(f"{base}/api/v1/pricing/quote", json=QUOTE, timeout=5)
    assert response.status_code == 200, response.text
    amount: str = response.json()["margin"]["amount"]
    return amount


def until(condition: Callable[[], bool], timeout_s: float) -> None:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if condition():
            return
        time.sleep(0.02)  # polling a real server process, not simulating time
    raise AssertionError(f"not true within {timeout_s} s")


def test_a_rule_changed_in_one_process_prices_the_next_quote_of_another(tmp_path: Path) -> None:
    env = {"FUNFLIGHTS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/funflights.db"}
    cli(env, "db", "upgrade")
    cli(env, "demo", "seed")
    processes = []
    try:
        bases = []
        for _ in range(2):
            port = free_port()
            process = serve(port, FUNFLIGHTS_DEMO="true", **env)
            processes.append(process)
            bases.append(f"http://127.0.0.1:{port}")
            wait_until_ready(bases[-1], process)
        changer, other = bases
        # The demo's flight rule for BA 117: a fixed 15 EUR.
        assert margin(other) == "15.00"

        login = httpx.post(
            f"{changer}/api/v1/auth/login",
            json={"email": "pricing@funflights.example", "password": "funflights-demo-password"},
        ).json()
        staff = {"Authorization": f"Bearer {login['access_token']}"}
        rules: list[dict[str, Any]] = httpx.get(
            f"{changer}/api/v1/admin/margin-rules", headers=staff
        ).json()
        flight_rule = next(r for r in rules if r["level"] == "flight")
        changed = httpx.patch(
            f"{changer}/api/v1/admin/margin-rules/{flight_rule['id']}",
            headers=staff,
            json={"fixed_per_passenger": "25"},
        )
        assert changed.status_code == 200, changed.text

        assert margin(changer) == "25.00"  # the next price in the changing process
        # The other process follows without a restart (how fast is bench/margin_change_bench).
        until(lambda: margin(other) == "25.00", timeout_s=10.0)
        history = httpx.get(
            f"{changer}/api/v1/admin/margin-rules/{flight_rule['id']}/history", headers=staff
        ).json()
        assert [h["action"] for h in history] == ["create", "update"]
        assert history[1]["before"]["fixed_per_passenger"] == "15"
        assert history[1]["after"]["fixed_per_passenger"] == "25"
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def test_a_new_user_searches_demo_flights_priced_by_rules_changed_at_run_time(
    tmp_path: Path,
) -> None:
    env = {"FUNFLIGHTS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/funflights.db"}
    day = (date.today() + timedelta(days=1)).isoformat()
    cli(env, "db", "upgrade")
    cli(env, "demo", "seed")
    cli(env, "demo", "generate", "--days", "1", "--scale", "0.1", "--start", day)
    port = free_port()
    process = serve(port, FUNFLIGHTS_DEMO="true", FUNFLIGHTS_INVENTORY_POLL_S="0.1", **env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, process)
        query = {"origin": "LHR", "destination": "JFK", "date": day, "max_stops": 0}

        def cheapest_ba() -> dict[str, Any]:
            found = httpx.get(f"{base}/api/v1/flights/search", params=query, timeout=30).json()
            results = found["slices"][0]["results"]
            assert results, found
            # Not BA 117: the demo prices that one flight with a rule of its own.
            return next(
                r
                for r in results
                if r["flights"][0]["marketing_carrier"] == "BA"
                and r["flights"][0]["designator"] != "BA117"
            )

        before = cheapest_ba()
        login = httpx.post(
            f"{base}/api/v1/auth/login",
            json={"email": "pricing@funflights.example", "password": "funflights-demo-password"},
        ).json()
        staff = {"Authorization": f"Bearer {login['access_token']}"}
        rule = httpx.post(
            f"{base}/api/v1/admin/margin-rules",
            headers=staff,
            json={"carrier": "BA", "fixed_per_passenger": "100", "currency": "EUR"},
        )
        assert rule.status_code == 201, rule.text
        repriced = httpx.get(f"{base}/api/v1/flights/search", params=query, timeout=30).json()
        prices = {r["id"]: r["price"]["amount"] for r in repriced["slices"][0]["results"]}
        # The demo's BA rule added 5% + 2 EUR; this one replaces it by a fixed 100 EUR.
        assert Decimal(prices[before["id"]]) != Decimal(before["price"]["amount"])
    finally:
        process.terminate()
        process.wait(timeout=10)
