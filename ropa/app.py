"""The application factory: routes, error mapping, logging, and the lifespan of pool and integrator."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
from collections.abc import AsyncIterator
from typing import Any

import anyio.to_thread
import msgspec
import structlog
from litestar import Litestar, get
from litestar.config.cors import CORSConfig
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig

from audit.anchor import LogInconsistent
from audit.guard import require_triggers
from exports import render_worker
from exports.controllers import EXPORT_ROUTES
from exports.jobs import Jobs
from ropa import __version__, db
from ropa.access.controllers import ACCESS_ROUTES
from ropa.access.denials import DENIALS
from ropa.access.guard import access_guard
from ropa.access.model import PUBLIC
from ropa.auditing.controllers import AUDIT_ROUTES
from ropa.auditing.halt import halt_middleware
from ropa.auditing.integrator import make_integrator
from ropa.auditing.keys import get_signer
from ropa.errors import EXCEPTION_HANDLERS
from ropa.findings.controllers import FINDINGS_ROUTES
from ropa.logging import configure, request_middleware
from ropa.porting.controllers import PORTING_ROUTES
from ropa.records.catalog import REGISTRY
from ropa.records.controllers import make_router
from ropa.settings import Settings, get_settings, secret_file
from ropa.web.pages import http_error
from ropa.web.routes import TEMPLATES, WEB_ROUTES

log = structlog.get_logger(__name__)


class Health(msgspec.Struct, kw_only=True):
    status: str  # "ok"
    version: str


@get(
    "/health",
    operation_id="health",
    tags=["Service"],
    summary="Liveness; touches no database",
    opt={"perm": PUBLIC},
)
async def health() -> Health:
    return Health(status="ok", version=__version__)


def create_app(
    settings: Settings | None = None, *, pool: bool = True, integrator: bool | None = None
) -> Litestar:
    settings = settings or get_settings()
    configure(settings.log_level, settings.log_json)
    signer = get_signer(settings)
    run_integrator = settings.run_integrator if integrator is None else integrator
    the_integrator = make_integrator(settings, signer)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await require_triggers()
        if pool:
            await db.open_pool()
        # A log that no longer extends the checkpoint kept outside the database: refuse to start.
        try:
            await the_integrator.check_anchor()
        except LogInconsistent as exc:
            log.error("audit.log_inconsistent", error=exc.reason, seq=exc.seq)
            raise RuntimeError(f"refusing to start: {exc.reason}; see docs/audit-log.md") from exc
        task = (
            asyncio.create_task(the_integrator.run(settings.integrate_interval)) if run_integrator else None
        )
        if settings.export_render_process:
            render_worker.start()
        log.info("ropa.started", engine=settings.engine, integrator=run_integrator)
        # What start-up made lives as long as the app: the collector's full passes need not walk it
        # again and again (about a tenth of the server's time per list request on PostgreSQL).
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            await DENIALS.flush_quietly(everything=True)  # anonymous refusals still being counted
            await jobs.cancel()
            if settings.export_render_process:
                await anyio.to_thread.run_sync(render_worker.stop)
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if pool:
                await db.close_pool()

    jobs = Jobs(the_integrator)
    state: dict[str, Any] = {
        "settings": settings,
        "signer": signer,
        "integrator": the_integrator,
        "export_jobs": jobs,
    }
    app = Litestar(
        route_handlers=[
            health,
            *(make_router(kind) for kind in REGISTRY.values()),
            *AUDIT_ROUTES,
            *PORTING_ROUTES,
            *FINDINGS_ROUTES,
            *EXPORT_ROUTES,
            *ACCESS_ROUTES,
            *WEB_ROUTES,
        ],
        template_config=TEMPLATES,
        guards=[access_guard],
        cors_config=CORSConfig(allow_origins=list(settings.cors_origins), allow_credentials=True)
        if settings.cors_origins
        else None,
        lifespan=[lifespan],
        exception_handlers={**EXCEPTION_HANDLERS, HTTPException: http_error},
        middleware=[
            request_middleware(secret_file(settings.source_hash_key_file)),
            halt_middleware(the_integrator),
        ],
        logging_config=None,  # structlog is configured once in ropa.logging; no body logging
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(title="ropa", version=__version__, path="/schema"),
        state=state,  # type: ignore[arg-type]
        debug=False,
    )
    document_errors(app)
    return app


def document_errors(app: Litestar) -> None:
    """Every API operation documents the problem+json answers any of them can give: the guard's 401
    and 403, a record that does not exist (404), a stale version (409), invalid input (422), the
    rate limit (429) and a database away (503); and Litestar's own 400, which is problem+json here.
    Operations that take a body also document 413, a body over ROPA_MAX_BODY_BYTES."""
    from litestar.openapi.datastructures import ResponseSpec

    from ropa.errors import PROBLEM_JSON, Problem

    described = {
        400: "The request is malformed: each offending parameter is named in invalid_params",
        401: "Not signed in, or the credentials are not valid",
        403: "Outside the caller's role or scope",
        404: "No such record (or not in the caller's scope)",
        409: "The record changed since the version given",
        422: "Invalid input: each offending field is named in invalid_params",
        429: "Too many attempts",
        503: "The database is unavailable",
    }
    specs = {
        code: ResponseSpec(
            data_container=Problem, description=text, media_type=PROBLEM_JSON, generate_examples=False
        )
        for code, text in described.items()
    }
    too_large = ResponseSpec(
        data_container=Problem,
        description="The request body is larger than the server accepts",
        media_type=PROBLEM_JSON,
        generate_examples=False,
    )
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if handler.include_in_schema and hasattr(handler, "responses"):
                body = {413: too_large} if "data" in handler.parsed_fn_signature.parameters else {}
                handler.responses = {**specs, **body, **(handler.responses or {})}


def schema_document() -> str:
    """The OpenAPI document the service serves, as committed in docs/openapi.json: sorted keys, two-space
    indent, a final newline. Built from an app that opens no database."""
    app = create_app(pool=False, integrator=False)
    return json.dumps(app.openapi_schema.to_schema(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
