"""FileRouteFeed: reads the file on every fetch; unreadable files make it unavailable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.route_feeds.file_feed import FileRouteFeed
from adapters.route_feeds.routes_json import RoutesJsonDecoder
from funflights_core.errors import ProviderUnavailable
from funflights_core.route_record import RouteRecord


def route(airline: str) -> dict[str, object]:
    return {"airline": airline, "sourceAirport": "LHR", "destinationAirport": "JFK", "stops": 0}


async def test_file_is_read_again_on_every_fetch(tmp_path: Path) -> None:
    path = tmp_path / "routes.json"
    path.write_text(json.dumps([route("BA")]))
    feed = FileRouteFeed(path=path, decoder=RoutesJsonDecoder())

    first = await feed.fetch()
    path.write_text(json.dumps([route("VS"), route("AA")]))
    second = await feed.fetch()

    assert first.records == (RouteRecord("BA", "LHR", "JFK", 0, False, ""),)
    assert [record.airline for record in second.records] == ["VS", "AA"]


async def test_missing_file_is_unavailable_naming_the_file(tmp_path: Path) -> None:
    feed = FileRouteFeed(path=tmp_path / "missing.json", decoder=RoutesJsonDecoder())

    with pytest.raises(ProviderUnavailable) as raised:
        await feed.fetch()

    assert raised.value.reason == "cannot read missing.json: No such file or directory"


async def test_file_that_disappears_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "routes.json"
    path.write_text("[]")
    feed = FileRouteFeed(path=path, decoder=RoutesJsonDecoder())
    assert (await feed.fetch()).records == ()

    path.unlink()

    with pytest.raises(ProviderUnavailable, match=r"cannot read routes\.json"):
        await feed.fetch()


async def test_a_folder_is_unavailable(tmp_path: Path) -> None:
    feed = FileRouteFeed(path=tmp_path, decoder=RoutesJsonDecoder())

    with pytest.raises(ProviderUnavailable) as raised:
        await feed.fetch()

    assert raised.value.reason == f"cannot read {tmp_path.name}: Is a directory"


async def test_invalid_json_file_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "routes.json"
    path.write_text('[{"airline": "BA",')
    feed = FileRouteFeed(path=path, decoder=RoutesJsonDecoder())

    with pytest.raises(ProviderUnavailable) as raised:
        await feed.fetch()

    assert raised.value.reason.startswith("body is not valid JSON")


async def test_the_reason_does_not_reveal_the_full_path(tmp_path: Path) -> None:
    feed = FileRouteFeed(path=tmp_path / "secret" / "missing.json", decoder=RoutesJsonDecoder())

    with pytest.raises(ProviderUnavailable) as raised:
        await feed.fetch()

    assert str(tmp_path) not in raised.value.reason
