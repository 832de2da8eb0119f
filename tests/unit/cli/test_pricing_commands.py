"""``funflights margins`` and ``funflights coupons`` against a real, migrated SQLite file."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from entrypoints.cli import main
from entrypoints.cli.pricing_commands import coupons, margins
from funflights_core.coupon_fields import COUPON_FIELDS
from funflights_core.margin_rule_fields import RULE_FIELDS

FLIGHT = (
    "--carrier",
    "BA",
    "--flight-number",
    "117",
    "--origin",
    "LHR",
    "--destination",
    "JFK",
    "--departure",
    "2026-12-24",
)
AT = ("--at", "2026-12-01T09:00:00Z")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for key in list(os.environ):
        if key.startswith("FUNFLIGHTS_"):
            monkeypatch.delenv(key)
    env = {
        "FUNFLIGHTS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'ff.db'}",
        "LOGNAME": "alice",  # what getpass.getuser() reads first: the operator's name
    }
    upgraded = run(env, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    return env


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, input=stdin)


def ok(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = run(env, *args, stdin=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def created_id(output: str) -> str:
    found = re.search(r"created margin rule (\S+):", output)
    assert found, output
    return found.group(1)


def reason_of(output: str, rule_id: str) -> str:
    """The reason explain gives for a considered rule (the line after the rule's)."""
    lines = output.splitlines()
    start = lines.index("considered:")
    for i, line in enumerate(lines[start:], start):
        if line.strip().startswith(rule_id):
            return lines[i + 1].strip()
    raise AssertionError(f"{rule_id} not considered in:\n{output}")


def test_a_margin_rule_is_set_explained_changed_audited_and_deleted(env: dict[str, str]) -> None:
    flight = created_id(
        ok(env, "margins", "set", "--carrier", "ba", "--flight-number", "117", "--percent", "5")
    )
    airline = created_id(
        ok(env, "margins", "set", "--carrier", "BA", "--percent", "3", "--description", "all BA")
    )
    later = created_id(
        ok(
            env,
            "margins",
            "set",
            "--carrier",
            "BA",
            "--flight-number",
            "117",
            "--percent",
            "9",
            "--valid-from",
            "2030-01-01T00:00:00Z",
        )
    )

    listed = ok(env, "margins", "list")
    as_json = [json.loads(line) for line in ok(env, "margins", "list", "--json").splitlines()]
    explained = ok(env, "margins", "explain", *FLIGHT, *AT)

    rows = {line.split()[0]: line.split()[1:] for line in listed.splitlines()[1:]}
    assert rows[flight][:4] == ["flight", "BA", "117", "-"]
    assert "5%" in rows[flight]
    assert rows[airline][:2] == ["airline", "BA"]
    by_id = {fields["id"]: fields for fields in as_json}
    assert by_id[flight]["percent"] == "5"
    assert by_id[flight]["level"] == "flight"
    assert by_id[airline]["description"] == "all BA"
    assert "(GB to US)" in explained
    assert f"chosen: {flight}: flight BA 117: 5%" in explained
    assert reason_of(explained, flight) == "chosen: flight rule"
    assert reason_of(explained, later) == "not in force yet"
    assert (
        reason_of(explained, airline) == f"applies, but the flight rule {flight} is more specific"
    )

    updated = ok(env, "margins", "update", flight, "--percent", "7", "--cabin", "business")
    economy = ok(env, "margins", "explain", *FLIGHT, *AT)
    business = ok(env, "margins", "explain", *FLIGHT, *AT, "--cabin", "business")

    assert f"updated margin rule {flight}: flight BA 117: 7%, business only" in updated
    assert f"chosen: {airline}:" in economy
    assert reason_of(economy, flight) == "only for cabin business"
    assert f"chosen: {flight}: flight BA 117: 7%" in business

    ok(env, "margins", "update", flight, "--clear", "cabin")
    history = ok(env, "margins", "history", flight).splitlines()

    heads = [line.split()[1:] for line in history if not line.startswith(" ")]
    assert heads == [["cli:alice", "create"], ["cli:alice", "update"], ["cli:alice", "update"]]
    assert "    percent: - -> 5" in history
    assert "    percent: 5 -> 7" in history
    assert "    cabin: - -> business" in history
    assert "    cabin: business -> -" in history

    for rule in (flight, airline, later):
        assert f"deleted margin rule {rule}" in ok(env, "margins", "delete", rule, "--yes")
    nothing = run(env, "margins", "explain", *FLIGHT, *AT)

    assert nothing.exit_code == 0, nothing.output
    assert "no rule applies: no margin" in nothing.output
    assert "no margin rules in tenant default" in ok(env, "margins", "list")
    assert ok(env, "margins", "history", flight).splitlines()[-1].endswith("cli:alice  delete")


def test_delete_asks_first_and_keeps_the_rule_when_refused(env: dict[str, str]) -> None:
    rule = created_id(ok(env, "margins", "set", "--percent", "1"))

    refused = run(env, "margins", "delete", rule, stdin="n\n")
    kept = ok(env, "margins", "list", "--json")
    confirmed = ok(env, "margins", "delete", rule, stdin="y\n")

    assert refused.exit_code == 1
    assert f"delete margin rule {rule} (tenant default: 1%)?" in refused.output
    assert rule in kept
    assert f"deleted margin rule {rule}" in confirmed
    assert ok(env, "margins", "list", "--json") == ""


def test_amounts_and_country_rules_are_shown_as_given(env: dict[str, str]) -> None:
    country = ok(
        env,
        "margins",
        "set",
        "--country",
        "gb",
        "--country-side",
        "origin",
        "--percent",
        "2.5",
        "--fixed",
        "10.00",
        "--minimum",
        "5",
        "--maximum",
        "50",
        "--currency",
        "eur",
        "--priority",
        "4",
    )
    rule = created_id(country)
    row = next(line for line in ok(env, "margins", "list").splitlines() if line.startswith(rule))

    assert "country GB (origin): 2.5%, + 10.00 EUR per passenger" in country
    assert "at least 5 EUR, at most 50 EUR, priority 4" in country
    assert " ".join(row.split()[1:]) == "country GB (origin) - 2.5% 10.00 EUR 5..50 EUR - - 4"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["set", "--percent", "abc"], "Invalid value for '--percent': 'abc' is not a decimal"),
        (["set", "--flight-number", "117"], "'--carrier': a flight rule names the carrier too"),
        (["set", "--fixed", "2"], "'--currency': give the currency of the fixed amounts"),
        (["set", "--currency", "XYZ", "--fixed", "1"], "not an ISO 4217 currency code"),
        (["set", "--valid-from", "2026-01-01"], "'--valid-from': give a time zone"),
        (["set", "--origin", "LHR"], "'--destination': a route names both airports"),
        (["set", "--cabin", "steerage"], "'steerage' is not one of"),
        (["set", "--percent", "1", "--tenant", "nobody"], "no tenant nobody"),
        (["update", "nope", "--percent", "4"], "no margin rule nope"),
        (["update", "nope"], "nothing to change"),
        (["update", "nope", "--clear", "bogus"], "'bogus' is not one of percent, fixed,"),
        (["update", "nope", "--percent", "4", "--clear", "percent"], "both given and cleared"),
        (["delete", "nope", "--yes"], "no margin rule nope"),
        (["history", "nope"], "no margin rule nope was ever recorded"),
        (["explain", *FLIGHT[:5], "XXX", *FLIGHT[6:]], "'--origin': 'XXX' is not a known airport"),
        (["explain", *FLIGHT, "--at", "2026-12-01"], "'--at': give a time zone"),
        (["explain", *FLIGHT[:-1], "24/12/2026"], "'24/12/2026' does not match"),
    ],
)
def test_invalid_margin_commands_fail_clearly(
    env: dict[str, str], args: list[str], message: str
) -> None:
    result = run(env, "margins", *args)

    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exception
    assert message in result.output
    assert "Traceback" not in result.output
    assert ok(env, "margins", "list", "--json") == ""


def test_an_unmigrated_database_is_a_clear_error(tmp_path: Path) -> None:
    env = {"FUNFLIGHTS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"}

    result = run(env, "coupons", "list")

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    assert "run 'funflights db upgrade'" in result.output


def test_a_coupon_is_created_listed_shown_changed_audited_and_deleted(
    env: dict[str, str],
) -> None:
    created = ok(
        env,
        "coupons",
        "create",
        "xmas26",
        "--percent-off",
        "10",
        "--airline",
        "BA",
        "--route",
        "lhr-jfk",
        "--cabin",
        "economy",
        "--cabin",
        "business",
        "--total-uses",
        "100",
        "--uses-per-customer",
        "1",
        "--valid-until",
        "2027-01-01T00:00:00Z",
        "--description",
        "Christmas",
    )
    ok(env, "coupons", "create", "FLAT15", "--amount-off", "15.00", "--currency", "gbp")
    duplicate = run(env, "coupons", "create", "XMAS26", "--percent-off", "5")

    listed = ok(env, "coupons", "list").splitlines()
    shown = ok(env, "coupons", "show", "Xmas26").splitlines()

    assert "created coupon XMAS26: 10% off" in created
    assert duplicate.exit_code == 1
    assert "coupon XMAS26 exists already" in duplicate.output
    assert [line.split()[0] for line in listed] == ["code", "FLAT15", "XMAS26"]
    assert listed[1].split()[1:3] == ["15.00", "GBP"]
    assert listed[2].split()[1:7] == [
        "10%",
        "-",
        "..2027-01-01T00:00:00+00:00",
        "BA",
        "LHR-JFK",
        "business,economy",
    ]
    assert "0/100" in listed[2]
    assert shown[0].split() == ["code", "XMAS26"]
    assert ["percent_off", "10"] in [line.split() for line in shown]
    assert ["uses", "0/100"] in [line.split() for line in shown]

    updated = ok(
        env,
        "coupons",
        "update",
        "xmas26",
        "--percent-off",
        "12",
        "--airline",
        "AF",
        "--clear",
        "route",
        "--combinable",
    )
    after = {
        fields["code"]: fields
        for fields in map(json.loads, ok(env, "coupons", "list", "--json").splitlines())
    }
    history = ok(env, "coupons", "history", "xmas26").splitlines()

    assert "updated coupon XMAS26: 12% off" in updated
    assert after["XMAS26"]["percent_off"] == "12"
    assert after["XMAS26"]["airlines"] == ["AF"]
    assert after["XMAS26"]["routes"] == []
    assert after["XMAS26"]["combinable"] is True
    assert after["XMAS26"]["cabins"] == ["business", "economy"]
    assert after["XMAS26"]["uses"] == 0
    heads = [line.split()[1:] for line in history if not line.startswith(" ")]
    assert heads == [["cli:alice", "create"], ["cli:alice", "update"]]
    assert "    percent_off: - -> 10" in history
    assert "    percent_off: 10 -> 12" in history
    assert "    airlines: BA -> AF" in history
    assert "    routes: LHR-JFK -> -" in history
    assert "    combinable: no -> yes" in history

    refused = run(env, "coupons", "delete", "XMAS26", stdin="n\n")
    deleted = ok(env, "coupons", "delete", "XMAS26", "--yes")
    gone = run(env, "coupons", "show", "XMAS26")

    assert refused.exit_code == 1
    assert "delete coupon XMAS26 (used 0 times)?" in refused.output
    assert "deleted coupon XMAS26" in deleted
    assert gone.exit_code == 1
    assert "no coupon XMAS26" in gone.output
    assert ok(env, "coupons", "history", "XMAS26").splitlines()[-1].endswith("delete")
    assert [line.split()[0] for line in ok(env, "coupons", "list").splitlines()] == [
        "code",
        "FLAT15",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "x", "--percent-off", "5"], "Invalid value for 'CODE': use 3-40 letters"),
        (["create", "NOPE"], "'--percent-off': give either percent_off or amount_off"),
        (["create", "NOPE", "--percent-off", "5", "--amount-off", "3"], "give either"),
        (["create", "NOPE", "--percent-off", "abc"], "'abc' is not a decimal number"),
        (["create", "NOPE", "--percent-off", "150"], "at most 100"),
        (["create", "NOPE", "--amount-off", "3"], "'--currency': give the currency"),
        (["create", "NOPE", "--percent-off", "5", "--route", "LHRJFK"], "'--route': 'LHRJFK'"),
        (["create", "NOPE", "--percent-off", "5", "--total-uses", "0"], "'--total-uses'"),
        (["update", "NOPE", "--percent-off", "5"], "no coupon NOPE"),
        (["update", "NOPE", "--clear", "bogus"], "bogus"),
        (["delete", "NOPE", "--yes"], "no coupon NOPE"),
        (["history", "NOPE"], "no coupon NOPE was ever recorded"),
    ],
)
def test_invalid_coupon_commands_fail_clearly(
    env: dict[str, str], args: list[str], message: str
) -> None:
    result = run(env, "coupons", *args)

    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exception
    assert message in result.output
    assert "Traceback" not in result.output
    assert ok(env, "coupons", "list", "--json") == ""


def test_every_field_has_an_option_and_can_be_cleared_by_either_name(env: dict[str, str]) -> None:
    def names(command: click.Command) -> set[str | None]:
        return {param.name for param in command.params}

    assert set(RULE_FIELDS) <= names(margins.commands["set"])
    assert set(RULE_FIELDS) <= names(margins.commands["update"])
    assert set(COUPON_FIELDS) <= names(coupons.commands["create"])
    assert set(COUPON_FIELDS) <= names(coupons.commands["update"])

    rule = created_id(
        ok(env, "margins", "set", "--percent", "1", "--fixed", "2", "--currency", "EUR")
    )
    ok(env, "margins", "update", rule, "--clear", "fixed_per_passenger", "--clear", "Currency")

    (fields,) = map(json.loads, ok(env, "margins", "list", "--json").splitlines())
    assert fields["fixed_per_passenger"] is None
    assert fields["currency"] is None
