"""``/api/v1/admin/coupons``: staff manage coupons; every change is audited."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from entrypoints.http.api_context import ApiContext
from entrypoints.http.pricing_wire import AuditEntryOut, CouponIn, CouponOut, CouponPatchIn
from entrypoints.http.problems import api_problem_responses
from funflights_core.coupons import CouponStatus
from funflights_core.staff import staff_member

Code = Annotated[str, Parameter(description="The coupon code.", max_length=40)]


class CouponsController(Controller):
    """The coupons of the caller's tenant (staff, admins and tenant admins)."""

    path = "/api/v1/admin/coupons"
    tags = ["pricing admin"]

    @get("/", summary="Every coupon, with its uses", responses=api_problem_responses())
    async def list_coupons(self, api: NamedDependency[ApiContext]) -> list[CouponOut]:
        """The tenant's coupons by code."""
        staff = staff_member(api.caller.signed_in())
        return [CouponOut.of(s) for s in await api.services.pricing.coupons.all(staff)]

    @post(
        "/",
        status_code=201,
        summary="Add a coupon",
        description="Codes are case-insensitive (stored in upper case). Audited.",
        responses=api_problem_responses(409, 422),
    )
    async def create(self, api: NamedDependency[ApiContext], data: JSONBody[CouponIn]) -> CouponOut:
        """A new coupon."""
        staff = staff_member(api.caller.signed_in())
        coupon = await api.services.pricing.coupons.create(staff, data.code, data.fields())
        return CouponOut.of(CouponStatus(coupon, 0))

    @get("/{code:str}", summary="One coupon, with its uses", responses=api_problem_responses(404))
    async def get_coupon(self, api: NamedDependency[ApiContext], code: Code) -> CouponOut:
        """A coupon of the tenant."""
        staff = staff_member(api.caller.signed_in())
        return CouponOut.of(await api.services.pricing.coupons.get(staff, code))

    @patch(
        "/{code:str}",
        summary="Change a coupon",
        description="Only the fields sent change; null clears one; uses are kept. Audited.",
        responses=api_problem_responses(404, 422),
    )
    async def update(
        self, api: NamedDependency[ApiContext], code: Code, data: JSONBody[CouponPatchIn]
    ) -> CouponOut:
        """The changed coupon."""
        staff = staff_member(api.caller.signed_in())
        coupons = api.services.pricing.coupons
        await coupons.update(staff, code, data.fields())
        return CouponOut.of(await coupons.get(staff, code))

    @delete(
        "/{code:str}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete a coupon",
        responses=api_problem_responses(404),
    )
    async def remove(self, api: NamedDependency[ApiContext], code: Code) -> None:
        """The coupon stops working; its history stays."""
        staff = staff_member(api.caller.signed_in())
        await api.services.pricing.coupons.delete(staff, code)

    @get(
        "/{code:str}/history",
        summary="Every change to a coupon: who, when, before and after",
        responses=api_problem_responses(404),
    )
    async def history(self, api: NamedDependency[ApiContext], code: Code) -> list[AuditEntryOut]:
        """The coupon's audit trail, oldest first."""
        staff = staff_member(api.caller.signed_in())
        entries = await api.services.pricing.coupons.history(staff, code)
        return [AuditEntryOut.of(e) for e in entries]
