"""Booking end to end, over HTTP: hold, pay with 3-D Secure, read the trip, cancel one.

Start the service first (``make run``: a week of demo flights from today, the demo
accounts, and the worker inside the server), then, from the repository root:
``.venv/bin/python examples/booking_walkthrough.py [BASE_URL] [DATE]`` (default
http://127.0.0.1:8000 and three days from today). It signs in as the demo traveller,
searches LON to NYC for two adults, makes an offer of the cheapest direct flight, holds it
for two named travellers with seats and a bag (with an Idempotency-Key, sent twice), pays
with the sandbox 3-D Secure card in pounds, passes the challenge, lists the trips, asks
what cancelling the second traveller would give back, and confirms it. The trip emails
appear in the server's log (logger ``funflights.mail``).
"""

from __future__ import annotations

import sys
import uuid
from datetime import date, timedelta
from typing import Any

import httpx

TRAVELLER = {"email": "traveller@funflights.example", "password": "funflights-demo-password"}
THREE_D_SECURE_CARD = {
    "number": "4000 0000 0000 3220",
    "expiry": "12/30",
    "cvc": "123",
    "holder": "Ada Lovelace",
}


def call(
    client: httpx.Client, method: str, path: str, expect: int, **kwargs: Any
) -> tuple[Any, httpx.Headers]:
    """One request; stops with the problem document if the status is not ``expect``."""
    answer = client.request(method, path, **kwargs)
    if answer.status_code != expect:
        sys.exit(f"{method} {path}: {answer.status_code} {answer.text}")
    return answer.json(), answer.headers


def money(amount: dict[str, str]) -> str:
    """``{"amount": "12.50", "currency": "EUR"}`` as ``12.50 EUR``."""
    return f"{amount['amount']} {amount['currency']}"


def main(base_url: str, day: date) -> None:
    """Sign in, choose, hold, pay, read, cancel one traveller."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        tokens, _ = call(client, "POST", "/api/v1/auth/login", 200, json=TRAVELLER)
        client.headers["Authorization"] = f"Bearer {tokens['access_token']}"
        query = {
            "origin": "LON",
            "destination": "NYC",
            "date": day.isoformat(),
            "adults": 2,
            "max_stops": 0,
            "sort": "cheapest",
            "limit": 1,
        }
        found, _ = call(client, "GET", "/api/v1/flights/search", 200, params=query)
        results = found["slices"][0]["results"]
        if not results:
            sys.exit(f"no direct LON-NYC flight on {day}: try another date in the loaded week")
        flight = results[0]["flights"][0]["id"]
        print(f"cheapest direct flight on {day}: {flight}, {money(results[0]['price'])}")
        offer, _ = call(
            client, "POST", "/api/v1/offers", 201, json={"flight_ids": [flight], "adults": 2}
        )
        hold = {
            "offer_id": offer["id"],
            "travellers": [
                {"given_names": "Ada", "family_name": "Lovelace", "born": "1985-12-10"},
                {"given_names": "Charles", "family_name": "Babbage", "born": "1980-12-26"},
            ],
            "seats": [{"passenger": 0, "flight_id": flight, "seat": "31A"}],
            "bags": [{"passenger": 0, "flight_id": flight, "bags": 1}],
        }
        key = {"Idempotency-Key": f"walkthrough-{uuid.uuid4()}"}
        booking, _ = call(client, "POST", "/api/v1/bookings", 201, json=hold, headers=key)
        again, headers = call(client, "POST", "/api/v1/bookings", 201, json=hold, headers=key)
        print(
            f"held {booking['id']} until {booking['hold_expires_at']}: "
            f"{money(booking['price']['total'])} (a bag: {money(booking['price']['bag_fee'])}); "
            f"sent again with the same key: the same booking "
            f"({again['id'] == booking['id']}, Idempotent-Replayed: "
            f"{headers.get('idempotent-replayed')})"
        )
        path = f"/api/v1/bookings/{booking['id']}"
        paying = {"method": "card", "details": THREE_D_SECURE_CARD, "currency": "GBP"}
        started, _ = call(client, "POST", f"{path}/payment", 202, json=paying)
        payment = started["payment"]
        print(
            f"paying {money(payment['amount'])} (rate {payment['rate']}): "
            f"{payment['next_action']['kind']} asked"
        )
        confirmed, _ = call(
            client,
            "POST",
            f"{path}/payment/continue",
            200,
            json={"response": {"result": "pass"}},
        )
        tickets = ", ".join(t["number"] for t in confirmed["tickets"])
        print(f"confirmed: record locator {confirmed['record_locator']}, tickets {tickets}")
        trips, _ = call(client, "GET", "/api/v1/bookings", 200, params={"when": "upcoming"})
        print(f"upcoming trips: {len(trips)}")
        quote, _ = call(client, "POST", f"{path}/cancellation-quote", 201, json={"passengers": [1]})
        refund = "nothing" if quote["refund"] is None else money(quote["refund"])
        print(f"cancelling Charles would give back {refund} to the {quote['method']}")
        after, _ = call(
            client,
            "POST",
            f"{path}/cancellation",
            200,
            json={"quote_id": quote["id"]},
            headers={"Idempotency-Key": f"walkthrough-{uuid.uuid4()}"},
        )
        print(f"after cancelling: {after['status']}; refunds {after['refunds']}")


if __name__ == "__main__":
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    when = date.fromisoformat(sys.argv[2]) if len(sys.argv) > 2 else date.today() + timedelta(3)
    main(base, when)
