"""``funflights routes`` over the bundled demo feeds and provider files (no network)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from entrypoints.cli import main

COLUMNS = [
    "airline",
    "sourceAirport",
    "destinationAirport",
    "codeShare",
    "stops",
    "equipment",
    "providers",
]
JFK_LHR_AIRLINES = ["AA", "AF", "AI", "AY", "BA", "DL", "IB", "KL", "KU", "MH", "US", "VS"]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("FUNFLIGHTS_"):
            monkeypatch.delenv(key)


def run(*args: str, demo: bool = True, **env: str) -> Result:
    environment = {"FUNFLIGHTS_DEMO": "true" if demo else "false", **env}
    return CliRunner().invoke(main, ["routes", *args], env=environment)


def write_providers(folder: Path, text: str) -> Path:
    path = folder / "providers.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_table_lists_the_routes(tmp_path: Path) -> None:
    result = run("--source", "JFK", "--destination", "LHR")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == COLUMNS
    assert len(lines) == 1 + 12
    assert [line.split()[0] for line in lines[1:]] == JFK_LHR_AIRLINES
    assert re.search(r"^BA\s+JFK\s+LHR\s+0\s+777 744\s+flights1$", result.stdout, re.M)
    assert re.search(r"^AF\s+JFK\s+LHR\s+Y\s+0\s+764 76W\s+flights1,flights2$", result.stdout, re.M)
    assert result.stderr == "12 of 12 matching routes (complete)\n"


def test_codes_are_case_insensitive() -> None:
    result = run("--source", "jfk", "--destination", "lhr", "--airline", "ba")

    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr == "1 of 1 matching routes (complete)\n"


def test_json_format() -> None:
    result = run("--source", "JFK", "--destination", "LHR", "--format", "json")

    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    assert len(rows) == 12
    assert all(list(row) == COLUMNS for row in rows)
    assert rows[4] == {
        "airline": "BA",
        "sourceAirport": "JFK",
        "destinationAirport": "LHR",
        "codeShare": "",
        "stops": 0,
        "equipment": "777 744",
        "providers": ["flights1"],
    }
    assert result.stderr == ""


def test_csv_format() -> None:
    result = run("--source", "JFK", "--destination", "LHR", "--format", "csv")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == ",".join(COLUMNS)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 12
    assert rows[0] == {
        "airline": "AA",
        "sourceAirport": "JFK",
        "destinationAirport": "LHR",
        "codeShare": "",
        "stops": "0",
        "equipment": "777 77W",
        "providers": "flights1 flights2",
    }


def test_limit_and_offset_page_the_routes() -> None:
    result = run("--source", "JFK", "--destination", "LHR", "--limit", "3", "--offset", "4")

    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.stdout.splitlines()[1:]] == ["BA", "DL", "IB"]
    assert result.stderr == "3 of 12 matching routes (complete)\n"


def test_no_match_prints_only_the_header() -> None:
    result = run("--source", "JFK", "--destination", "XXX")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["  ".join(COLUMNS)]
    assert result.stderr == "0 of 0 matching routes (complete)\n"


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["--limit", "0"], "--limit"),
        (["--offset", "-1"], "--offset"),
        (["--max-stops", "-1"], "--max-stops"),
        (["--format", "xml"], "--format"),
    ],
)
def test_bad_options_are_usage_errors(args: list[str], mentions: str) -> None:
    result = run(*args)

    assert result.exit_code == 2
    assert mentions in result.stderr
    assert result.stdout == ""


def test_invalid_settings_are_usage_errors() -> None:
    result = run(FUNFLIGHTS_ROUTES_MAX_AGE_S="-5")

    assert result.exit_code == 2
    assert "invalid settings: FUNFLIGHTS_ROUTES_MAX_AGE_S" in result.stderr


def test_failing_provider_is_named_and_the_others_still_answer(tmp_path: Path) -> None:
    path = write_providers(
        tmp_path,
        '[[providers]]\nname = "demo"\nurl = "bundled:flights1"\npriority = 1\n'
        '[[providers]]\nname = "broken"\nurl = "file:missing.json"\npriority = 2\n',
    )

    result = run("--source", "JFK", "--destination", "LHR", "--providers-file", str(path))

    assert result.exit_code == 0, result.output
    assert "warning: provider broken failed: cannot read missing.json" in result.stderr
    assert result.stderr.count("missing.json") == 1  # once, not also as a log record
    assert "9 of 9 matching routes (partial)" in result.stderr
    rows = result.stdout.splitlines()[1:]
    flights1_airlines = ["AA", "AF", "AI", "BA", "DL", "KL", "KU", "MH", "US"]
    assert [row.split()[0] for row in rows] == flights1_airlines
    assert all(row.endswith("demo") for row in rows)


def test_providers_file_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "routes.json").write_text(
        json.dumps(
            [
                {"airline": "zz", "sourceAirport": "aaa", "destinationAirport": "bbb", "stops": 0},
                {"airline": "", "sourceAirport": "AAA", "destinationAirport": "BBB", "stops": 0},
            ]
        )
    )
    path = write_providers(
        tmp_path, '[[providers]]\nname = "local"\nurl = "file:routes.json"\npriority = 1\n'
    )

    result = run("--format", "csv", demo=False, FUNFLIGHTS_PROVIDERS_FILE=str(path))

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [",".join(COLUMNS), "ZZ,AAA,BBB,,0,,local"]


def test_every_provider_failing_is_an_error(tmp_path: Path) -> None:
    path = write_providers(
        tmp_path,
        '[[providers]]\nname = "one"\nurl = "file:missing-1.json"\npriority = 1\n'
        '[[providers]]\nname = "two"\nurl = "file:missing-2.json"\npriority = 2\n',
    )

    result = run("--providers-file", str(path))

    assert result.exit_code == 1
    assert "warning: provider one failed: cannot read missing-1.json" in result.stderr
    assert "warning: provider two failed: cannot read missing-2.json" in result.stderr
    assert "Error: no provider delivered routes" in result.stderr
    assert result.stdout == ""


def test_invalid_providers_file_is_an_error(tmp_path: Path) -> None:
    path = write_providers(tmp_path, '[[providers]]\nname = "one"\nurl = "file:x.json"\n')

    result = run("--providers-file", str(path))

    assert result.exit_code == 1
    assert "provider 'one' (providers[0]), field priority: Field required" in result.stderr


def test_missing_providers_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run("--providers-file", str(tmp_path / "nope.toml"))

    assert result.exit_code == 2
    assert "does not exist" in result.stderr
