"""``POST /api/v1/tenants/{id}/imports``: a merged company's customers, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import Parameter

from entrypoints.customer_files import customer_lines, guess_format
from entrypoints.http.api_context import ApiContext
from entrypoints.http.identity_wire import ImportReportOut
from entrypoints.http.problems import ProblemError, api_problem_responses
from funflights_core.errors import InvalidInput
from funflights_core.role import Role

MAX_IMPORT_BYTES = 256 * 1024 * 1024
"""Room for a million customers in one request."""

TenantId = Annotated[str, Parameter(description="The tenant's id.", max_length=100)]


@dataclass
class _ImportOperation(Operation):
    """Documents the raw file body, which the handler reads itself (CSV or JSON Lines)."""

    def __post_init__(self) -> None:
        text = Schema(type=OpenAPIType.STRING, description="The file's text, UTF-8.")
        self.request_body = RequestBody(
            required=True,
            content={
                "text/csv": OpenAPIMediaType(schema=text),
                "application/x-ndjson": OpenAPIMediaType(schema=text),
            },
        )


class ImportsController(Controller):
    """Customer imports of a tenant (platform admins, or the tenant's own admins)."""

    path = "/api/v1/tenants/{tenant_id:str}/imports"
    tags = ["tenants"]

    @post(
        "/",
        status_code=200,
        summary="Import customers (CSV with a header row, or JSON Lines)",
        description="Fields: external_id and email (required), full_name, phone, "
        "preferred_currency, language. Lines are matched to accounts by external_id, so a "
        "repeated import changes nothing. Every line is validated; if any is rejected, "
        "nothing is stored and the answer is 422 with the same report. Imported customers "
        "sign in after choosing a password through a password reset.",
        request_max_body_size=MAX_IMPORT_BYTES,
        operation_class=_ImportOperation,
        responses={
            **api_problem_responses(404, 413, 415),
            422: ResponseSpec(
                data_container=ImportReportOut,
                description="Some lines were rejected (each with its reasons); nothing stored.",
            ),
        },
    )
    async def import_customers(
        self,
        api: NamedDependency[ApiContext],
        request: Request[Any, Any, Any],
        tenant_id: TenantId,
        dry_run: Annotated[
            bool, Parameter(description="Validate and report, store nothing.")
        ] = False,
    ) -> Response[ImportReportOut]:
        """Validate every line, then store them all in one transaction, or none."""
        claims = api.caller.with_role(Role.ADMIN, Role.TENANT_ADMIN)
        tenant = await api.services.tenant_admin.get(claims, tenant_id)
        file_format = guess_format("", request.headers.get("content-type"))
        if file_format is None:
            raise ProblemError(
                415,
                "unsupported-media-type",
                "Unsupported media type",
                "send the file as text/csv or application/x-ndjson",
            )
        try:
            text = (await request.body()).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("body", "is not UTF-8 text") from None
        if not text.strip():
            raise InvalidInput("body", "the file is empty")
        report = await api.services.importer.run(
            tenant.id, customer_lines(text, file_format), dry_run=dry_run
        )
        return Response(
            ImportReportOut.of(report, dry_run=dry_run),
            status_code=200 if report.ok else 422,
            media_type=MediaType.JSON,
        )
