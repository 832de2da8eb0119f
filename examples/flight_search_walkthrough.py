"""Flight search end to end, over HTTP: search London to New York, page, choose, hold the price.

Start the service first (``make run`` loads a week of demo flights from today), then, from
the repository root:
``.venv/bin/python examples/flight_search_walkthrough.py [BASE_URL] [DATE]`` (default
http://127.0.0.1:8000 and tomorrow). It searches LON (every London airport) to NYC for two
adults and a child, prints the first page and the second one (through ``next_cursor``),
makes an offer of the first result, reads it back and prices it again. It changes nothing
but the offer it makes (which expires by itself).
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from typing import Any

import httpx

PARTY = {"adults": 2, "children": 1, "infants": 0}
PAGE = 5


def call(client: httpx.Client, method: str, path: str, expect: int, **kwargs: Any) -> Any:
    """One request; stops with the problem document if the status is not ``expect``."""
    answer = client.request(method, path, **kwargs)
    if answer.status_code != expect:
        sys.exit(f"{method} {path}: {answer.status_code} {answer.text}")
    return answer.json()


def clock(moment: str) -> str:
    """``2026-12-02T09:25:00-05:00`` as ``12-02 09:25``: the local date and time."""
    return f"{moment[5:10]} {moment[11:16]}"


def show(result: dict[str, Any]) -> None:
    """One result on one line: flights, local times, duration, stops, price, seats left."""
    flights = result["flights"]
    route = " ".join(f"{f['designator']} {f['origin']}-{f['destination']}" for f in flights)
    hours, minutes = divmod(result["duration_minutes"], 60)
    few = "" if result["seats_left"] is None else f", {result['seats_left']} seats left"
    price = result["price"]
    print(
        f"  {route:<34} {clock(flights[0]['departs_local'])} -> "
        f"{clock(flights[-1]['arrives_local'])}  {hours:2d}h{minutes:02d}  "
        f"{result['stops']} stop(s)  {price['amount']:>9} {price['currency']}{few}"
    )


def main(base_url: str, day: date) -> None:
    """Search, page, choose, read and price again."""
    query = {"origin": "LON", "destination": "NYC", "date": day.isoformat(), "limit": PAGE}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        found = call(client, "GET", "/api/v1/flights/search", 200, params={**query, **PARTY})
        first = found["slices"][0]
        facets = first["facets"]
        if not first["results"]:
            sys.exit(
                f"no flights LON-NYC on {day}: load them with "
                f"'funflights demo generate --start {day} --days 1 --scale 0.3'"
            )
        print(
            f"LON -> NYC on {day}, 2 adults and a child: {first['total']} results "
            f"({facets['stops'].get('0', 0)} direct), from {facets['min_price']['amount']} "
            f"to {facets['max_price']['amount']} {first['currency']}; sorted best "
            "(shortest, then cheapest)"
        )
        for result in first["results"]:
            show(result)

        cursor = first["next_cursor"]
        if cursor is not None:
            page = call(
                client,
                "GET",
                "/api/v1/flights/search",
                200,
                params={**query, **PARTY, "cursor": cursor},
            )
            print("page 2:")
            for result in page["slices"][0]["results"]:
                show(result)

        chosen = first["results"][0]
        flight_ids = [flight["id"] for flight in chosen["flights"]]
        choice = {"flight_ids": flight_ids, **PARTY}
        offer = call(client, "POST", "/api/v1/offers", 201, json=choice)
        print(
            f"offer {offer['id']} of {' + '.join(offer['flight_ids'])}: "
            f"{offer['total']['amount']} {offer['total']['currency']} "
            f"(search said {chosen['price']['amount']}), held until {offer['expires_at']}"
        )
        for line in offer["lines"]:
            print(
                f"  {line['flight_id']}: {line['provider']} base {line['base_fare']['amount']} "
                f"+ taxes {line['taxes']['amount']} + margin {line['margin']['amount']} "
                f"{line['margin']['currency']} = {line['total']['amount']} "
                f"{line['total']['currency']}"
            )

        read = call(client, "GET", f"/api/v1/offers/{offer['id']}", 200)
        print(f"read back: {read['total']['amount']} {read['total']['currency']}")
        check = call(client, "POST", f"/api/v1/offers/{offer['id']}/price", 200)
        print(
            f"priced again: {check['status']} "
            f"({check['old_total']['amount']} -> {check['new_total']['amount']} "
            f"{check['new_total']['currency']})"
        )


if __name__ == "__main__":
    BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    DAY = date.fromisoformat(sys.argv[2]) if len(sys.argv) > 2 else date.today() + timedelta(1)
    main(BASE, DAY)
