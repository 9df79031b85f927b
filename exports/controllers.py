"""HTTP routes of the exports: PDF and Excel per entity, the completeness check, layouts, and jobs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from audit.context import current_actor
from exports.jobs import Jobs
from exports.layouts import layouts
from exports.service import (
    MEDIA_TYPES,
    ExportRequest,
    ExportResult,
    check_language,
    export,
    inspect,
    parse_as_of,
    validate,
)
from ropa.errors import Conflict, NotFound
from ropa.i18n import EXPORT_LANGUAGES
from ropa.i18n import ExportLang as Language
from ropa.openapi import CONTENT_DISPOSITION, file_answer
from ropa.params import Text
from ropa.porting.as_of import find_entity
from ropa.settings import get_settings
from ropa.tables import ProcessingActivity

Lang = Annotated[Language | None, QueryParameter(description="Default: the authority's")]
Moment = Annotated[str | None, QueryParameter(max_length=40, description="ISO 8601 time with zone")]
Purpose = Annotated[
    Literal["internal", "authority"],
    QueryParameter(description="authority: recorded as sent to the supervisory authority; internal: not"),
]
Include = Annotated[
    list[Literal["notes", "findings", "acceptances"]] | None,
    QueryParameter(description="Internal material to include (repeat the parameter); default: none"),
]


def _jobs(request: Request[Any, Any, Any]) -> Jobs:
    jobs: Jobs = request.app.state["export_jobs"]
    return jobs


def _request(
    entity: str,
    fmt: Literal["pdf", "xlsx"],
    lang: str | None,
    layout: str | None,
    as_of: str | None,
    authority_case: str | None,
    variant: str | None = None,
    purpose: str = "internal",
    include: Sequence[str] | None = None,
) -> ExportRequest:
    req = ExportRequest(
        entity=entity,
        format=fmt,
        lang=lang,  # type: ignore[arg-type]
        layout=layout or "canonical",
        as_of=parse_as_of(as_of),
        authority_case=authority_case,
        variant=variant or "standard",  # type: ignore[arg-type]
        purpose=purpose,  # type: ignore[arg-type]
        include=list(dict.fromkeys(include or [])),  # type: ignore[arg-type]
    )
    validate(req)
    return req


async def _is_large(entity: str) -> bool:
    entity_id = await find_entity(entity)
    count: int = await ProcessingActivity.count().where(ProcessingActivity.entity == entity_id)
    return count > get_settings().export_sync_limit


async def _respond(request: Request[Any, Any, Any], req: ExportRequest, background: bool) -> Response[Any]:
    await check_language(req)
    if background or await _is_large(req.entity):
        job = _jobs(request).submit(req, current_actor().id)
        return Response(_status(job), status_code=202, headers={"location": f"/api/exports/{job.id}"})
    return _file(await export(req, request.app.state["integrator"]))


class JobStatus(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An export job: its progress, and once finished where to fetch the file (or why it failed)."""

    id: str
    status: str  # queued | running | done | failed
    stage: str
    progress: float  # 0..1
    created_at: str
    finished_at: str | None
    entity: str
    format: str
    status_url: str
    download_url: str | None = None
    filename: str | None = None
    sha256: str | None = None
    export_id: str | None = None
    bytes: int | None = None
    error: dict[str, Any] | None = None  # problem details of a failed job


class Gap(msgspec.Struct, kw_only=True):
    activity: str
    name: str
    field: str
    heading: str


class ExportCheck(msgspec.Struct, kw_only=True):
    layout: str
    complete: bool
    gaps: list[Gap]
    # Free text not in the export's language, vocabulary keys without a label (exports/language.py).
    warnings: list[str] = []


class LayoutColumn(msgspec.Struct, kw_only=True):
    field: str
    required: bool | Literal["controller", "processor"]  # always, or only for entities in that role
    heading: dict[str, str]  # by language


class LayoutOut(msgspec.Struct, kw_only=True):
    id: str
    title: dict[str, str]  # by language
    style: str
    authority_country: str | None
    languages: list[str]
    columns: list[LayoutColumn]


def _status(job: Any) -> JobStatus:
    return msgspec.convert(job.public(), JobStatus)


# A large register (or ?background=true) is answered with the job instead of the file.
QUEUED = {
    202: ResponseSpec(
        data_container=JobStatus, description="Queued as a job: poll status_url", generate_examples=False
    )
}


# The file itself, with the headers that identify it (the export's id and the SHA-256 of the bytes).
FILE_HEADERS = {
    **CONTENT_DISPOSITION,
    "x-export-id": "The export's id in the audit log (an unchanged register exported alike keeps it)",
    "x-export-sha256": "SHA-256 of the file's bytes, hex",
}
PDF = {MEDIA_TYPES["pdf"]: "A PDF document"}
XLSX = {MEDIA_TYPES["xlsx"]: "An Excel workbook"}


def _file(result: ExportResult) -> Response[bytes]:
    return Response(
        result.content,
        media_type=result.media_type,
        headers={
            "content-disposition": f'attachment; filename="{result.filename}"',
            "x-export-id": result.meta.export_id,
            "x-export-sha256": result.sha256,
        },
    )


@get(
    "/{record_id:str}/export.pdf",
    operation_id="exportEntityPdf",
    opt={"perm": "register.export"},
    responses=QUEUED,
    summary="The entity's record as a PDF (202 with a job for large registers)",
    operation_class=file_answer("The record as a PDF", PDF, FILE_HEADERS),
)
async def export_pdf(
    request: Request[Any, Any, Any],
    record_id: FromPath[str],
    lang: FromQuery[Lang] = None,
    layout: FromQuery[Text] = None,
    as_of: FromQuery[Moment] = None,
    authority_case: FromQuery[Text] = None,
    variant: FromQuery[Literal["standard", "pdfa"]] = "standard",
    purpose: FromQuery[Purpose] = "internal",
    include: FromQuery[Include] = None,
    background: FromQuery[bool] = False,
) -> Response[Any]:
    req = _request(record_id, "pdf", lang, layout, as_of, authority_case, variant, purpose, include)
    return await _respond(request, req, background)


@get(
    "/{record_id:str}/export.xlsx",
    operation_id="exportEntityXlsx",
    opt={"perm": "register.export"},
    responses=QUEUED,
    summary="The entity's record as an Excel workbook (202 with a job for large registers)",
    operation_class=file_answer("The record as an Excel workbook", XLSX, FILE_HEADERS),
)
async def export_xlsx(
    request: Request[Any, Any, Any],
    record_id: FromPath[str],
    lang: FromQuery[Lang] = None,
    layout: FromQuery[Text] = None,
    as_of: FromQuery[Moment] = None,
    authority_case: FromQuery[Text] = None,
    purpose: FromQuery[Purpose] = "internal",
    include: FromQuery[Include] = None,
    background: FromQuery[bool] = False,
) -> Response[Any]:
    req = _request(record_id, "xlsx", lang, layout, as_of, authority_case, None, purpose, include)
    return await _respond(request, req, background)


@get(
    "/{record_id:str}/export/check",
    operation_id="checkEntityExport",
    opt={"perm": "register.export"},
    summary="Fields the chosen layout requires that the entity's register leaves empty",
)
async def export_check(
    record_id: FromPath[str],
    layout: FromQuery[Text] = None,
    lang: FromQuery[Lang] = None,
    as_of: FromQuery[Moment] = None,
) -> ExportCheck:
    gaps, warnings = await inspect(record_id, layout or "canonical", lang, parse_as_of(as_of))
    return ExportCheck(
        warnings=warnings,
        layout=layout or "canonical",
        complete=not gaps,
        gaps=[
            Gap(activity=g.activity_key, name=g.activity_name, field=g.field, heading=g.heading) for g in gaps
        ],
    )


@get(
    "/layouts",
    operation_id="listExportLayouts",
    opt={"perm": "register.read"},
    summary="Export layouts and the fields each requires",
)
async def list_layouts() -> list[LayoutOut]:
    return [
        LayoutOut(
            id=layout.id,
            title=layout.title,
            style=layout.style,
            authority_country=layout.authority_country,
            languages=list(EXPORT_LANGUAGES),
            columns=[
                LayoutColumn(field=c.field, required=c.required, heading=c.heading) for c in layout.columns
            ],
        )
        for layout in layouts().values()
    ]


@post(
    "/",
    operation_id="startExportJob",
    opt={"perm": "register.export"},
    summary="Start an export in the background",
    status_code=202,
)
async def start_job(request: Request[Any, Any, Any], data: JSONBody[ExportRequest]) -> Response[Any]:
    validate(data)
    await find_entity(data.entity)
    await check_language(data)
    job = _jobs(request).submit(data, current_actor().id)
    return Response(_status(job), status_code=202, headers={"location": f"/api/exports/{job.id}"})


def _job(request: Request[Any, Any, Any], job_id: str) -> Any:
    job = _jobs(request).get(job_id)
    if job is not None and job.actor != current_actor().id:
        job = None  # another caller's job: as if it did not exist
    if job is None:
        raise NotFound(f"no export job '{job_id}' (jobs are kept for an hour, in the process that ran them)")
    return job


@get(
    "/{job_id:str}",
    operation_id="exportJobStatus",
    opt={"perm": "register.export"},
    summary="An export job's status and progress",
)
async def job_status(request: Request[Any, Any, Any], job_id: FromPath[str]) -> JobStatus:
    return _status(_job(request, job_id))


@get(
    "/{job_id:str}/download",
    operation_id="exportJobDownload",
    opt={"perm": "register.export"},
    summary="The file of a finished export job",
    operation_class=file_answer(
        "The file, in the format the job was asked for", {**PDF, **XLSX}, FILE_HEADERS
    ),
)
async def job_download(request: Request[Any, Any, Any], job_id: FromPath[str]) -> Response[bytes]:
    job = _job(request, job_id)
    if job.result is None:
        raise Conflict(f"the export job is {job.status}", [{"name": "job_id", "reason": job.status}])
    return _file(job.result)


TAGS = ["Exports"]
JOBS = [list_layouts, start_job, job_status, job_download]
EXPORT_ROUTES = [
    Router(path="/api/entities", route_handlers=[export_pdf, export_xlsx, export_check], tags=TAGS),
    Router(path="/api/exports", route_handlers=JOBS, tags=TAGS),
]
