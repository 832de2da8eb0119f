"""Settings from the environment: prefix, types, and levels written any way."""

import logging

import pytest
from pydantic import ValidationError

from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from conftest import FLIGHTS1, fake_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings


def test_settings_come_from_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUNFLIGHTS_PORT", "8123")
    monkeypatch.setenv("FUNFLIGHTS_DEMO", "true")
    monkeypatch.setenv("FUNFLIGHTS_ROUTES_MAX_AGE_S", "42.5")

    settings = Settings()

    assert (settings.port, settings.demo, settings.routes_max_age_s) == (8123, True, 42.5)


@pytest.mark.parametrize("written", ["debug", " Warning ", "ERROR"])
def test_log_level_is_case_insensitive(monkeypatch: pytest.MonkeyPatch, written: str) -> None:
    monkeypatch.setenv("FUNFLIGHTS_LOG_LEVEL", written)

    assert Settings().log_level == written.strip().upper()


def test_an_unknown_log_level_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUNFLIGHTS_LOG_LEVEL", "chatty")

    with pytest.raises(ValidationError, match="log_level"):
        Settings()


def test_the_app_leaves_the_process_logging_alone() -> None:
    root = logging.getLogger()
    before = (root.level, list(root.handlers))

    create_app(fake_container({"flights1": InMemoryRouteFeed(FLIGHTS1)}))

    assert (root.level, list(root.handlers)) == before
