"""The provider file: valid files, and errors a person can act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.provider_file import (
    SEED_PROVIDER_BASE,
    ProviderConfig,
    ProviderFileError,
    demo_providers,
    load_provider_file,
    parse_provider_file,
    seed_providers,
)

VALID = """
[[providers]]
name = "flights1"
url = "https://feeds.example.com/provider/flights1"
priority = 1
timeout_s = 2.5
retries = 4
circuit_failures = 5
circuit_reset_s = 60

[[providers]]
name = "partner"
url = "file:data/partner.json"
priority = 3

[providers.fields]
from = "origin"
to = "dest"
airline = "carrier"

[[providers]]
name = "demo"
url = "bundled:flights2"
priority = 2
enabled = false
"""


def provider(name: str | None = "alpha", **fields: object) -> str:
    """One ``[[providers]]`` table; pass a field (or the name) as None to leave it out."""
    values: dict[str, object] = {"name": name, "url": "file:routes.json", "priority": 1}
    values.update(fields)
    lines = ["[[providers]]"]
    for key, value in values.items():
        if value is None:
            continue
        literal = f'"{value}"' if isinstance(value, str) else str(value).lower()
        lines.append(f"{key} = {literal}")
    return "\n".join(lines) + "\n"


def problem(text: str) -> str:
    with pytest.raises(ProviderFileError) as raised:
        parse_provider_file(text)
    return str(raised.value)


def test_valid_file_is_parsed() -> None:
    parsed = parse_provider_file(VALID)

    flights1, partner, demo = parsed.providers
    assert flights1 == ProviderConfig(
        name="flights1",
        url="https://feeds.example.com/provider/flights1",
        priority=1,
        timeout_s=2.5,
        retries=4,
        circuit_failures=5,
        circuit_reset_s=60.0,
    )
    assert partner.url == "file:data/partner.json"
    assert partner.priority == 3
    assert (partner.timeout_s, partner.retries, partner.enabled) == (5.0, 2, True)
    assert (partner.circuit_failures, partner.circuit_reset_s) == (3, 900.0)
    assert partner.format == "routes-json"
    assert demo.enabled is False


def test_field_aliases_are_normalised_to_route_fields() -> None:
    partner = parse_provider_file(VALID).providers[1]

    assert partner.fields == {
        "sourceAirport": "origin",
        "destinationAirport": "dest",
        "airline": "carrier",
    }


@pytest.mark.parametrize(
    ("alias", "field"),
    [
        ("from", "sourceAirport"),
        ("source", "sourceAirport"),
        ("to", "destinationAirport"),
        ("destination", "destinationAirport"),
        ("codeShare", "codeShare"),
    ],
)
def test_each_alias(alias: str, field: str) -> None:
    text = provider() + f'[providers.fields]\n{alias} = "x"\n'

    assert parse_provider_file(text).providers[0].fields == {field: "x"}


def test_disabled_providers_are_not_enabled() -> None:
    parsed = parse_provider_file(VALID)

    assert [p.name for p in parsed.providers] == ["flights1", "partner", "demo"]
    assert [p.name for p in parsed.enabled] == ["flights1", "partner"]


def test_missing_priority_names_provider_and_field() -> None:
    message = problem(provider("alpha", priority=None))

    assert "provider 'alpha' (providers[0]), field priority: Field required" in message
    assert message.startswith("provider file has 1 problem(s):")


@pytest.mark.parametrize("timeout", [0, -1.5])
def test_timeout_must_be_positive(timeout: float) -> None:
    message = problem(provider("alpha", timeout_s=timeout))

    assert "provider 'alpha' (providers[0]), field timeout_s: " in message
    assert "greater than 0" in message


@pytest.mark.parametrize("url", ["ftp://feeds.example.com/routes.json", "routes.json", "s3://b/k"])
def test_unknown_scheme_is_rejected(url: str) -> None:
    message = problem(provider("alpha", url=url))

    assert (
        "provider 'alpha' (providers[0]), field url: use an http://, https://, file: or "
        "bundled: URL" in message
    )


def test_http_url_needs_a_host() -> None:
    message = problem(provider("alpha", url="https:///routes.json"))

    assert "provider 'alpha' (providers[0]), field url: an http(s) URL needs a host" in message


def test_unknown_bundled_feed_is_rejected() -> None:
    message = problem(provider("alpha", url="bundled:flights3"))

    assert (
        "provider 'alpha' (providers[0]), field url: bundled feeds are flights1, flights2, "
        "not 'flights3'" in message
    )


def test_unknown_field_in_mapping_is_rejected() -> None:
    message = problem(provider("alpha") + '[providers.fields]\norigin = "src"\n')

    assert "provider 'alpha' (providers[0]), field fields: 'origin' is not a route field" in message
    assert "choose from airline, sourceAirport" in message


def test_field_mapped_twice_is_rejected() -> None:
    message = problem(provider("alpha") + '[providers.fields]\nfrom = "a"\nsourceAirport = "b"\n')

    assert "provider 'alpha' (providers[0]), field fields: 'sourceAirport' is mapped twice" in (
        message
    )


def test_empty_provider_field_name_is_rejected() -> None:
    message = problem(provider("alpha") + '[providers.fields]\nto = " "\n')

    assert "the provider's name for 'destinationAirport' is empty" in message


def test_duplicate_provider_names_are_rejected() -> None:
    message = problem(provider("alpha") + provider("alpha", url="bundled:flights2", priority=2))

    assert "provider names must be unique; repeated: alpha" in message


def test_unknown_key_is_rejected_naming_it() -> None:
    message = problem(provider("alpha", timout_s=3))

    assert "provider 'alpha' (providers[0]), field timout_s: Extra inputs are not permitted" in (
        message
    )


def test_unknown_top_level_key_is_rejected() -> None:
    message = problem("[[provider]]\nname = 'alpha'\n" + provider("beta"))

    assert "provider: Extra inputs are not permitted" in message


def test_every_problem_is_listed() -> None:
    message = problem(
        provider("alpha", url="ftp://x", priority=None) + provider("beta", priority=0)
    )

    assert message.startswith("provider file has 3 problem(s):")
    assert "provider 'alpha' (providers[0]), field url:" in message
    assert "provider 'alpha' (providers[0]), field priority: Field required" in message
    assert "provider 'beta' (providers[1]), field priority:" in message


def test_provider_without_name_is_located_by_index() -> None:
    message = problem(provider(None))

    assert "providers.0.name: Field required" in message


@pytest.mark.parametrize("name", ["has space", "-leading-dash", "x" * 64])
def test_provider_names_are_restricted(name: str) -> None:
    message = problem(provider(name))

    assert "field name: String should match pattern" in message


def test_a_file_without_providers_is_rejected() -> None:
    assert "providers: Field required" in problem("")
    assert "providers: List should have at least 1 item" in problem("providers = []\n")


def test_invalid_toml_names_the_problem_and_the_origin() -> None:
    with pytest.raises(ProviderFileError) as raised:
        parse_provider_file('[[providers]\nname = "alpha"\n', origin="providers.toml")

    assert str(raised.value).startswith("providers.toml is not valid TOML: ")
    assert "line 1" in str(raised.value)


def test_load_provider_file_reads_and_validates(tmp_path: Path) -> None:
    path = tmp_path / "providers.toml"
    path.write_text(VALID, encoding="utf-8")

    assert load_provider_file(path) == parse_provider_file(VALID)


def test_load_provider_file_names_the_file_in_problems(tmp_path: Path) -> None:
    path = tmp_path / "providers.toml"
    path.write_text(provider("alpha", priority=None), encoding="utf-8")

    with pytest.raises(ProviderFileError) as raised:
        load_provider_file(path)

    assert str(raised.value).startswith(f"{path} has 1 problem(s):")


def test_load_missing_provider_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"

    with pytest.raises(ProviderFileError) as raised:
        load_provider_file(path)

    assert str(raised.value) == f"cannot read provider file {path}: No such file or directory"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file:routes.json", "base/routes.json"),
        ("file:data/routes.json", "base/data/routes.json"),
        ("file:./data/routes.json", "base/data/routes.json"),
        ("file:/srv/routes.json", "/srv/routes.json"),
        ("file:///srv/routes.json", "/srv/routes.json"),
    ],
)
def test_file_path_resolves_relative_paths_against_base(url: str, expected: str) -> None:
    config = ProviderConfig(name="f", url=url, priority=1)

    assert config.file_path(Path("base")) == Path(expected)


def test_file_path_decodes_percent_escapes() -> None:
    path = Path("/srv/my routes.json")
    config = ProviderConfig(name="f", url=path.as_uri(), priority=1)

    assert config.file_path(Path("base")) == path


def test_file_url_with_a_host_and_no_path_is_rejected() -> None:
    message = problem(provider("alpha", url="file://routes.json"))

    assert "provider 'alpha' (providers[0]), field url:" in message


def test_seed_providers() -> None:
    seeds = seed_providers().providers

    assert [(p.name, p.priority, p.url) for p in seeds] == [
        ("flights1", 1, f"{SEED_PROVIDER_BASE}/provider/flights1"),
        ("flights2", 2, f"{SEED_PROVIDER_BASE}/provider/flights2"),
    ]
    assert SEED_PROVIDER_BASE.startswith("https://")


def test_demo_providers_bundled_or_over_http() -> None:
    bundled = demo_providers(None).providers
    served = demo_providers("http://127.0.0.1:8000").providers

    assert [(p.name, p.priority, p.url) for p in bundled] == [
        ("flights1", 1, "bundled:flights1"),
        ("flights2", 2, "bundled:flights2"),
    ]
    assert [p.url for p in served] == [
        "http://127.0.0.1:8000/demo/provider/flights1",
        "http://127.0.0.1:8000/demo/provider/flights2",
    ]


def test_two_route_fields_read_from_one_feed_field_are_rejected() -> None:
    text = provider() + '[providers.fields]\nfrom = "code"\nairline = "code"\n'

    message = problem(text)

    assert "provider 'alpha' (providers[0]), field fields:" in message
    assert "'code' would be read as both 'airline' and 'sourceAirport'" in message


def test_mapping_onto_another_fields_own_name_is_rejected() -> None:
    # sourceAirport read from "destinationAirport", which destinationAirport still reads too.
    text = provider() + '[providers.fields]\nfrom = "destinationAirport"\n'

    assert "'destinationAirport' would be read as both" in problem(text)


def test_swapping_two_field_names_is_allowed() -> None:
    text = provider() + ('[providers.fields]\nfrom = "destinationAirport"\nto = "sourceAirport"\n')

    [config] = parse_provider_file(text).providers

    assert config.fields == {
        "sourceAirport": "destinationAirport",
        "destinationAirport": "sourceAirport",
    }


def test_a_file_with_every_provider_disabled_is_rejected() -> None:
    message = problem(provider("a", enabled=False) + provider("b", enabled=False, priority=2))

    assert "no provider is enabled" in message


@pytest.mark.parametrize(
    ("url", "kind", "normalised"),
    [
        ("FILE:routes.json", "file", "file:routes.json"),
        ("File:///srv/routes.json", "file", "file:/srv/routes.json"),
        ("file://localhost/srv/routes.json", "file", "file:/srv/routes.json"),
        ("BUNDLED:flights2", "bundled", "bundled:flights2"),
        ("HTTPS://feeds.example.com/a", "http", "https://feeds.example.com/a"),
    ],
)
def test_url_schemes_are_case_insensitive(url: str, kind: str, normalised: str) -> None:
    config = ProviderConfig(name="f", url=url, priority=1)

    assert (config.kind, config.url) == (kind, normalised)


def test_a_field_mapping_on_a_bundled_feed_is_rejected() -> None:
    text = provider("alpha", url="bundled:flights1") + '[providers.fields]\nfrom = "origin"\n'

    message = problem(text)

    assert "provider 'alpha' (providers[0]): bundled feeds use the route field names" in message
