"""The provider on-boarding file (TOML, validated by pydantic) and the built-in defaults."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from adapters.route_feeds.bundled_feed import DEMO_FEEDS
from adapters.route_feeds.routes_json import ROUTE_FIELDS

SEED_PROVIDER_BASE = "https://4r5rvu2fcydfzr5gymlhcsnfem0lyxoe.lambda-url.eu-central-1.on.aws"
"""Where the two FunWithFlights provider feeds of the original brief live."""

_FIELD_ALIASES = {
    "from": "sourceAirport",
    "source": "sourceAirport",
    "to": "destinationAirport",
    "destination": "destinationAirport",
}


class ProviderFileError(Exception):
    """The provider file cannot be used; the message lists every problem found."""


class ProviderConfig(BaseModel):
    """One ``[[providers]]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
    url: str
    format: Literal["routes-json"] = "routes-json"
    priority: int = Field(ge=1, le=1000)
    timeout_s: float = Field(5.0, gt=0, le=300)
    retries: int = Field(2, ge=0, le=10)
    enabled: bool = True
    circuit_failures: int = Field(3, ge=1, le=100)
    # Longer than the default refresh interval (300 s), or an open circuit would always be
    # half-open again by the next refresh and never spare the failing provider a call.
    circuit_reset_s: float = Field(900.0, gt=0, le=86_400)
    fields: dict[str, str] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, url: str) -> str:
        # urlsplit lower-cases the scheme, so "FILE:routes.json" is a file URL; the URL is
        # returned with its scheme in lower case so that nothing downstream has to care.
        parts = urlsplit(url.strip())
        scheme = parts.scheme
        if scheme in ("http", "https"):
            if not parts.hostname:
                raise ValueError("an http(s) URL needs a host")
        elif scheme == "bundled":
            feed = parts.path
            if feed not in DEMO_FEEDS:
                raise ValueError(f"bundled feeds are {', '.join(DEMO_FEEDS)}, not {feed!r}")
        elif scheme == "file":
            if parts.netloc not in ("", "localhost"):
                raise ValueError(
                    f"a file URL names a local path, not a host ({parts.netloc!r}); "
                    "write file:routes.json or file:///absolute/path.json"
                )
            if not parts.path or parts.path.endswith("/"):
                raise ValueError("a file URL needs the path of a file")
        else:
            raise ValueError("use an http://, https://, file: or bundled: URL")
        return urlunsplit(parts) if scheme != "file" else f"file:{parts.path}"

    @model_validator(mode="after")
    def _bundled_feeds_use_their_own_names(self) -> ProviderConfig:
        if self.kind == "bundled" and self.fields:
            raise ValueError("bundled feeds use the route field names; remove [fields]")
        return self

    @property
    def kind(self) -> Literal["http", "file", "bundled"]:
        """Which adapter reads this provider: over HTTP, from a local file, or bundled data."""
        scheme = urlsplit(self.url).scheme
        if scheme in ("file", "bundled"):
            return scheme  # type: ignore[return-value]
        return "http"

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, fields: dict[str, str]) -> dict[str, str]:
        canonical: dict[str, str] = {}
        for key, provider_name in fields.items():
            field = _FIELD_ALIASES.get(key, key)
            if field not in ROUTE_FIELDS:
                choices = ", ".join([*ROUTE_FIELDS, *_FIELD_ALIASES])
                raise ValueError(f"{key!r} is not a route field (choose from {choices})")
            if field in canonical:
                raise ValueError(f"{field!r} is mapped twice")
            if not provider_name.strip():
                raise ValueError(f"the provider's name for {field!r} is empty")
            canonical[field] = provider_name
        # Two route fields read from one feed field would make every record ambiguous.
        wire_names = {field: canonical.get(field, field) for field in ROUTE_FIELDS}
        readers: dict[str, list[str]] = {}
        for field, wire in wire_names.items():
            readers.setdefault(wire, []).append(field)
        for wire, route_fields in readers.items():
            if len(route_fields) > 1:
                raise ValueError(
                    f"the feed field {wire!r} would be read as both "
                    f"{' and '.join(repr(f) for f in route_fields)}; map each to its own field"
                )
        return canonical

    def file_path(self, base: Path) -> Path:
        """The local path of a ``file:`` URL, relative ones taken from ``base``."""
        path = Path(unquote(urlsplit(self.url).path))
        return path if path.is_absolute() else base / path


class ProviderFile(BaseModel):
    """The whole provider file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    providers: list[ProviderConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> ProviderFile:
        names = [provider.name for provider in self.providers]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"provider names must be unique; repeated: {', '.join(repeated)}")
        if not self.enabled:
            raise ValueError("no provider is enabled; set enabled = true on at least one")
        return self

    @property
    def enabled(self) -> list[ProviderConfig]:
        """The providers that take part in aggregation."""
        return [provider for provider in self.providers if provider.enabled]


def _describe(error: dict[str, object], data: object) -> str:
    location = [str(part) for part in error.get("loc", ())]  # type: ignore[attr-defined]
    where = ".".join(location) or "file"
    if len(location) >= 2 and location[0] == "providers" and isinstance(data, dict):
        try:
            name = data["providers"][int(location[1])].get("name")
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            name = None
        if name:
            where = f"provider {name!r} (providers[{location[1]}])" + (
                f", field {'.'.join(location[2:])}" if len(location) > 2 else ""
            )
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    return f"{where}: {message}"


def parse_provider_file(text: str, *, origin: str = "provider file") -> ProviderFile:
    """Validate provider-file TOML text, or raise ``ProviderFileError`` listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProviderFileError(f"{origin} is not valid TOML: {exc}") from None
    try:
        return ProviderFile.model_validate(data)
    except ValidationError as exc:
        problems = "\n".join(f"  - {_describe(dict(e), data)}" for e in exc.errors())
        raise ProviderFileError(
            f"{origin} has {exc.error_count()} problem(s):\n{problems}"
        ) from None


def load_provider_file(path: Path) -> ProviderFile:
    """Read and validate a provider file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProviderFileError(f"cannot read provider file {path}: {exc.strerror}") from None
    return parse_provider_file(text, origin=str(path))


def seed_providers() -> ProviderFile:
    """The two FunWithFlights feeds of the original brief."""
    return ProviderFile(
        providers=[
            ProviderConfig(
                name=f"flights{n}", url=f"{SEED_PROVIDER_BASE}/provider/flights{n}", priority=n
            )
            for n in (1, 2)
        ]
    )


def demo_providers(base_url: str | None) -> ProviderFile:
    """The demo feeds: over HTTP from ``base_url`` (the app itself), or bundled when ``None``."""
    return ProviderFile(
        providers=[
            ProviderConfig(
                name=name,
                url=f"bundled:{name}" if base_url is None else f"{base_url}/demo/provider/{name}",
                priority=priority,
            )
            for priority, name in enumerate(DEMO_FEEDS, start=1)
        ]
    )
