"""Settings from the environment (prefix ``FUNFLIGHTS_``); see docs/configuration.md."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
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
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Logging level of the service."
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value
