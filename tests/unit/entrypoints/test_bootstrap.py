"""The composition root: which providers are in force, and which adapter serves each."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from adapters.clocks import ManualClock
from adapters.route_feeds.bundled_feed import BundledRouteFeed
from adapters.route_feeds.file_feed import FileRouteFeed
from adapters.route_feeds.http_feed import HttpRouteFeed
from entrypoints.bootstrap import bootstrap, build_catalogue, configured_providers
from entrypoints.provider_file import (
    SEED_PROVIDER_BASE,
    ProviderFile,
    ProviderFileError,
    parse_provider_file,
)
from entrypoints.settings import Settings
from funflights_core.circuit_breaker import CircuitState
from funflights_core.errors import ProviderUnavailable
from funflights_core.route_catalogue import RouteCatalogue
from funflights_core.route_record import RouteRecord
from funflights_core.route_snapshot import Completeness

ROUTE = {"airline": "BA", "sourceAirport": "LHR", "destinationAirport": "JFK", "stops": 0}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read FUNFLIGHTS_* variables: none may leak in from the shell."""
    for key in list(os.environ):
        if key.startswith("FUNFLIGHTS_"):
            monkeypatch.delenv(key)


class Recorder:
    """A MockTransport handler answering every GET with one route, recording requests."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        return httpx.Response(200, content=json.dumps([ROUTE]).encode())


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as made:
        yield made


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config folder holding providers.toml, with the working directory elsewhere."""
    config = tmp_path / "config"
    (config / "data").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return config


PROVIDERS = """
[[providers]]
name = "remote"
url = "https://feeds.example.com/routes"
priority = 2
timeout_s = 1.5
retries = 1
circuit_failures = 2

[[providers]]
name = "local"
url = "file:data/routes.json"
priority = 3

[[providers]]
name = "demo"
url = "bundled:flights1"
priority = 1

[[providers]]
name = "off"
url = "https://off.example.com/routes"
priority = 4
enabled = false
"""


def catalogue_for(
    providers: ProviderFile, client: httpx.AsyncClient, base_dir: Path
) -> RouteCatalogue:
    return build_catalogue(
        providers, client=client, clock=ManualClock(), max_age_s=60, base_dir=base_dir
    )


# --- configured_providers ----------------------------------------------------------------


def test_providers_file_wins_and_relative_paths_start_from_its_folder(folder: Path) -> None:
    path = folder / "providers.toml"
    path.write_text(PROVIDERS)

    providers, base_dir = configured_providers(
        Settings(providers_file=path, demo=True), demo_over_http=True
    )

    assert [p.name for p in providers.providers] == ["remote", "local", "demo", "off"]
    assert base_dir == folder.resolve()


def test_relative_providers_file_setting_is_resolved(folder: Path) -> None:
    (folder / "providers.toml").write_text(PROVIDERS)

    _, base_dir = configured_providers(
        Settings(providers_file=Path("../config/providers.toml")), demo_over_http=False
    )

    assert base_dir == folder.resolve()


def test_invalid_providers_file_raises(folder: Path) -> None:
    path = folder / "providers.toml"
    path.write_text("[[providers]]\nname = 'x'\n")

    with pytest.raises(ProviderFileError, match="field url: Field required"):
        configured_providers(Settings(providers_file=path), demo_over_http=False)


def test_demo_providers_over_http_from_the_app_itself() -> None:
    settings = Settings(demo=True, host="127.0.0.1", port=8123)

    providers, base_dir = configured_providers(settings, demo_over_http=True)

    assert [(p.name, p.priority, p.url) for p in providers.providers] == [
        ("flights1", 1, "http://127.0.0.1:8123/demo/provider/flights1"),
        ("flights2", 2, "http://127.0.0.1:8123/demo/provider/flights2"),
    ]
    assert base_dir == Path.cwd()


def test_demo_providers_bundled() -> None:
    providers, _ = configured_providers(Settings(demo=True), demo_over_http=False)

    assert [p.url for p in providers.providers] == ["bundled:flights1", "bundled:flights2"]


def test_seed_providers_without_file_or_demo() -> None:
    providers, base_dir = configured_providers(Settings(), demo_over_http=True)

    assert [(p.name, p.priority) for p in providers.providers] == [
        ("flights1", 1),
        ("flights2", 2),
    ]
    assert [p.url for p in providers.providers] == [
        f"{SEED_PROVIDER_BASE}/provider/flights1",
        f"{SEED_PROVIDER_BASE}/provider/flights2",
    ]
    assert all(p.url.startswith("https://") for p in providers.providers)
    assert base_dir == Path.cwd()


def test_environment_selects_the_providers(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = folder / "providers.toml"
    path.write_text(PROVIDERS)
    monkeypatch.setenv("FUNFLIGHTS_PROVIDERS_FILE", str(path))

    providers, _ = configured_providers(Settings(), demo_over_http=False)

    assert [p.name for p in providers.enabled] == ["remote", "local", "demo"]


# --- build_catalogue -----------------------------------------------------------------------


async def test_adapter_is_chosen_by_url(client: httpx.AsyncClient, folder: Path) -> None:
    catalogue = catalogue_for(parse_provider_file(PROVIDERS), client, folder)

    kinds = {s.profile.name: type(s.provider) for s in catalogue.sources}
    assert kinds == {"demo": BundledRouteFeed, "remote": HttpRouteFeed, "local": FileRouteFeed}


async def test_sources_keep_profiles_in_priority_order_without_disabled(
    client: httpx.AsyncClient, folder: Path
) -> None:
    catalogue = catalogue_for(parse_provider_file(PROVIDERS), client, folder)

    profiles = [(s.profile.name, s.profile.priority, s.profile.location) for s in catalogue.sources]
    assert profiles == [
        ("demo", 1, "bundled:flights1"),
        ("remote", 2, "https://feeds.example.com/routes"),
        ("local", 3, "file:data/routes.json"),
    ]
    assert "off" not in {s.profile.name for s in catalogue.sources}


async def test_catalogue_fetches_through_each_adapter(
    client: httpx.AsyncClient, recorder: Recorder, folder: Path
) -> None:
    (folder / "data" / "routes.json").write_text(
        json.dumps([{**ROUTE, "airline": "VS"}, {**ROUTE, "airline": "ZZ"}])
    )
    path = folder / "providers.toml"
    path.write_text(PROVIDERS)
    providers, base_dir = configured_providers(Settings(providers_file=path), demo_over_http=False)

    snapshot = await catalogue_for(providers, client, base_dir).refresh()

    outcomes = {o.provider: (o.records, o.error) for o in snapshot.outcomes}
    assert outcomes == {"demo": (45_109, None), "remote": (1, None), "local": (2, None)}
    assert recorder.urls == ["https://feeds.example.com/routes"]
    assert snapshot.completeness is Completeness.COMPLETE


async def test_relative_file_url_is_read_from_the_provider_files_folder(
    client: httpx.AsyncClient, folder: Path
) -> None:
    (folder / "data" / "routes.json").write_text(json.dumps([ROUTE]))
    # The same relative path from the working directory must not be the one read.
    (Path.cwd() / "data").mkdir()
    (Path.cwd() / "data" / "routes.json").write_text("[]")
    catalogue = catalogue_for(parse_provider_file(PROVIDERS), client, folder)

    local = next(s for s in catalogue.sources if s.profile.name == "local")
    batch = await local.provider.fetch()

    assert batch.records == (RouteRecord("BA", "LHR", "JFK", 0, False, ""),)


async def test_http_provider_settings_are_applied(folder: Path) -> None:
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    urls: list[str] = []

    def timing_out(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        raise httpx.ReadTimeout("slow", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(timing_out)) as client:
        catalogue = build_catalogue(
            parse_provider_file(PROVIDERS),
            client=client,
            clock=ManualClock(),
            max_age_s=60,
            base_dir=folder,
            sleep=sleep,
        )
        remote = next(s for s in catalogue.sources if s.profile.name == "remote")
        with pytest.raises(ProviderUnavailable) as raised:
            await remote.provider.fetch()

    # timeout_s = 1.5 and retries = 1 in the file
    assert raised.value.reason == "timed out after 1.5s (2 attempts)"
    assert urls == ["https://feeds.example.com/routes"] * 2
    assert len(delays) == 1
    # circuit_failures = 2: the second consecutive failure opens the circuit
    states = []
    for _ in range(2):
        remote.breaker.record_failure()
        states.append(remote.breaker.state)
    assert states == [CircuitState.CLOSED, CircuitState.OPEN]
    assert remote.breaker.seconds_until_retry() == 900.0


async def test_field_mapping_reaches_the_adapter(client: httpx.AsyncClient, tmp_path: Path) -> None:
    (tmp_path / "routes.json").write_text(
        json.dumps([{"airline": "BA", "origin": "LHR", "dest": "JFK", "stops": 0}])
    )
    providers = parse_provider_file(
        '[[providers]]\nname = "p"\nurl = "file:routes.json"\npriority = 1\n'
        '[providers.fields]\nfrom = "origin"\nto = "dest"\n'
    )

    [source] = catalogue_for(providers, client, tmp_path).sources
    batch = await source.provider.fetch()

    assert batch.records == (RouteRecord("BA", "LHR", "JFK", 0, False, ""),)


async def test_http_retries_use_the_injected_sleep(folder: Path) -> None:
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    attempts: list[httpx.Request] = []

    def failing(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        return httpx.Response(503)

    async with httpx.AsyncClient(transport=httpx.MockTransport(failing)) as client:
        providers = parse_provider_file(
            '[[providers]]\nname = "p"\nurl = "https://p.example.com/r"\npriority = 1\n'
            "retries = 3\n"
        )
        catalogue = build_catalogue(
            providers,
            client=client,
            clock=ManualClock(),
            max_age_s=60,
            base_dir=folder,
            sleep=sleep,
        )
        snapshot = await catalogue.refresh()

    assert len(attempts) == 4
    assert len(delays) == 3
    assert snapshot.outcomes[0].error == "HTTP 503 from provider (4 attempts)"


async def test_url_scheme_is_case_insensitive(client: httpx.AsyncClient, tmp_path: Path) -> None:
    providers = parse_provider_file(
        '[[providers]]\nname = "p"\nurl = "FILE:routes.json"\npriority = 1\n'
    )

    [source] = catalogue_for(providers, client, tmp_path).sources

    assert isinstance(source.provider, FileRouteFeed)


# --- bootstrap ---------------------------------------------------------------------------


async def test_bootstrap_wires_the_given_client_and_clock(client: httpx.AsyncClient) -> None:
    clock = ManualClock(datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC))
    settings = Settings(demo=True, routes_max_age_s=120)

    container = bootstrap(settings, http_client=client, clock=clock, demo_over_http=False)

    catalogue = container.resolve(RouteCatalogue)
    assert container.resolve(Settings) is settings
    assert container.resolve(httpx.AsyncClient) is client
    assert [s.profile.name for s in catalogue.sources] == ["flights1", "flights2"]
    assert all(isinstance(s.provider, BundledRouteFeed) for s in catalogue.sources)
    assert [p.name for p in container.resolve(ProviderFile).providers] == ["flights1", "flights2"]

    snapshot = await catalogue.refresh()
    assert snapshot.refreshed_at == clock.now()
    assert len(snapshot.routes) == 67_663
    assert not catalogue.is_stale()
    clock.advance(120)
    assert catalogue.is_stale()


async def test_bootstrap_demo_over_http_fetches_from_the_app(
    client: httpx.AsyncClient, recorder: Recorder
) -> None:
    settings = Settings(demo=True, port=8765)

    container = bootstrap(settings, http_client=client, clock=ManualClock())
    snapshot = await container.resolve(RouteCatalogue).refresh()

    assert sorted(recorder.urls) == [
        "http://127.0.0.1:8765/demo/provider/flights1",
        "http://127.0.0.1:8765/demo/provider/flights2",
    ]
    assert snapshot.completeness is Completeness.COMPLETE
