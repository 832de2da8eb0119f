"""``funflights margins ...`` and ``funflights coupons ...``: an operator's pricing changes.

Changes are made as the operator ``cli:<login name>`` and land in the audit log like those
made through the admin API. A serving process picks up margin-rule changes at its next poll
(FUNFLIGHTS_MARGIN_RULES_POLL_S).
"""

from __future__ import annotations

import asyncio
import getpass
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from adapters.clocks import SystemClock
from entrypoints.bootstrap import PricingParts, SettingsError, build_identity, build_pricing
from entrypoints.cli.settings_option import load_settings
from funflights_core.audit import AuditEntry
from funflights_core.coupon_fields import COUPON_FIELDS, coupon_fields
from funflights_core.coupons import CouponStatus
from funflights_core.errors import Conflict, FunFlightsError, InvalidInput, NotFound
from funflights_core.margin_book import Explanation
from funflights_core.margin_rule import CountrySide, MarginRule
from funflights_core.margin_rule_fields import CABINS, RULE_FIELDS, moment_field, rule_fields
from funflights_core.price_quotes import QuoteRequest
from funflights_core.staff import Staff, operator

T = TypeVar("T")
FC = TypeVar("FC", bound=Callable[..., Any])

# The options of each field: (option, field, extra click.option arguments).
_RULE_OPTIONS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("--percent", "percent", {"help": 'Share of the base fare in percent: "5" is 5%.'}),
    ("--fixed", "fixed_per_passenger", {"help": "Fixed amount per passenger, e.g. 12.50."}),
    ("--minimum", "minimum", {"help": "Smallest margin of a booking."}),
    ("--maximum", "maximum", {"help": "Largest margin of a booking."}),
    ("--currency", "currency", {"help": "Currency of --fixed, --minimum and --maximum."}),
    ("--carrier", "carrier", {"help": "Airline code, e.g. BA (an airline rule)."}),
    ("--flight-number", "flight_number", {"help": "With --carrier: a flight rule, e.g. 117."}),
    ("--origin", "origin", {"help": "With --destination: a route rule, e.g. LHR."}),
    ("--destination", "destination", {"help": "With --origin: a route rule, e.g. JFK."}),
    ("--country", "country", {"help": "A country rule, e.g. GB."}),
    (
        "--country-side",
        "country_side",
        {
            "type": click.Choice([s.value for s in CountrySide], case_sensitive=False),
            "help": "Which end of the journey --country looks at (default either).",
        },
    ),
    (
        "--cabin",
        "cabin",
        {"type": click.Choice(CABINS, case_sensitive=False), "help": "Only this cabin."},
    ),
    ("--travel-from", "travel_from", {"help": "First departure date covered, e.g. 2026-12-01."}),
    ("--travel-until", "travel_until", {"help": "Last departure date covered (inclusive)."}),
    ("--valid-from", "valid_from", {"help": "In force from, e.g. 2026-12-01T00:00:00Z."}),
    ("--valid-until", "valid_until", {"help": "In force until (excluded), with a time zone."}),
    ("--priority", "priority", {"type": int, "help": "Breaks ties within a level (-1000..1000)."}),
    ("--description", "description", {"help": "Why the rule exists."}),
)

_COUPON_OPTIONS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("--percent-off", "percent_off", {"help": 'Discount in percent: "10" is 10% off.'}),
    (
        "--amount-off",
        "amount_off",
        {"help": "Discount as an amount, e.g. 15.00 (with --currency)."},
    ),
    ("--currency", "currency", {"help": "Currency of --amount-off and --minimum-spend."}),
    ("--minimum-spend", "minimum_spend", {"help": "Smallest price the coupon applies to."}),
    ("--valid-from", "valid_from", {"help": "Usable from, e.g. 2026-12-01T00:00:00Z."}),
    ("--valid-until", "valid_until", {"help": "Usable until (excluded), with a time zone."}),
    ("--airline", "airlines", {"multiple": True, "help": "Only this airline (repeatable)."}),
    (
        "--route",
        "routes",
        {"multiple": True, "help": "Only this route, e.g. LHR-JFK (repeatable)."},
    ),
    (
        "--cabin",
        "cabins",
        {
            "multiple": True,
            "type": click.Choice(CABINS, case_sensitive=False),
            "help": "Only this cabin (repeatable).",
        },
    ),
    ("--total-uses", "total_uses", {"type": int, "help": "How often it may be used in all."}),
    ("--uses-per-customer", "uses_per_customer", {"type": int, "help": "How often per customer."}),
    (
        "--combinable/--not-combinable",
        "combinable",
        {"default": None, "help": "Whether it combines with other coupons (default: not)."},
    ),
    ("--description", "description", {"help": "What the coupon is for."}),
    (
        "--below-cost/--not-below-cost",
        "below_cost_allowed",
        {
            "default": None,
            "help": "A promotion the platform funds: may take a price below the providers' "
            "cost (default: not; the discount is cut to the margin).",
        },
    ),
)

_RULE_HINTS = {field: f"'{option}'" for option, field, _ in _RULE_OPTIONS}
_COUPON_HINTS = {field: f"'{option.split('/')[0]}'" for option, field, _ in _COUPON_OPTIONS} | {
    "code": "'CODE'",
    "discount": "'--percent-off'",
}
_EXPLAIN_HINTS = {
    "carrier": "'--carrier'",
    "flight_number": "'--flight-number'",
    "origin": "'--origin'",
    "destination": "'--destination'",
    "at": "'--at'",
}


def _operator_name() -> str:
    """Who runs the command, as the operating system knows them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def run_with_pricing(
    tenant_id: str,
    work: Callable[[PricingParts, Staff], Awaitable[T]],
    *,
    hints: Mapping[str, str] | None = None,
) -> T:
    """Run ``work`` as this operator in a tenant; domain errors become CLI errors.

    ``hints`` names the option behind each core field, for messages about invalid input.
    """
    settings = load_settings()
    clock = SystemClock()
    try:
        identity = build_identity(settings, clock=clock, ephemeral_secret_allowed=True)
        pricing = build_pricing(settings, database=identity.database, clock=clock, http_client=None)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    staff = operator(tenant_id, _operator_name())

    async def run() -> T:
        try:
            try:
                await identity.tenant_admin.get(None, tenant_id)
            except NotFound:
                raise NotFound(f"no tenant {tenant_id}") from None
            return await work(pricing, staff)
        finally:
            await identity.database.engine.dispose()

    try:
        return asyncio.run(run())
    except InvalidInput as exc:
        hint = (hints or {}).get(exc.field, f"'{exc.field}'")
        raise click.BadParameter(exc.reason, param_hint=hint) from None
    except (Conflict, NotFound) as exc:
        raise click.ClickException(str(exc)) from None
    except FunFlightsError as exc:
        raise click.ClickException(str(exc)) from None
    except (SQLAlchemyError, OSError) as exc:
        raise click.ClickException(
            f"database error ({type(exc).__name__}: {str(exc).splitlines()[0]}); "
            "is it migrated? run 'funflights db upgrade'"
        ) from None


tenant_option = click.option(
    "--tenant",
    "tenant_id",
    default="default",
    show_default=True,
    help="The tenant whose pricing this is.",
)


def _field_options(options: Sequence[tuple[str, str, dict[str, Any]]]) -> Callable[[FC], FC]:
    def decorate(function: FC) -> FC:
        for option, field, extra in reversed(options):
            function = click.option(option, field, **extra)(function)
        return function

    return decorate


def _clear_option(options: Sequence[tuple[str, str, dict[str, Any]]]) -> Callable[[FC], FC]:
    """``--clear FIELD`` (repeatable), by option name or field name; gives field names."""
    aliases: dict[str, str] = {}
    for option, field, _ in options:
        # A yes/no option clears to "no"; it is named by its first spelling.
        name = option.split("/")[0].lstrip("-")
        aliases[field.replace("_", "-")] = field
        aliases[name] = field
    known = ", ".join(option.split("/")[0].lstrip("-") for option, _, _ in options)

    def convert(
        ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
    ) -> tuple[str, ...]:
        fields = []
        for value in values:
            key = value.strip().lower().lstrip("-").replace("_", "-")
            if key not in aliases:
                raise click.BadParameter(f"{value!r} is not one of {known}", ctx, param)
            fields.append(aliases[key])
        return tuple(fields)

    return click.option(
        "--clear",
        "clear",
        multiple=True,
        metavar="FIELD",
        callback=convert,
        help="Remove a field's value, e.g. --clear valid-until (repeatable).",
    )


def _given(options: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """The fields given on the command line (None and empty repeatable options are not)."""
    return {
        field: list(value) if isinstance(value, tuple) else value
        for field, value in options.items()
        if field in fields and value is not None and value != ()
    }


def _changes(
    options: Mapping[str, Any],
    fields: Sequence[str],
    clear: tuple[str, ...],
    hints: Mapping[str, str],
) -> dict[str, Any]:
    changes = _given(options, fields)
    both = [field for field in clear if field in changes]
    if both:
        raise click.UsageError(f"{hints[both[0]]} is both given and cleared")
    changes.update(dict.fromkeys(clear))
    if not changes:
        raise click.UsageError("nothing to change: give an option, or --clear FIELD")
    return changes


# --- showing things ----------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None or value in ("", []):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def _span(start: Any, end: Any) -> str:
    if start is None and end is None:
        return "-"
    return f"{start or ''}..{end or ''}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


def _names(fields: Mapping[str, Any]) -> str:
    """What a rule names: "BA 117", "BA", "LHR-JFK", "GB (origin)" or "default"."""
    level = fields["level"]
    if level == "flight":
        return f"{fields['carrier']} {fields['flight_number']}"
    if level == "airline":
        return str(fields["carrier"])
    if level == "route":
        return f"{fields['origin']}-{fields['destination']}"
    if level == "country":
        return f"{fields['country']} ({fields['country_side']})"
    return "default"


def _level(fields: Mapping[str, Any]) -> str:
    return "default" if fields["level"] == "tenant_default" else str(fields["level"])


def _fixed(fields: Mapping[str, Any]) -> str:
    amount = fields["fixed_per_passenger"]
    return "-" if amount is None else f"{amount} {fields['currency']}"


def _bounds(fields: Mapping[str, Any]) -> str:
    low, high = fields["minimum"], fields["maximum"]
    if low is None and high is None:
        return "-"
    return f"{low or ''}..{high or ''} {fields['currency']}"


def _rule_summary(rule: MarginRule) -> str:
    """One line: what the rule names and what it adds."""
    f = rule_fields(rule)
    names = "tenant default" if f["level"] == "tenant_default" else f"{f['level']} {_names(f)}"
    parts = [f"{names}: {f['percent']}%"]
    if f["fixed_per_passenger"] is not None:
        parts.append(f"+ {_fixed(f)} per passenger")
    if f["minimum"] is not None:
        parts.append(f"at least {f['minimum']} {f['currency']}")
    if f["maximum"] is not None:
        parts.append(f"at most {f['maximum']} {f['currency']}")
    if f["cabin"] is not None:
        parts.append(f"{f['cabin']} only")
    if f["travel_from"] or f["travel_until"]:
        parts.append(f"departing {_span(f['travel_from'], f['travel_until'])}")
    if f["valid_from"] or f["valid_until"]:
        parts.append(f"in force {_span(f['valid_from'], f['valid_until'])}")
    if f["priority"]:
        parts.append(f"priority {f['priority']}")
    return ", ".join(parts)


def _history(entries: Sequence[AuditEntry], identity: str) -> None:
    """Each change: when, who, what; then each field it changed, before -> after."""
    for entry in entries:
        click.echo(f"{entry.at.isoformat()}  {entry.actor}  {entry.action}")
        if entry.after is None:
            continue  # a deletion: the entries before it show what was removed
        before = entry.before_fields() or {}
        after = entry.after_fields() or {}
        for key in sorted(set(before) | set(after)):
            if key in (identity, "created_at"):
                continue
            old, new = before.get(key), after.get(key)
            if old == new or (_text(old) == "-" and _text(new) == "-"):
                continue
            click.echo(f"    {key}: {_text(old)} -> {_text(new)}")


# --- margins -----------------------------------------------------------------------------


@click.group()
def margins() -> None:
    """Margin rules: what the platform adds to a fare (most specific rule wins).

    A rule's level follows from what it names: --carrier with --flight-number (a flight),
    --carrier (an airline), --origin with --destination (a route), --country, or nothing
    (the tenant's default).
    """


@margins.command("list")
@tenant_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_rules(tenant_id: str, as_json: bool) -> None:
    """List the tenant's rules, most specific first."""
    rules = run_with_pricing(tenant_id, lambda parts, staff: parts.margin_rules.all(staff))
    if as_json:
        for rule in rules:
            click.echo(json.dumps(rule_fields(rule)))
        return
    if not rules:
        click.echo(f"no margin rules in tenant {tenant_id}")
        return
    rows = []
    for rule in rules:
        f = rule_fields(rule)
        rows.append(
            [
                rule.id,
                _level(f),
                _names(f),
                _text(f["cabin"]),
                f"{f['percent']}%",
                _fixed(f),
                _bounds(f),
                _span(f["travel_from"], f["travel_until"]),
                _span(f["valid_from"], f["valid_until"]),
                str(f["priority"]),
            ]
        )
    _table(
        [
            "id",
            "level",
            "names",
            "cabin",
            "percent",
            "fixed",
            "min..max",
            "travel",
            "valid",
            "prio",
        ],
        rows,
    )


@margins.command("set")
@tenant_option
@_field_options(_RULE_OPTIONS)
def set_rule(tenant_id: str, **options: Any) -> None:
    """Add a margin rule; prints its id."""
    fields = _given(options, RULE_FIELDS)
    rule = run_with_pricing(
        tenant_id,
        lambda parts, staff: parts.margin_rules.create(staff, fields),
        hints=_RULE_HINTS,
    )
    click.echo(f"created margin rule {rule.id}: {_rule_summary(rule)}")


@margins.command("update")
@click.argument("rule_id")
@tenant_option
@_field_options(_RULE_OPTIONS)
@_clear_option(_RULE_OPTIONS)
def update_rule(rule_id: str, tenant_id: str, clear: tuple[str, ...], **options: Any) -> None:
    """Change rule RULE_ID: only the options given change."""
    changes = _changes(options, RULE_FIELDS, clear, _RULE_HINTS)
    rule = run_with_pricing(
        tenant_id,
        lambda parts, staff: parts.margin_rules.update(staff, rule_id, changes),
        hints=_RULE_HINTS,
    )
    click.echo(f"updated margin rule {rule.id}: {_rule_summary(rule)}")


@margins.command("delete")
@click.argument("rule_id")
@tenant_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_rule(rule_id: str, tenant_id: str, yes: bool) -> None:
    """Delete rule RULE_ID (its history stays)."""
    if not yes:
        rule = run_with_pricing(
            tenant_id, lambda parts, staff: parts.margin_rules.get(staff, rule_id)
        )
        click.confirm(f"delete margin rule {rule.id} ({_rule_summary(rule)})?", abort=True)
    removed = run_with_pricing(
        tenant_id, lambda parts, staff: parts.margin_rules.delete(staff, rule_id)
    )
    click.echo(f"deleted margin rule {removed.id}")


@margins.command("explain")
@tenant_option
@click.option("--carrier", required=True, help="Airline code, e.g. BA.")
@click.option("--flight-number", required=True, help="e.g. 117.")
@click.option("--origin", required=True, help="Departure airport, e.g. LHR.")
@click.option("--destination", required=True, help="Arrival airport, e.g. JFK.")
@click.option(
    "--departure", required=True, type=click.DateTime(["%Y-%m-%d"]), help="e.g. 2026-12-24."
)
@click.option(
    "--cabin",
    type=click.Choice(CABINS, case_sensitive=False),
    default="economy",
    show_default=True,
)
@click.option("--at", "at_text", help="When the price is computed, e.g. 2026-12-01T09:00:00Z.")
def explain_rules(
    tenant_id: str,
    carrier: str,
    flight_number: str,
    origin: str,
    destination: str,
    departure: datetime,
    cabin: str,
    at_text: str | None,
) -> None:
    """Say which rule prices a flight, and why each candidate won or lost."""
    request = QuoteRequest(
        carrier, flight_number, origin, destination, departure.date(), (), cabin=cabin.lower()
    )

    async def work(parts: PricingParts, staff: Staff) -> tuple[str, Explanation]:
        facts = parts.quotes.facts(request)
        moment = moment_field(at_text, "at") or SystemClock().now()
        flight = (
            f"{facts.carrier} {facts.flight_number} {facts.origin}-{facts.destination} "
            f"({facts.origin_country} to {facts.destination_country}), departing "
            f"{facts.departure.isoformat()}, {facts.cabin}, priced at {moment.isoformat()}"
        )
        return flight, await parts.margin_rules.explain(staff, facts, moment)

    flight, explanation = run_with_pricing(tenant_id, work, hints=_EXPLAIN_HINTS)
    click.echo(flight)
    if explanation.chosen is None:
        click.echo("no rule applies: no margin")
    else:
        click.echo(f"chosen: {explanation.chosen.id}: {_rule_summary(explanation.chosen)}")
    if not explanation.considered:
        click.echo("no rule was considered")
        return
    click.echo("considered:")
    for rule, reason in explanation.considered:
        click.echo(f"  {rule.id}  {_rule_summary(rule)}")
        click.echo(f"      {reason}")


@margins.command("history")
@click.argument("rule_id")
@tenant_option
def rule_history(rule_id: str, tenant_id: str) -> None:
    """Every change to rule RULE_ID: when, who, and each field before -> after."""
    entries = run_with_pricing(
        tenant_id, lambda parts, staff: parts.margin_rules.history(staff, rule_id)
    )
    _history(entries, "id")


# --- coupons -----------------------------------------------------------------------------


def _discount(fields: Mapping[str, Any]) -> str:
    if fields["percent_off"] is not None:
        return f"{fields['percent_off']}%"
    return f"{fields['amount_off']} {fields['currency']}"


def _uses(status: CouponStatus) -> str:
    total = status.coupon.total_uses
    return str(status.uses) if total is None else f"{status.uses}/{total}"


@click.group()
def coupons() -> None:
    """Coupons: discount codes customers enter when they book."""


@coupons.command("list")
@tenant_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_coupons(tenant_id: str, as_json: bool) -> None:
    """List the tenant's coupons with their uses."""
    found = run_with_pricing(tenant_id, lambda parts, staff: parts.coupons.all(staff))
    if as_json:
        for status in found:
            click.echo(json.dumps({**coupon_fields(status.coupon), "uses": status.uses}))
        return
    if not found:
        click.echo(f"no coupons in tenant {tenant_id}")
        return
    rows = []
    for status in found:
        f = coupon_fields(status.coupon)
        spend = f["minimum_spend"]
        rows.append(
            [
                status.coupon.code,
                _discount(f),
                "-" if spend is None else f"{spend} {f['currency']}",
                _span(f["valid_from"], f["valid_until"]),
                _text(f["airlines"]),
                _text(f["routes"]),
                _text(f["cabins"]),
                _uses(status),
                _text(f["uses_per_customer"]),
                _text(f["combinable"]),
            ]
        )
    _table(
        [
            "code",
            "off",
            "min spend",
            "valid",
            "airlines",
            "routes",
            "cabins",
            "uses",
            "per customer",
            "combinable",
        ],
        rows,
    )


@coupons.command("create")
@click.argument("code")
@tenant_option
@_field_options(_COUPON_OPTIONS)
def create_coupon(code: str, tenant_id: str, **options: Any) -> None:
    """Create coupon CODE with --percent-off or --amount-off."""
    fields = _given(options, COUPON_FIELDS)
    coupon = run_with_pricing(
        tenant_id,
        lambda parts, staff: parts.coupons.create(staff, code, fields),
        hints=_COUPON_HINTS,
    )
    click.echo(f"created coupon {coupon.code}: {_discount(coupon_fields(coupon))} off")


@coupons.command("update")
@click.argument("code")
@tenant_option
@_field_options(_COUPON_OPTIONS)
@_clear_option(_COUPON_OPTIONS)
def update_coupon(code: str, tenant_id: str, clear: tuple[str, ...], **options: Any) -> None:
    """Change coupon CODE: only the options given change (a repeatable one is replaced)."""
    changes = _changes(options, COUPON_FIELDS, clear, _COUPON_HINTS)
    coupon = run_with_pricing(
        tenant_id,
        lambda parts, staff: parts.coupons.update(staff, code, changes),
        hints=_COUPON_HINTS,
    )
    click.echo(f"updated coupon {coupon.code}: {_discount(coupon_fields(coupon))} off")


@coupons.command("delete")
@click.argument("code")
@tenant_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_coupon(code: str, tenant_id: str, yes: bool) -> None:
    """Delete coupon CODE (its history stays)."""
    if not yes:
        status = run_with_pricing(
            tenant_id, lambda parts, staff: parts.coupons.get(staff, code), hints=_COUPON_HINTS
        )
        click.confirm(f"delete coupon {status.coupon.code} (used {status.uses} times)?", abort=True)
    removed = run_with_pricing(
        tenant_id, lambda parts, staff: parts.coupons.delete(staff, code), hints=_COUPON_HINTS
    )
    click.echo(f"deleted coupon {removed.code}")


@coupons.command("show")
@click.argument("code")
@tenant_option
def show_coupon(code: str, tenant_id: str) -> None:
    """Show coupon CODE: its fields and how often it was used."""
    status = run_with_pricing(
        tenant_id, lambda parts, staff: parts.coupons.get(staff, code), hints=_COUPON_HINTS
    )
    fields = coupon_fields(status.coupon)
    width = max(len(key) for key in fields)
    for key, value in fields.items():
        click.echo(f"{key.ljust(width)}  {_text(value)}")
    click.echo(f"{'uses'.ljust(width)}  {_uses(status)}")


@coupons.command("history")
@click.argument("code")
@tenant_option
def coupon_history(code: str, tenant_id: str) -> None:
    """Every change to coupon CODE: when, who, and each field before -> after."""
    entries = run_with_pricing(
        tenant_id, lambda parts, staff: parts.coupons.history(staff, code), hints=_COUPON_HINTS
    )
    _history(entries, "code")
