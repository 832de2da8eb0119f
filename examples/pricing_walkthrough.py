"""The pricing API end to end, over HTTP: a margin rule is added, used, explained, changed,
audited and deleted.

Start the service first (``make run``), then, from the repository root:
``.venv/bin/python examples/pricing_walkthrough.py [BASE_URL]`` (default
http://127.0.0.1:8000). It signs in as the demo tenant-admin ``pricing@funflights.example``
(created by ``funflights demo seed``), prints each step, and removes the rule it added.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import Any

import httpx

EMAIL = "pricing@funflights.example"
PASSWORD = "funflights-demo-password"
FLIGHT = {
    "carrier": "VS",
    "flight_number": "4",
    "origin": "JFK",
    "destination": "LHR",
    "departure": "2027-03-14",
    "cabin": "economy",
}
QUOTES = [
    {"provider": "flights1", "base_fare": "540.00", "taxes": "188.30", "currency": "USD"},
    {"provider": "flights2", "base_fare": "525.00", "taxes": "201.10", "currency": "USD"},
]


def call(client: httpx.Client, method: str, path: str, expect: int, **kwargs: Any) -> Any:
    """One request; stops with the problem document if the status is not ``expect``."""
    answer = client.request(method, path, **kwargs)
    if answer.status_code != expect:
        sys.exit(f"{method} {path}: {answer.status_code} {answer.text}")
    return answer.json() if answer.content else None


def price(client: httpx.Client, step: str) -> None:
    """Ask for the price of the flight in pounds and print its lines."""
    body = {**FLIGHT, "passengers": 2, "currency": "GBP", "quotes": QUOTES}
    quote = call(client, "POST", "/api/v1/pricing/quote", 200, json=body)
    chosen, margin, total = quote["chosen"], quote["margin"], quote["total"]
    exchange = quote["exchange"]
    print(
        f"{step}: {chosen['provider']} costs {chosen['cost']['amount']} "
        f"{chosen['cost']['currency']}, margin {margin['amount']} {margin['currency']} "
        f"(rule {quote['margin_rule_id']}), total {total['amount']} {total['currency']} "
        f"at {Decimal(exchange['applied_rate']):.6f} ({exchange['source']} of {exchange['as_of']})"
    )


def main(base_url: str) -> None:
    """Walk through a margin rule's life."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        tokens = call(
            client, "POST", "/api/v1/auth/login", 200, json={"email": EMAIL, "password": PASSWORD}
        )
        client.headers["Authorization"] = f"Bearer {tokens['access_token']}"
        print(f"signed in as {EMAIL}")

        price(client, "price before")
        rule = call(
            client,
            "POST",
            "/api/v1/admin/margin-rules",
            201,
            json={
                "carrier": FLIGHT["carrier"],
                "flight_number": FLIGHT["flight_number"],
                "percent": "8",
                "description": "pricing walkthrough",
            },
        )
        rule_id = rule["id"]
        try:
            print(f"added {rule['level']} rule {rule_id}: {rule['percent']}%")
            price(client, "price with the rule")

            explained = call(
                client, "GET", "/api/v1/admin/margin-rules/explain", 200, params=FLIGHT
            )
            print("explain:")
            for candidate in explained["considered"]:
                looked_at = candidate["rule"]
                print(f"  {looked_at['level']:<15} {looked_at['id']}  {candidate['reason']}")

            changed = call(
                client,
                "PATCH",
                f"/api/v1/admin/margin-rules/{rule_id}",
                200,
                json={"percent": "4", "fixed_per_passenger": "10", "currency": "EUR"},
            )
            print(
                f"changed rule {rule_id}: {changed['percent']}% "
                f"+ {changed['fixed_per_passenger']} {changed['currency']} per passenger"
            )
            price(client, "price after the change")
        finally:
            call(client, "DELETE", f"/api/v1/admin/margin-rules/{rule_id}", 204)
            print(f"deleted rule {rule_id}")

        print("history:")
        for entry in call(client, "GET", f"/api/v1/admin/margin-rules/{rule_id}/history", 200):
            before, after = entry["before"] or {}, entry["after"] or {}
            changes = ", ".join(
                f"{name} {before.get(name) or '-'} -> {after.get(name) or '-'}"
                for name in ("percent", "fixed_per_passenger", "currency")
                if before.get(name) != after.get(name)
            )
            print(f"  {entry['at']}  {entry['action']:<6} by {entry['actor']}: {changes}")
        price(client, "price after the delete")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
