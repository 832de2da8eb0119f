"""The people on a booking: names as on their documents, birth dates, optional document.

A booking's travellers must be the party its offer was priced for: as many adults (12 and
over on the day of travel), children (2 to 11) and infants (under 2) as it counted, each
checked against the departure date, the way airlines check them at the gate.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from datetime import date

import attrs

from funflights_core.errors import InvalidInput
from funflights_core.passengers import Passengers

_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '\-.])*$")
"""Letters (any script), with spaces, apostrophes, hyphens and dots inside."""
_DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9]{5,20}$")


class AgeGroup(enum.StrEnum):
    """How a traveller is priced and seated, by age on the day of travel."""

    ADULT = "adult"
    CHILD = "child"
    INFANT = "infant"


class DocumentKind(enum.StrEnum):
    """A travel document."""

    PASSPORT = "passport"
    IDENTITY_CARD = "identity_card"


def _code(value: str) -> str:
    return value.strip().upper()


def _spaced(value: str) -> str:
    return " ".join(value.split())


def age_on(born: date, day: date) -> int:
    """Whole years between ``born`` and ``day`` (a birthday on the day counts)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_group(born: date, travel_day: date) -> AgeGroup:
    """The traveller's group on the day of travel."""
    age = age_on(born, travel_day)
    if age < 2:
        return AgeGroup.INFANT
    return AgeGroup.CHILD if age < 12 else AgeGroup.ADULT


@attrs.frozen
class TravelDocument:
    """A passport or identity card, as the traveller gives it."""

    kind: DocumentKind
    number: str = attrs.field(converter=_code)
    country: str = attrs.field(converter=_code)
    """ISO 3166-1 alpha-2 code of the issuing country."""
    expires: date

    def __attrs_post_init__(self) -> None:
        if not _DOCUMENT_NUMBER.match(self.number):
            raise InvalidInput("document.number", "use 5 to 20 letters and digits")
        if not re.fullmatch(r"[A-Z]{2}", self.country):
            raise InvalidInput("document.country", "use the two-letter country code, e.g. GB")


@attrs.frozen
class Traveller:
    """One person travelling, named as on the document they travel with."""

    given_names: str = attrs.field(converter=_spaced)
    family_name: str = attrs.field(converter=_spaced)
    born: date
    document: TravelDocument | None = None

    def __attrs_post_init__(self) -> None:
        for field, value in (("given_names", self.given_names), ("family_name", self.family_name)):
            if not 1 <= len(value) <= 60 or not _NAME.match(value):
                raise InvalidInput(field, "use letters, spaces, apostrophes and hyphens (1-60)")


def check_party(
    travellers: Sequence[Traveller], party: Passengers, *, travel_day: date, today: date
) -> tuple[AgeGroup, ...]:
    """Each traveller's group, if they are the priced party; ``InvalidInput`` naming what
    does not fit (a birth date to come, a document that expires before travel, the counts)."""
    groups = []
    for number, traveller in enumerate(travellers, start=1):
        if traveller.born > today:
            raise InvalidInput(f"travellers[{number}].born", "a birth date cannot be in the future")
        document = traveller.document
        if document is not None and document.expires < travel_day:
            raise InvalidInput(
                f"travellers[{number}].document.expires", "the document expires before travel"
            )
        groups.append(age_group(traveller.born, travel_day))
    counted = (
        groups.count(AgeGroup.ADULT),
        groups.count(AgeGroup.CHILD),
        groups.count(AgeGroup.INFANT),
    )
    if counted != (party.adults, party.children, party.infants):
        raise InvalidInput(
            "travellers",
            f"the offer is for {party.adults} adult(s), {party.children} child(ren) and "
            f"{party.infants} infant(s) on {travel_day}; these travellers are "
            f"{counted[0]}, {counted[1]} and {counted[2]}",
        )
    return tuple(groups)
