"""What the customer is told when something happens to a booking (plain-text email)."""

from __future__ import annotations

from funflights_core.mailer import Email
from funflights_core.outbox import EventKind, OutboxEvent

_SUBJECTS = {
    EventKind.BOOKING_CONFIRMED: "Your booking {record_locator} is confirmed",
    EventKind.BOOKING_CHANGED: "Your booking {record_locator} has new flights",
    EventKind.BOOKING_CANCELLED: "Your booking {record_locator} is cancelled",
    EventKind.BOOKING_REFUNDED: "A refund for booking {record_locator} is on its way",
    EventKind.HOLD_EXPIRED: "Your held seats were released",
}

_OPENINGS = {
    EventKind.BOOKING_CONFIRMED: "Thank you: your payment went through and your tickets are "
    "issued.",
    EventKind.BOOKING_CHANGED: "As you asked, your trip moved to new flights; your new "
    "e-tickets replace the old ones.",
    EventKind.BOOKING_CANCELLED: "As you asked, your booking is cancelled.",
    EventKind.BOOKING_REFUNDED: "We have sent your refund to the payment method you used. "
    "It can take a few days to show.",
    EventKind.HOLD_EXPIRED: "The seats we held for you were released because the booking was "
    "not paid in time. Search again to book.",
}


def trip_message(event: OutboxEvent) -> Email | None:
    """The email an event sends, or None when there is nobody to send it to."""
    payload = event.payload
    to = payload.get("email", "").strip()
    if not to:
        return None
    locator = payload.get("record_locator") or "(not issued)"
    lines = [
        f"Hello {payload.get('name') or 'traveller'},",
        "",
        _OPENINGS[event.kind],
        "",
        f"Booking reference: {locator}",
        f"Flights: {payload.get('flights', '')}",
        f"Departure (UTC): {payload.get('departs_at', '')}",
        f"Total: {payload.get('total', '')}",
    ]
    if "refunded" in payload:
        lines.append(f"Refunded so far: {payload['refunded']}")
    lines += ["", "FunWithFlights"]
    return Email(
        tenant_id=event.tenant_id,
        to=to,
        subject=_SUBJECTS[event.kind].format(record_locator=locator),
        body="\n".join(lines),
        message_id=event.id,
    )
