"""Regenerate the bundled airline and aircraft tables from an OpenFlights snapshot.

    .venv/bin/python scripts/derive_openflights.py [--source DIR] [--output DIR] [--check]

Reads ``airlines.dat`` and ``planes.dat`` from ``--source`` (default /work/shared/data/openflights)
and writes ``airlines.csv`` and ``aircraft.csv`` to ``--output`` (default src/adapters/demo_data),
then prints what was kept and what was dropped. ``--check`` writes nothing and fails if the
bundled files differ from what the snapshot gives. The rules are described in
src/adapters/demo_data/OPENFLIGHTS-LICENSE.md; keep the two in step.
"""

from __future__ import annotations

import argparse
import collections
import csv
import io
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import attrs

DEFAULT_SOURCE = Path("/work/shared/data/openflights")
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "src" / "adapters" / "demo_data"
AIRLINES = "airlines.csv"
AIRCRAFT = "aircraft.csv"

_NULL = "\\N"
_AIRLINE_CODE = re.compile(r"[A-Z0-9]{2}")
_AIRCRAFT_CODE = re.compile(r"[A-Z0-9]{3}")

# Rows whose name held a comma the snapshot did not quote: the rest of the name slid into the
# ICAO, callsign and country columns, so the country is a fragment ("ALASKA", " S.A."). The
# airline id -> its country, spelled as elsewhere in airlines.dat. A new damaged row stops the
# derivation until it is added here.
_COUNTRY_REPAIRS = {
    "411": "Colombia",  # Aires (Aerovias de Integracion Regional, S.A.)
    "439": "United States",  # Alaska Airlines, Inc.
    "515": "Colombia",  # Avianca - Aerovias Nacionales de Colombia, S.A.
    "2056": "Hong Kong SAR of China",  # Dragonair, Hong Kong Dragon Airlines (as Cathay Pacific)
}


@attrs.frozen
class Derived:
    """The two tables as file contents, and what was left out and why."""

    files: dict[str, str]
    report: list[str]


def derive(source: Path) -> Derived:
    """The bundled tables and a report, from the OpenFlights files in ``source``."""
    flown = collections.Counter(row[1] for row in _read(source / "routes.dat"))
    airlines, airline_report = _airlines(_read(source / "airlines.dat"), flown)
    aircraft, aircraft_report = _aircraft(_read(source / "planes.dat"))
    return Derived(
        files={
            AIRLINES: _csv(["iata", "name", "country"], airlines),
            AIRCRAFT: _csv(["iata", "name"], aircraft),
        },
        report=airline_report + aircraft_report,
    )


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.reader(file))


def _text(value: str) -> str:
    return "" if value == _NULL else value.strip()


_HOLDERS = {"G3": "2581", "VY": "5352", "8M": "3570"}
"""Today's holders (airlines.dat ids) of codes routes.dat credits to an older airline."""


def _airlines(
    rows: list[list[str]], flown: collections.Counter[str]
) -> tuple[list[list[str]], list[str]]:
    kept: dict[str, list[str]] = {}
    dropped: list[str] = []
    repaired: list[str] = []
    active = [r for r in rows if r[7] == "Y"]
    coded = [r for r in active if _AIRLINE_CODE.fullmatch(r[3])]
    unusual = sorted({r[3] for r in active if len(r[3]) == 2} - {r[3] for r in coded} - {_NULL})
    # Where active airlines share a code, the one flying the most routes holds it (the
    # passenger airline, not its cargo arm); ties go to the lowest id. routes.dat credits a
    # few codes to an old airline id, so today's holders of those are named here.
    for ident, name, _alias, iata, icao, callsign, country, _active in sorted(
        coded, key=lambda r: (r[0] != _HOLDERS.get(r[3]), -flown[r[0]], int(r[0]))
    ):
        if any(field.startswith(" ") for field in (icao, callsign, country)):
            if ident not in _COUNTRY_REPAIRS:
                raise SystemExit(f"airline {ident} ({name}) looks shifted; add it to the repairs")
            country = _COUNTRY_REPAIRS[ident]
            repaired.append(f"{iata} {_text(name)} -> {country}")
        if iata in kept:
            dropped.append(f"{iata} {_text(name)} (id {ident}; kept {kept[iata][1]})")
            continue
        kept[iata] = [iata, _text(name), _text(country)]
    report = [
        f"airlines.dat: {len(rows)} rows, {len(active)} active, {len(coded)} active with a "
        f"two-character IATA code; kept {len(kept)}, dropped {len(dropped)} sharing a code",
        f"  active codes not of A-Z/0-9, skipped: {' '.join(unusual)}",
        *(f"  dropped {line}" for line in dropped),
        *(f"  repaired country of {line}" for line in repaired),
    ]
    return sorted(kept.values()), report


def _aircraft(rows: list[list[str]]) -> tuple[list[list[str]], list[str]]:
    kept: dict[str, list[str]] = {}
    dropped: list[str] = []
    coded = [r for r in rows if _AIRCRAFT_CODE.fullmatch(r[1])]
    for name, iata, _icao in coded:
        if iata in kept:
            dropped.append(f"{iata} {_text(name)} (kept {kept[iata][1]})")
            continue
        kept[iata] = [iata, _text(name)]
    report = [
        f"planes.dat: {len(rows)} rows, {len(coded)} with a three-character IATA code; kept "
        f"{len(kept)}, dropped {len(dropped)} sharing a code (the first row in file order wins)",
        *(f"  dropped {line}" for line in dropped),
    ]
    return sorted(kept.values()), report


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    derived = derive(args.source)
    print("\n".join(derived.report))
    stale = []
    for name, content in derived.files.items():
        target = args.output / name
        if args.check:
            if not target.exists() or target.read_text(encoding="utf-8") != content:
                stale.append(name)
        else:
            target.write_text(content, encoding="utf-8", newline="")
            print(f"wrote {target}")
    if stale:
        print(f"out of date: {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
