"""``funflights providers list`` and ``funflights providers check FILE`` (no network)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from entrypoints.cli import main

LIST_HEADER = ["name", "priority", "enabled", "timeout", "retries", "url"]
CHECK_HEADER = ["name", "result", "records", "dropped", "latency", "detail"]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("FUNFLIGHTS_"):
            monkeypatch.delenv(key)


def run(*args: str, **env: str) -> Result:
    return CliRunner().invoke(main, ["providers", *args], env={"FUNFLIGHTS_DEMO": "true", **env})


def write(folder: Path, text: str, name: str = "providers.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_for(output: str, name: str) -> list[str]:
    [line] = [line for line in output.splitlines() if line.split()[:1] == [name]]
    return line.split()


LOCAL_ROUTES = [
    {"airline": "BA", "sourceAirport": "LHR", "destinationAirport": "JFK", "stops": 0},
    {"airline": "VS", "sourceAirport": "LHR", "destinationAirport": "JFK", "stops": 0},
    {"airline": "", "sourceAirport": "LHR", "destinationAirport": "JFK", "stops": 0},
    {"airline": "AA", "sourceAirport": "JFK", "destinationAirport": "LAX", "stops": "x"},
    42,
]

VALID = """
[[providers]]
name = "demo"
url = "bundled:flights2"
priority = 1

[[providers]]
name = "local"
url = "file:data/routes.json"
priority = 2

[[providers]]
name = "spare"
url = "https://spare.example.com/routes"
priority = 3
enabled = false
"""


@pytest.fixture
def valid_file(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "routes.json").write_text(json.dumps(LOCAL_ROUTES))
    return write(tmp_path, VALID)


# --- providers list ------------------------------------------------------------------------


def test_list_demo_providers() -> None:
    result = run("list")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == LIST_HEADER
    assert [line.split() for line in lines[1:]] == [
        ["flights1", "1", "yes", "5s", "2", "bundled:flights1"],
        ["flights2", "2", "yes", "5s", "2", "bundled:flights2"],
    ]


def test_list_seed_providers_without_demo() -> None:
    result = run("list", FUNFLIGHTS_DEMO="false")

    assert result.exit_code == 0, result.output
    urls = [line.split()[-1] for line in result.stdout.splitlines()[1:]]
    assert len(urls) == 2
    assert all(url.startswith("https://") for url in urls)
    assert [url.rsplit("/", 1)[-1] for url in urls] == ["flights1", "flights2"]


def test_list_a_providers_file_including_disabled(valid_file: Path) -> None:
    result = run("list", "--providers-file", str(valid_file))

    assert result.exit_code == 0, result.output
    assert [line.split() for line in result.stdout.splitlines()[1:]] == [
        ["demo", "1", "yes", "5s", "2", "bundled:flights2"],
        ["local", "2", "yes", "5s", "2", "file:data/routes.json"],
        ["spare", "3", "no", "5s", "2", "https://spare.example.com/routes"],
    ]


def test_list_an_invalid_providers_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[[providers]]\nname = "x"\nurl = "ftp://x/y"\npriority = 1\n')

    result = run("list", "--providers-file", str(path))

    assert result.exit_code == 1
    assert "provider 'x' (providers[0]), field url:" in result.stderr


# --- providers check -----------------------------------------------------------------------


def test_check_a_valid_file(valid_file: Path) -> None:
    result = run("check", str(valid_file))

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{valid_file}: valid, 2 enabled provider(s), disabled: spare"
    assert lines[1].split() == CHECK_HEADER
    assert line_for(result.stdout, "demo")[:4] == ["demo", "ok", "45108", "0"]
    local = line_for(result.stdout, "local")
    assert local[:4] == ["local", "ok", "2", "3"]
    assert local[5:] == ["invalid-stops=1,", "missing-airline=1,", "not-an-object=1"]
    assert lines[-1] == "aggregated routes: 45109 (complete)"
    assert "spare" not in "\n".join(lines[1:])


def test_check_reports_a_failing_provider(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[providers]]\nname = "demo"\nurl = "bundled:flights1"\npriority = 1\n'
        '[[providers]]\nname = "broken"\nurl = "file:missing.json"\npriority = 2\n',
    )

    result = run("check", str(path))

    assert result.exit_code == 1
    broken = line_for(result.stdout, "broken")
    assert broken[:4] == ["broken", "FAIL", "0", "0"]
    assert " ".join(broken[5:]) == "cannot read missing.json: No such file or directory"
    assert line_for(result.stdout, "demo")[:3] == ["demo", "ok", "45109"]
    assert result.stdout.splitlines()[-1] == "aggregated routes: 45109 (partial)"


def test_check_an_invalid_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[providers]]\nname = "alpha"\nurl = "bundled:flights1"\npriority = 1\ntimout_s = 3\n',
    )

    result = run("check", str(path))

    assert result.exit_code == 1
    assert f"{path} has 1 problem(s)" in result.stderr
    assert "provider 'alpha' (providers[0]), field timout_s: Extra inputs are not permitted" in (
        result.stderr
    )
    assert result.stdout == ""


def test_check_a_file_that_is_not_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "[[providers]\n")

    result = run("check", str(path))

    assert result.exit_code == 1
    assert f"{path} is not valid TOML" in result.stderr


def test_check_a_missing_file(tmp_path: Path) -> None:
    result = run("check", str(tmp_path / "nope.toml"))

    assert result.exit_code == 2
    assert "does not exist" in result.stderr
