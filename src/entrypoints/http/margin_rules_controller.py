"""``/api/v1/admin/margin-rules``: staff change margins at run time; every change is audited."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from entrypoints.http.api_context import ApiContext
from entrypoints.http.pricing_wire import (
    AuditEntryOut,
    Cabin,
    ExplanationOut,
    MarginRuleIn,
    MarginRuleOut,
    MarginRulePatchIn,
)
from entrypoints.http.problems import api_problem_responses
from funflights_core.margin_rule_fields import moment_field
from funflights_core.price_quotes import QuoteRequest
from funflights_core.staff import staff_member

RuleId = Annotated[str, Parameter(description="The rule's id.", max_length=100)]


class MarginRulesController(Controller):
    """The margin rules of the caller's tenant (staff, admins and tenant admins)."""

    path = "/api/v1/admin/margin-rules"
    tags = ["pricing admin"]

    @get("/", summary="Every margin rule, most specific first", responses=api_problem_responses())
    async def list_rules(self, api: NamedDependency[ApiContext]) -> list[MarginRuleOut]:
        """The tenant's rules."""
        staff = staff_member(api.caller.signed_in())
        return [MarginRuleOut.of(r) for r in await api.services.pricing.margin_rules.all(staff)]

    @post(
        "/",
        status_code=201,
        summary="Add a margin rule",
        description="Applies to the next price computed in every process (other processes "
        "within FUNFLIGHTS_MARGIN_RULES_POLL_S). Audited.",
        responses=api_problem_responses(422),
    )
    async def create(
        self, api: NamedDependency[ApiContext], data: JSONBody[MarginRuleIn]
    ) -> MarginRuleOut:
        """A new rule."""
        staff = staff_member(api.caller.signed_in())
        rule = await api.services.pricing.margin_rules.create(staff, data.fields())
        return MarginRuleOut.of(rule)

    @get(
        "/explain",
        summary="Which rule prices a flight, and why",
        responses=api_problem_responses(422),
    )
    async def explain(
        self,
        api: NamedDependency[ApiContext],
        carrier: Annotated[str, Parameter(min_length=2, max_length=2)],
        flight_number: Annotated[str, Parameter(min_length=1, max_length=5)],
        origin: Annotated[str, Parameter(min_length=3, max_length=3)],
        destination: Annotated[str, Parameter(min_length=3, max_length=3)],
        departure: Annotated[date, Parameter(description="Departure date.")],
        cabin: Annotated[Cabin, Parameter(description="Cabin class.")] = "economy",
        at: Annotated[
            datetime | None, Parameter(description="When the price is computed; default now.")
        ] = None,
    ) -> ExplanationOut:
        """The winning rule and each candidate's reason."""
        staff = staff_member(api.caller.signed_in())
        pricing = api.services.pricing
        facts = pricing.quotes.facts(
            QuoteRequest(carrier, flight_number, origin, destination, departure, (), cabin=cabin)
        )
        moment = moment_field(at, "at") or api.services.clock.now()
        return ExplanationOut.of(await pricing.margin_rules.explain(staff, facts, moment))

    @get("/{rule_id:str}", summary="One margin rule", responses=api_problem_responses(404))
    async def get_rule(self, api: NamedDependency[ApiContext], rule_id: RuleId) -> MarginRuleOut:
        """A rule of the tenant."""
        staff = staff_member(api.caller.signed_in())
        return MarginRuleOut.of(await api.services.pricing.margin_rules.get(staff, rule_id))

    @patch(
        "/{rule_id:str}",
        summary="Change a margin rule",
        description="Only the fields sent change; null clears one. Audited.",
        responses=api_problem_responses(404, 422),
    )
    async def update(
        self,
        api: NamedDependency[ApiContext],
        rule_id: RuleId,
        data: JSONBody[MarginRulePatchIn],
    ) -> MarginRuleOut:
        """The changed rule."""
        staff = staff_member(api.caller.signed_in())
        rules = api.services.pricing.margin_rules
        return MarginRuleOut.of(await rules.update(staff, rule_id, data.fields()))

    @delete(
        "/{rule_id:str}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete a margin rule",
        responses=api_problem_responses(404),
    )
    async def remove(self, api: NamedDependency[ApiContext], rule_id: RuleId) -> None:
        """The rule stops applying; its history stays."""
        staff = staff_member(api.caller.signed_in())
        await api.services.pricing.margin_rules.delete(staff, rule_id)

    @get(
        "/{rule_id:str}/history",
        summary="Every change to a margin rule: who, when, before and after",
        responses=api_problem_responses(404),
    )
    async def history(
        self, api: NamedDependency[ApiContext], rule_id: RuleId
    ) -> list[AuditEntryOut]:
        """The rule's audit trail, oldest first."""
        staff = staff_member(api.caller.signed_in())
        entries = await api.services.pricing.margin_rules.history(staff, rule_id)
        return [AuditEntryOut.of(e) for e in entries]
