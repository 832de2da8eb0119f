"""The AirportDirectory and ReferenceData contracts, run against the fakes and the real adapters."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest

from adapters.airports.airportsdata_directory import CITY_ADDITIONS, AirportsdataDirectory
from adapters.airports.in_memory_directory import InMemoryDirectory
from adapters.reference.in_memory_reference import InMemoryReference
from adapters.reference.openflights_reference import OpenFlightsReference
from funflights_core.airline import AircraftType, Airline, ReferenceData
from funflights_core.airport import Airport, AirportDirectory

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "derive_openflights.py"


def _airport(iata: str, city: str, country: str, time_zone: str) -> Airport:
    return Airport(
        iata=iata,
        name=f"{city} {iata}",
        city=city,
        country=country,
        latitude=0.0,
        longitude=0.0,
        time_zone=time_zone,
    )


def fake_directory() -> InMemoryDirectory:
    return InMemoryDirectory(
        [
            _airport("LHR", "London", "GB", "Europe/London"),
            _airport("LGW", "London", "GB", "Europe/London"),
            _airport("JFK", "New York", "US", "America/New_York"),
            _airport("SHA", "Shanghai", "CN", "Asia/Shanghai"),
            _airport("PVG", "Shanghai", "CN", "Asia/Shanghai"),
        ],
        cities={"LON": ["LHR", "LGW"], "NYC": ["JFK", "EWR"], "SHA": ["PVG", "SHA"]},
    )


@pytest.fixture(params=["fake", "airportsdata"])
def directory(request: pytest.FixtureRequest) -> AirportDirectory:
    return fake_directory() if request.param == "fake" else AirportsdataDirectory()


class TestAirportDirectoryContract:
    def test_an_airport_by_its_code(self, directory: AirportDirectory) -> None:
        lhr = directory.airport("LHR")

        assert lhr is not None
        assert (lhr.iata, lhr.city, lhr.country, lhr.time_zone) == (
            "LHR",
            "London",
            "GB",
            "Europe/London",
        )
        assert directory.country_of("LHR") == "GB"
        assert directory.country_of("JFK") == "US"

    def test_local_time_follows_summer_time(self, directory: AirportDirectory) -> None:
        lhr = directory.airport("LHR")
        assert lhr is not None

        summer = lhr.local(datetime(2026, 7, 1, 12, tzinfo=UTC))
        winter = lhr.local(datetime(2026, 1, 15, 12, tzinfo=UTC))

        assert (summer.replace(tzinfo=None), summer.utcoffset()) == (
            datetime(2026, 7, 1, 13),
            timedelta(hours=1),
        )
        assert (winter.replace(tzinfo=None), winter.utcoffset()) == (
            datetime(2026, 1, 15, 12),
            timedelta(0),
        )

    def test_a_city_code_serves_its_airports(self, directory: AirportDirectory) -> None:
        served = directory.serving("LON")

        assert {"LHR", "LGW"} <= {a.iata for a in served}
        assert all(a.country == "GB" for a in served)
        assert len({a.iata for a in served}) == len(served)

    def test_an_airport_code_serves_just_that_airport(self, directory: AirportDirectory) -> None:
        assert [a.iata for a in directory.serving("JFK")] == ["JFK"]

    def test_an_airport_code_wins_over_a_city_code(self, directory: AirportDirectory) -> None:
        assert [a.iata for a in directory.serving("SHA")] == ["SHA"]

    @pytest.mark.parametrize("code", ["lhr", " LHR ", "Lhr"])
    def test_codes_are_read_in_any_case(self, directory: AirportDirectory, code: str) -> None:
        assert directory.airport(code) == directory.airport("LHR")
        assert directory.country_of(code) == "GB"
        assert [a.iata for a in directory.serving(code)] == ["LHR"]

    def test_city_codes_are_read_in_any_case(self, directory: AirportDirectory) -> None:
        assert directory.serving(" lon ") == directory.serving("LON")

    @pytest.mark.parametrize("code", ["XQZ", "", "LONDON", "ZZZZ"])
    def test_an_unknown_code_finds_nothing(self, directory: AirportDirectory, code: str) -> None:
        assert directory.airport(code) is None
        assert directory.country_of(code) is None
        assert list(directory.serving(code)) == []


class TestAirportsdataDirectory:
    @pytest.mark.parametrize(
        "city",
        [
            "LON", "NYC", "PAR", "TYO", "MIL", "WAS", "CHI", "MOW", "STO", "BUE", "SAO",
            "RIO", "OSA", "SEL", "BJS", "ROM", "YTO", "YMQ", "JKT", "REK", *CITY_ADDITIONS,
        ],
    )  # fmt: skip
    def test_well_known_city_codes_serve_airports(self, city: str) -> None:
        directory = AirportsdataDirectory()

        assert directory.airport(city) is None
        assert directory.serving(city)

    def test_the_additions_widen_the_iata_list(self) -> None:
        directory = AirportsdataDirectory()

        assert {"JFK", "LGA", "EWR"} <= {a.iata for a in directory.serving("NYC")}
        assert {"LHR", "LGW", "STN", "LTN", "LCY", "SEN"} <= {
            a.iata for a in directory.serving("LON")
        }

    def test_a_code_that_is_both_stands_for_the_airport(self) -> None:
        directory = AirportsdataDirectory()

        assert [a.iata for a in directory.serving("BER")] == ["BER"]
        assert [a.iata for a in directory.serving("BKK")] == ["BKK"]


def fake_reference() -> InMemoryReference:
    return InMemoryReference(
        airlines=[Airline(iata="BA", name="British Airways", country="United Kingdom")],
        aircraft=[AircraftType(iata="388", name="Airbus A380-800")],
    )


@pytest.fixture(params=["fake", "openflights"])
def reference(request: pytest.FixtureRequest) -> ReferenceData:
    return fake_reference() if request.param == "fake" else OpenFlightsReference()


class TestReferenceDataContract:
    @pytest.mark.parametrize("code", ["BA", "ba", " Ba "])
    def test_an_airline_by_its_code(self, reference: ReferenceData, code: str) -> None:
        assert reference.airline(code) == Airline(
            iata="BA", name="British Airways", country="United Kingdom"
        )

    def test_an_aircraft_type_by_its_code(self, reference: ReferenceData) -> None:
        a380 = reference.aircraft("388")

        assert a380 is not None
        assert a380.iata == "388"
        assert "A380" in a380.name

    @pytest.mark.parametrize("code", ["", "Q?", "XXX", "BAW"])
    def test_an_unknown_code_finds_nothing(self, reference: ReferenceData, code: str) -> None:
        assert reference.airline(code) is None
        assert reference.aircraft(code) is None


class TestOpenFlightsReference:
    def test_a_shared_code_keeps_the_lowest_id(self) -> None:
        reference = OpenFlightsReference()

        lufthansa = reference.airline("LH")
        assert lufthansa is not None
        assert lufthansa.name == "Lufthansa"

    def test_a_damaged_source_row_has_its_country_repaired(self) -> None:
        alaska = OpenFlightsReference().airline("AS")

        assert alaska == Airline(iata="AS", name="Alaska Airlines", country="United States")


def _derivation_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("derive_openflights", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bundled_tables_are_what_the_script_derives() -> None:
    script = _derivation_script()
    source: Path = script.DEFAULT_SOURCE
    if not source.is_dir():
        pytest.skip(f"no OpenFlights snapshot at {source}")

    derived = script.derive(source).files

    bundled = resources.files("adapters.demo_data")
    assert set(derived) == {"airlines.csv", "aircraft.csv"}
    for name, content in derived.items():
        assert bundled.joinpath(name).read_text(encoding="utf-8") == content, name
