"""The export dialog: choose format, language, layout and time, check completeness, then follow the job.

Every export from the browser runs as a background job (the API's ``Jobs``), so the page never waits
on a render: the job page shows its progress, polled by htmx, or refreshed without JavaScript.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from audit.context import current_actor
from exports.document import INCLUDES
from exports.i18n import default_language
from exports.jobs import Job, Jobs
from exports.layouts import Gap, Layout, layouts
from exports.service import ExportRequest, check, validate
from ropa.errors import Invalid, NotFound
from ropa.i18n import EXPORT_LANGUAGES, LANGUAGE_NAMES
from ropa.web import reads
from ropa.web.pages import FieldErrors, UiTexts, page, texts

EXPORT = {"perm": "register.export"}
FORMATS = ("pdf", "xlsx")
VARIANTS = ("standard", "pdfa")
# "language", not "lang": ``?lang=`` is the page's own language
FIELDS = ("format", "language", "layout", "as_of", "authority_case", "variant", "purpose", "include")
PURPOSES = ("internal", "authority")


@dataclasses.dataclass
class ExportForm(FieldErrors):
    """The dialog's values as typed, and its messages per field."""

    format: str = "pdf"
    language: str = "en"
    layout: str = "canonical"
    as_of: str = ""
    authority_case: str = ""
    variant: str = "standard"
    purpose: str = "internal"
    include: list[str] = dataclasses.field(default_factory=list)


def _authority_language(entity: Any) -> str:
    authority = entity.supervisory_authority
    return default_language(authority.country if authority else None, entity.default_language)


def _authority_layout(entity: Any) -> str:
    """The layout of the entity's supervisory authority (Datatilsynet's for a Norwegian entity), if
    there is exactly one; else the canonical layout."""
    authority = entity.supervisory_authority
    country = authority.country if authority else None
    theirs = [
        x.id for x in layouts().values() if country and x.authority_country == country and not x.internal
    ]
    return theirs[0] if len(theirs) == 1 else "canonical"


def _form(entity: Any, given: Any) -> ExportForm:
    """The dialog's values from a query or a posted form; what is missing takes its default."""
    values = {name: str(given.get(name) or "").strip()[:1000] for name in FIELDS}
    getall = getattr(given, "getall", None)
    chosen = getall("include", []) if getall else given.get("include") or []
    include = [str(i) for i in ([chosen] if isinstance(chosen, str) else chosen)][: len(INCLUDES) * 2]
    return ExportForm(
        format=values["format"] or "pdf",
        language=values["language"] or _authority_language(entity),
        layout=values["layout"] or _authority_layout(entity),
        as_of=values["as_of"],
        authority_case=values["authority_case"],
        variant=values["variant"] or "standard",
        purpose=values["purpose"] or "internal",
        include=list(dict.fromkeys(include)),
    )


def _as_of(form: ExportForm, t: UiTexts, created: dt.datetime | None = None) -> dt.datetime | None:
    """``2026-11-22T10:00`` (a browser's date-time field, taken as UTC) or ISO 8601 with a zone; not
    before the entity was ``created`` (there is no register to rebuild then)."""
    if not form.as_of:
        return None
    try:
        moment = dt.datetime.fromisoformat(form.as_of.replace("Z", "+00:00"))
    except ValueError:
        form.fail("as_of", t("exp.err.as_of_format"))
        return None
    moment = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    if moment > dt.datetime.now(dt.UTC):
        form.fail("as_of", t("exp.err.as_of_future"))
        return None
    if created is not None and moment < created:
        form.fail("as_of", t("exp.err.as_of_before", date=t.datetime(created)))
        return None
    return moment


def _request(
    entity_id: str, form: ExportForm, t: UiTexts, created: dt.datetime | None = None
) -> ExportRequest | None:
    """The export the dialog asks for, or None with the form's messages set."""
    if form.format not in FORMATS:
        form.fail("format", t("exp.err.format"))
    if form.language not in EXPORT_LANGUAGES:
        form.fail("language", t("exp.err.lang"))
    if form.layout not in layouts():
        form.fail("layout", t("exp.err.layout"))
    if form.variant not in VARIANTS:
        form.fail("variant", t("exp.err.variant"))
    if form.purpose not in PURPOSES:
        form.fail("purpose", "internal, authority")
    if any(i not in INCLUDES for i in form.include):
        form.fail("include", ", ".join(INCLUDES))
    as_of = _as_of(form, t, created)
    if form.errors:
        return None
    req = ExportRequest(
        entity=entity_id,
        format=form.format,  # type: ignore[arg-type]
        lang=form.language,  # type: ignore[arg-type]
        layout=form.layout,
        as_of=as_of,
        authority_case=form.authority_case or None,
        variant=form.variant if form.format == "pdf" else "standard",  # type: ignore[arg-type]
        purpose=form.purpose,  # type: ignore[arg-type]
        include=form.include,  # type: ignore[arg-type]
    )
    try:
        validate(req)
    except Invalid as exc:
        for param in exc.invalid_params:
            name = "language" if param["name"] == "lang" else param["name"]
            form.fail(name if name in FIELDS else "format", param["reason"])
        return None
    return req


def _layouts() -> list[Layout]:
    """Every layout, the canonical one first."""
    return sorted(layouts().values(), key=lambda layout: layout.id != "canonical")


def _dialog(
    request: Request[Any, Any, Any],
    entity: Any,
    form: ExportForm,
    gaps: list[Gap] | None = None,
    checked: bool = False,
) -> Template:
    t = texts(request)
    return page(
        request,
        "export_dialog.html",
        # htmx swaps no 4xx answer; its check gets the form with the messages as a 200
        http_status=422 if form.errors and not request.headers.get("hx-request") else 200,
        entity=entity,
        entity_id=entity.id,
        form=form,
        formats=FORMATS,
        variants=VARIANTS,
        purposes=PURPOSES,
        includes=INCLUDES,
        languages=[(code, LANGUAGE_NAMES[code]) for code in EXPORT_LANGUAGES],
        authority_lang=_authority_language(entity),
        layouts=[(lay.id, lay.name(t)) for lay in _layouts()],
        gaps=gaps or [],
        checked=checked and not form.errors,
        tab="export",
    )


async def _checked(request: Request[Any, Any, Any], entity: Any, form: ExportForm) -> Template:
    """The dialog with the fields the chosen layout requires that are empty (nothing is exported)."""
    req = _request(entity.id, form, texts(request), entity.created_at)
    if req is None:
        return _dialog(request, entity, form)
    found = await check(entity.id, req.layout, req.lang, req.as_of)
    return _dialog(request, entity, form, found, checked=True)


@get("/entities/{ref:str}/export", opt=EXPORT, include_in_schema=False, name="export_dialog")
async def export_dialog(request: Request[Any, Any, Any], ref: FromPath[str]) -> Template:
    """The dialog; with ``?check=1`` (and the dialog's values) also the fields the layout lacks."""
    entity = await reads.entity_summary(ref)
    form = _form(entity, request.query_params)
    if request.query_params.get("check"):
        return await _checked(request, entity, form)
    return _dialog(request, entity, form)


@post("/entities/{ref:str}/export", opt=EXPORT, include_in_schema=False, name="export_start")
async def export_start(request: Request[Any, Any, Any], ref: FromPath[str]) -> Response[Any]:
    """Start the export as a background job (as ``POST /api/exports`` does) and go to its page.

    The dialog's "check first" button posts here with ``?check=1``: the check, and no export (a
    GET would put the form's CSRF token in the address).
    """
    entity = await reads.entity_summary(ref)
    form = _form(entity, await request.form())
    if request.query_params.get("check"):
        return await _checked(request, entity, form)
    req = _request(entity.id, form, texts(request), entity.created_at)
    if req is None:
        return _dialog(request, entity, form)
    job = _jobs(request).submit(req, current_actor().id)
    return Redirect(f"/exports/{job.id}", status_code=303)


def _jobs(request: Request[Any, Any, Any]) -> Jobs:
    jobs: Jobs = request.app.state["export_jobs"]
    return jobs


def _job(request: Request[Any, Any, Any], job_id: str) -> Job:
    """The caller's own job; another caller's is as if it did not exist."""
    job = _jobs(request).get(job_id)
    if job is None or job.actor != current_actor().id:
        raise NotFound(f"no export job '{job_id}' (jobs are kept for an hour, in the process that ran them)")
    return job


def stage_text(job: Job, t: UiTexts) -> str:
    """What the job is doing, in the page's language (``sheet <title>`` names the sheet)."""
    stage = job.stage
    if stage.startswith("sheet "):
        return t("exp.stage.sheet", name=stage.removeprefix("sheet "))
    return t(f"exp.stage.{stage}") if t.has(f"exp.stage.{stage}") else stage


def _status_context(job: Job, t: UiTexts) -> dict[str, Any]:
    return {
        "job": job.public(),
        "request_of": job.request,
        "stage": stage_text(job, t),
        "percent": round(job.progress * 100),
        "finished": job.status in ("done", "failed"),
    }


@get("/exports/{job_id:str}", opt=EXPORT, include_in_schema=False, name="export_job")
async def export_job(request: Request[Any, Any, Any], job_id: FromPath[str]) -> Template:
    job = _job(request, job_id)
    entity = await reads.entity_summary(job.request.entity)
    layout = layouts().get(job.request.layout)
    t = texts(request)
    return page(
        request,
        "export_job.html",
        entity=entity,
        entity_id=entity.id,
        layout_name=layout.name(t) if layout else job.request.layout,
        language_name=LANGUAGE_NAMES.get(job.request.lang or "", job.request.lang or ""),
        tab="export",
        **_status_context(job, t),
    )


@get("/exports/{job_id:str}/status", opt=EXPORT, include_in_schema=False, name="export_job_status")
async def export_job_status(request: Request[Any, Any, Any], job_id: FromPath[str]) -> Template:
    """The job page's status part alone, for htmx to swap in every second until the job ends."""
    job = _job(request, job_id)
    return page(request, "_export_status.html", **_status_context(job, texts(request)))


EXPORT_PAGES = [export_dialog, export_start, export_job, export_job_status]
