"""Flights in SQL: FlightInventory (the search read path) and FlightStore (provider sync).

Plain Core statements, not ORM objects: a search reads hundreds of flights per request and
a sync writes thousands per batch. Legs and fares travel as compact JSON in the flight row;
cabins have their own rows because bookings take seats from them with conditional updates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

import msgspec
from sqlalchemy import Row, Table, and_, bindparam, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.persistence.asyncpg_link import AsyncpgLink
from adapters.persistence.rows import FlightCabinRow, FlightRow, InventoryVersionRow
from adapters.persistence.sql_margin_rules import changed
from adapters.persistence.statements import run
from funflights_core.flight import Cabin, CabinClass, Fare, Flight, FlightStatus, Leg
from funflights_core.flight_store import StoreCounts
from funflights_core.money import CurrencyCatalogue, Money

_FLIGHTS = cast(Table, FlightRow.__table__)
_CABINS = cast(Table, FlightCabinRow.__table__)
_VERSION = cast(Table, InventoryVersionRow.__table__)
_COLUMNS = (
    FlightRow.id,
    FlightRow.marketing_carrier,
    FlightRow.flight_number,
    FlightRow.operating_carrier,
    FlightRow.aircraft,
    FlightRow.legs,
    FlightRow.fares,
    FlightRow.status,
    FlightCabinRow.cabin_class,
    FlightCabinRow.capacity,
    FlightCabinRow.seats_available,
)
_CABIN_CLASSES = {cabin.value: cabin for cabin in CabinClass}
_STATUSES = {status.value: status for status in FlightStatus}
"""Enum members by value, looked up directly: calling the enum costs more, per row."""
_ID_CHUNK = 500
"""Ids per IN list (SQLite allows 32,766 parameters; PostgreSQL more)."""
_BY_IDS = (
    select(*_COLUMNS)
    .join(FlightCabinRow, FlightCabinRow.flight_id == FlightRow.id)
    .where(FlightRow.id.in_(bindparam("w_ids", expanding=True)))
    .order_by(FlightRow.id)
)
"""Built once: every offer, hold and price check reads its flights with it."""
_BY_ID = (
    select(*_COLUMNS)
    .join(FlightCabinRow, FlightCabinRow.flight_id == FlightRow.id)
    .where(FlightRow.id == bindparam("w_id"))
)

_encode = msgspec.json.Encoder().encode
_decode_legs = msgspec.json.Decoder(list[tuple[str, str, datetime, datetime]]).decode
_decode_fares = msgspec.json.Decoder(list[tuple[str, str, str, str, str]]).decode


def _legs_json(flight: Flight) -> str:
    return _encode(
        [(leg.origin, leg.destination, leg.departs_at, leg.arrives_at) for leg in flight.legs]
    ).decode()


def _fares_json(flight: Flight) -> str:
    return _encode(
        [
            (
                fare.provider,
                fare.cabin_class.value,
                str(fare.base_fare.amount),
                str(fare.taxes.amount),
                fare.base_fare.currency.code,
            )
            for fare in flight.fares
        ]
    ).decode()


def _flight_values(flight: Flight) -> dict[str, Any]:
    return {
        "id": flight.id,
        "marketing_carrier": flight.marketing_carrier,
        "flight_number": flight.flight_number,
        "operating_carrier": flight.operating_carrier,
        "aircraft": flight.aircraft,
        "origin": flight.origin,
        "destination": flight.destination,
        "departs_at": flight.departs_at,
        "arrives_at": flight.arrives_at,
        "legs": _legs_json(flight),
        "fares": _fares_json(flight),
        "status": flight.status.value,
    }


class SqlFlights:
    """FlightInventory and FlightStore over an async engine (platform-level data)."""

    def __init__(self, engine: AsyncEngine, currencies: CurrencyCatalogue) -> None:
        self._engine = engine
        # Every read here is one statement: on PostgreSQL it needs no BEGIN and COMMIT.
        self._reads = engine
        if engine.dialect.name == "postgresql":
            self._reads = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._currencies = currencies
        self._network: tuple[int, dict[str, frozenset[str]]] | None = None

    async def departing(
        self,
        airports: frozenset[str] | None,
        start: datetime,
        end: datetime,
        *,
        to: frozenset[str] | None = None,
    ) -> Sequence[Flight]:
        """Flights leaving in [``start``, ``end``) from ``airports`` (any) to ``to`` (any)."""
        query = (
            select(*_COLUMNS)
            .join(FlightCabinRow, FlightCabinRow.flight_id == FlightRow.id)
            .where(FlightRow.departs_at >= start, FlightRow.departs_at < end)
            .order_by(FlightRow.departs_at, FlightRow.id)
        )
        if airports is not None:
            query = query.where(FlightRow.origin.in_(sorted(airports)))
        if to is not None:
            query = query.where(FlightRow.destination.in_(sorted(to)))
        async with self._reads.connect() as connection:
            rows = (await connection.execute(query)).all()
        return self._flights(rows)

    async def flight(self, flight_id: str) -> Flight | None:
        """The flight with this id, or None."""
        if self._engine.dialect.driver == "asyncpg":
            # Every offer and hold reads its flights here: on a connection of its own,
            # straight to asyncpg (ADR 0012).
            link = await AsyncpgLink.open(self._engine, autocommit=True)
            try:
                rows = await run(link.session, _BY_ID, {"w_id": flight_id})
            finally:
                await link.close()
            found = self._flights(rows)
            return found[0] if found else None
        async with self._reads.connect() as connection:
            return (await self._by_ids(connection, [flight_id])).get(flight_id)

    async def count(self) -> int:
        """How many flights are stored."""
        async with self._reads.connect() as connection:
            counted = await connection.scalar(select(func.count()).select_from(_FLIGHTS))
        return int(counted or 0)

    async def upsert(self, flights: Sequence[Flight], *, staff: bool = False) -> StoreCounts:
        """Add new flights; merge a provider's copy into a known one (seats sold stay sold)."""
        unique = {flight.id: flight for flight in flights}
        async with self._engine.begin() as connection:
            # Lock the known rows (in id order: no deadlock between two syncs) so that two
            # providers writing one flight at once each merge into the other's result.
            ids = sorted(unique)
            for start in range(0, len(ids), _ID_CHUNK):
                await connection.execute(
                    select(FlightRow.id)
                    .where(FlightRow.id.in_(ids[start : start + _ID_CHUNK]))
                    .order_by(FlightRow.id)
                    .with_for_update()
                )
            known = await self._by_ids(connection, list(unique))
            new = [f for f in unique.values() if f.id not in known]
            changed: list[tuple[Flight, Flight]] = []
            unchanged = 0
            for flight in unique.values():
                old = known.get(flight.id)
                if old is None:
                    continue
                merged = old.merged_with(flight, staff=staff)
                if merged == old:
                    unchanged += 1
                else:
                    changed.append((old, merged))
            if new:
                await connection.execute(_FLIGHTS.insert(), [_flight_values(f) for f in new])
                await connection.execute(
                    _CABINS.insert(), [c for f in new for c in _cabin_values(f, f.cabins)]
                )
            if changed:
                await self._update(connection, changed)
            if new or changed:
                await connection.execute(
                    update(_VERSION)
                    .where(_VERSION.c.id == 1)
                    .values(version=_VERSION.c.version + 1)
                )
        return StoreCounts(added=len(new), changed=len(changed), unchanged=unchanged)

    async def remove(self, flight_id: str) -> bool:
        """Delete a flight and its cabins; False if there is none."""
        async with self._engine.begin() as connection:
            await connection.execute(delete(_CABINS).where(_CABINS.c.flight_id == flight_id))
            result = await connection.execute(delete(_FLIGHTS).where(_FLIGHTS.c.id == flight_id))
            if not changed(result):
                return False
            await connection.execute(
                update(_VERSION).where(_VERSION.c.id == 1).values(version=_VERSION.c.version + 1)
            )
        return True

    async def network(self) -> Mapping[str, frozenset[str]]:
        """Every origin and the airports it has flights to; read again when the version moves."""
        version = await self.version()
        if self._network is not None and self._network[0] == version:
            return self._network[1]
        async with self._reads.connect() as connection:
            pairs = await connection.execute(
                select(FlightRow.origin, FlightRow.destination).distinct()
            )
            network: dict[str, set[str]] = {}
            for origin, destination in pairs:
                network.setdefault(origin, set()).add(destination)
        frozen = {origin: frozenset(to) for origin, to in network.items()}
        self._network = (version, frozen)
        return frozen

    async def busiest_routes(
        self, start: datetime, end: datetime, limit: int
    ) -> Sequence[tuple[str, str]]:
        """The routes with the most flights leaving in the window (the origin index finds
        the window; one GROUP BY counts it)."""
        flights = func.count().label("flights")
        query = (
            select(FlightRow.origin, FlightRow.destination, flights)
            .where(FlightRow.departs_at >= start, FlightRow.departs_at < end)
            .group_by(FlightRow.origin, FlightRow.destination)
            .order_by(flights.desc(), FlightRow.origin, FlightRow.destination)
            .limit(limit)
        )
        async with self._reads.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [(row.origin, row.destination) for row in rows]

    async def version(self) -> int:
        """Grows with every write that changed a flight."""
        async with self._reads.connect() as connection:
            found = await connection.scalar(select(_VERSION.c.version).where(_VERSION.c.id == 1))
        return int(found or 0)

    async def _update(
        self, connection: AsyncConnection, changed: Sequence[tuple[Flight, Flight]]
    ) -> None:
        rows = [{**_flight_values(merged), "flight_key": merged.id} for _, merged in changed]
        for row in rows:
            del row["id"]
        await connection.execute(
            update(_FLIGHTS).where(_FLIGHTS.c.id == bindparam("flight_key")), rows
        )
        added: list[dict[str, Any]] = []
        resized: list[dict[str, Any]] = []
        for old, merged in changed:
            for cabin in merged.cabins:
                before = old.cabin(cabin.cabin_class)
                if before is None:
                    added.extend(_cabin_values(merged, [cabin]))
                elif before.capacity != cabin.capacity:
                    resized.append(
                        {
                            "key_flight": merged.id,
                            "key_class": cabin.cabin_class.value,
                            "new_capacity": cabin.capacity,
                        }
                    )
        if added:
            await connection.execute(_CABINS.insert(), added)
        if resized:
            # Relative to what is stored now: seats taken by a booking meanwhile stay taken.
            await connection.execute(
                update(_CABINS)
                .where(
                    and_(
                        _CABINS.c.flight_id == bindparam("key_flight"),
                        _CABINS.c.cabin_class == bindparam("key_class"),
                    )
                )
                .values(
                    seats_available=_seats_after_resize(bindparam("new_capacity")),
                    capacity=bindparam("new_capacity"),
                ),
                resized,
            )

    async def _by_ids(self, connection: AsyncConnection, ids: Sequence[str]) -> dict[str, Flight]:
        rows: list[Any] = []
        for start in range(0, len(ids), _ID_CHUNK):
            chunk = list(ids[start : start + _ID_CHUNK])
            rows.extend((await connection.execute(_BY_IDS, {"w_ids": chunk})).all())
        return {flight.id: flight for flight in self._flights(rows)}

    def _flights(self, rows: Iterable[Any]) -> list[Flight]:
        """Rows of a flight-cabin join (a flight's rows together) as flights."""
        flights: list[Flight] = []
        current: Row[Any] | None = None
        cabins: list[Cabin] = []
        for row in rows:
            if current is not None and row.id != current.id:
                flights.append(self._flight(current, cabins))
                cabins = []
            current = row
            cabin_class = _CABIN_CLASSES[row.cabin_class]
            cabins.append(Cabin(cabin_class, row.capacity, row.seats_available))
        if current is not None:
            flights.append(self._flight(current, cabins))
        return flights

    def _flight(self, row: Row[Any], cabins: list[Cabin]) -> Flight:
        legs = tuple(
            Leg(origin, destination, _utc(departs), _utc(arrives))
            for origin, destination, departs, arrives in _decode_legs(row.legs)
        )
        fares = []
        for provider, cabin_class, base, taxes, code in _decode_fares(row.fares):
            currency = self._currencies.currency(code)
            fares.append(
                Fare(
                    provider,
                    _CABIN_CLASSES[cabin_class],
                    Money(Decimal(base), currency),
                    Money(Decimal(taxes), currency),
                )
            )
        return Flight(
            id=row.id,
            marketing_carrier=row.marketing_carrier,
            flight_number=row.flight_number,
            operating_carrier=row.operating_carrier,
            aircraft=row.aircraft,
            legs=legs,
            cabins=tuple(cabins),
            fares=tuple(fares),
            status=_STATUSES[row.status],
        )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _cabin_values(flight: Flight, cabins: Iterable[Cabin]) -> list[dict[str, Any]]:
    return [
        {
            "flight_id": flight.id,
            "cabin_class": cabin.cabin_class.value,
            "capacity": cabin.capacity,
            "seats_available": cabin.seats_available,
        }
        for cabin in cabins
    ]


def _seats_after_resize(new_capacity: Any) -> Any:
    sold = _CABINS.c.capacity - _CABINS.c.seats_available
    return case((new_capacity - sold < 0, 0), else_=new_capacity - sold)
