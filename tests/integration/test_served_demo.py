"""End to end: `funflights serve` as `make run` starts it, fetching its own demo feeds over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

STARTUP_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_ERRORS: dict[int, IO[bytes]] = {}
"""Each server's stderr, in a file: a pipe nobody reads fills up and blocks the server."""


def serve(port: int, **env: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FUNFLIGHTS_")}
    return started(command, {**environment, **env})


def started(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A server process, its stderr kept in a temporary file for ``errors_of``."""
    errors = tempfile.TemporaryFile()  # noqa: SIM115 - read by errors_of until the run ends
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    _ERRORS[process.pid] = errors
    return process


def errors_of(process: subprocess.Popen[bytes]) -> str:
    """The end of what a server wrote to stderr."""
    errors = _ERRORS.get(process.pid)
    if errors is None:
        return ""
    errors.seek(0)
    return errors.read().decode(errors="replace")[-2000:]


def wait_until_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {errors_of(process)}")
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a real server process, not simulating time
    raise AssertionError("server did not become ready")


@pytest.fixture
def running() -> Iterator[Callable[..., str]]:
    processes: list[subprocess.Popen[bytes]] = []

    def start(**env: str) -> str:
        port = free_port()
        process = serve(port, **env)
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(base, process)
        return base

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_demo_mode_merges_both_feeds_fetched_over_http(running: Callable[..., str]) -> None:
    base = running(FUNFLIGHTS_DEMO="true")
    routes = httpx.get(f"{base}/routes", params={"source": "JFK", "destination": "LHR"})
    assert routes.status_code == 200
    assert routes.headers["x-routes-status"] == "complete"
    providers = {tuple(r["providers"]) for r in routes.json()}
    assert providers == {("flights1",), ("flights2",), ("flights1", "flights2")}
    status = httpx.get(f"{base}/routes/status").json()
    assert status["routes"] == 67663
    assert [(p["name"], p["ok"], p["records"]) for p in status["providers"]] == [
        ("flights1", True, 45109),
        ("flights2", True, 45108),
    ]


def test_a_dead_feed_gives_partial_results_naming_it(tmp_path: Path) -> None:
    port = free_port()
    closed = free_port()
    providers = tmp_path / "providers.toml"
    providers.write_text(
        f"""
[[providers]]
name = "flights1"
url = "http://127.0.0.1:{port}/demo/provider/flights1"
priority = 1

[[providers]]
name = "flights2"
url = "http://127.0.0.1:{closed}/provider/flights2"
priority = 2
retries = 1
timeout_s = 2
"""
    )
    process = serve(port, FUNFLIGHTS_DEMO="true", FUNFLIGHTS_PROVIDERS_FILE=str(providers))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, process)
        routes = httpx.get(f"{base}/routes", params={"limit": 5})
        status = httpx.get(f"{base}/routes/status").json()
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert routes.status_code == 200
    assert routes.headers["x-routes-status"] == "partial"
    assert routes.headers["x-routes-failed-providers"] == "flights2"
    assert routes.headers["x-total-count"] == "45109"
    assert len(routes.json()) == 5
    failed = status["providers"][1]
    assert failed["name"] == "flights2"
    assert failed["ok"] is False
    assert failed["error"] == "connection failed (ConnectError) (2 attempts)"


def test_several_workers_share_one_key_for_tokens(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FUNFLIGHTS_")}
    environment.update(
        FUNFLIGHTS_DEMO="true",
        FUNFLIGHTS_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'ff.db'}",
        FUNFLIGHTS_SEARCH_WARM_ROUTES="0",
    )
    cli = [sys.executable, "-m", "entrypoints.cli"]
    for args in (["db", "upgrade"], ["demo", "seed"]):
        subprocess.run([*cli, *args], env=environment, check=True, capture_output=True)
    port = free_port()
    process = started([*cli, "serve", "--port", str(port), "--workers", "2"], environment)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, process)
        seen = set()
        for _ in range(6):
            # A new connection each time: the kernel spreads them over both processes.
            login = httpx.post(
                f"{base}/api/v1/auth/login",
                json={
                    "email": "traveller@funflights.example",
                    "password": "funflights-demo-password",
                },
            )
            assert login.status_code == 200, login.text
            token = login.json()["access_token"]
            for _ in range(5):
                me = httpx.get(
                    f"{base}/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}
                )
                assert me.status_code == 200, me.text
                seen.add(me.json()["id"])
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert len(seen) == 1
