"""Make an export: read one consistent state, fix its export record, render off the event loop, audit it.

The export record (id, time, checkpoint, baseline) is the first export of the same register state
with the same options; a repeat reuses it, so the same state always renders to the same bytes.
Every export, repeat or not, is an audit event with the file's SHA-256, its purpose (sent to the
authority, or internal) and the internal material it includes.

A regulator export carries the register alone. Analysts' notes, the findings annex and accepted
risks go out only when the request names them in ``include`` (or with the internal-audit layout,
which includes them all and is never sent); the changes appendix compares with the last export
recorded as sent (``purpose="authority"``) to the same authority and case.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import functools
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import msgspec

from audit import log as audit_log
from audit import query
from audit.integrator import Integrator
from audit.tables import AuditCheckpoint, AuditEvent
from exports import render_worker
from exports.document import (
    INCLUDES,
    Change,
    Document,
    ExportMeta,
    Format,
    Include,
    Purpose,
    Variant,
    diff,
    for_export,
    labelled,
    register_sha256,
)
from exports.i18n import Texts, default_language
from exports.language import notices
from exports.layouts import Gap, gaps, layouts
from exports.localize import localized
from exports.view import RecordTimes, View
from ropa.access.users import actor_names
from ropa.db import read_snapshot, write_transaction
from ropa.errors import Invalid, NotFound
from ropa.i18n import EXPORT_LANGUAGES, LANGUAGES
from ropa.i18n import ExportLang as Lang
from ropa.porting.as_of import find_entity
from ropa.porting.read import Times, load_entity, load_terms
from ropa.porting.schemas import EntityIn
from ropa.records.kinds import REGISTRY
from ropa.tables import LegalEntity
from ropa.vocabulary.schemas import TermData

Progress = Callable[[str, float], None]
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# At most this many renders at once: they are CPU-bound and run in worker threads.
RENDER_SLOTS = asyncio.Semaphore(2)


class ExportRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    entity: str
    format: Format = "pdf"
    lang: Lang | None = None
    layout: str = "canonical"
    as_of: dt.datetime | None = None
    authority_case: str | None = None
    variant: Variant = "standard"
    purpose: Purpose = "internal"
    include: list[Include] = []

    def included(self) -> tuple[Include, ...]:
        """The internal material this export carries: all of it for an internal-audit layout."""
        layout = layouts().get(self.layout)
        if layout is not None and layout.internal:
            return INCLUDES
        return tuple(i for i in INCLUDES if i in self.include)


@dataclass(frozen=True)
class ExportResult:
    content: bytes
    filename: str
    media_type: str
    sha256: str
    meta: ExportMeta
    reissue: bool


def _none(stage: str, fraction: float) -> None:
    del stage, fraction


def _findings_language(req: ExportRequest, lang: str) -> tuple[str, str] | None:
    """Why an export in ``lang`` cannot carry the findings ``req`` asks for, if it cannot: their
    messages are worded beside each rule in the web's languages only (not French)."""
    if lang in LANGUAGES or "findings" not in req.included():
        return None
    field = "lang" if req.layout in layouts() and layouts()[req.layout].internal else "include"
    return field, f"no findings annex in {lang}: its messages are in {', '.join(LANGUAGES)}"


async def check_language(req: ExportRequest) -> None:
    """``validate`` for an export whose language is the default one of its entity (``lang`` unset):
    refused before any work when that language cannot carry the findings asked for."""
    if req.lang is not None or "findings" not in req.included():
        return
    entity_id = await find_entity(req.entity)
    row = await LegalEntity.select(LegalEntity.data).where(LegalEntity.id == entity_id).first()
    data = msgspec.json.decode(row["data"]) if row else {}
    authority = data.get("supervisory_authority") or {}
    lang = default_language(authority.get("country"), data.get("default_language") or "en")
    if (problem := _findings_language(req, lang)) is not None:
        field, reason = problem
        raise Invalid.of([(field, f"{reason} (the entity's exports are in {lang} unless lang is given)")])


def validate(req: ExportRequest) -> None:
    errors = []
    if req.layout not in layouts():
        errors.append(("layout", f"unknown layout; one of {', '.join(sorted(layouts()))}"))
    if req.lang is not None and req.lang not in EXPORT_LANGUAGES:
        errors.append(("lang", f"unknown language; one of {', '.join(EXPORT_LANGUAGES)}"))
    elif req.lang is not None and (problem := _findings_language(req, req.lang)) is not None:
        errors.append(problem)
    if req.format not in MEDIA_TYPES:
        errors.append(("format", "one of pdf, xlsx"))
    if req.variant == "pdfa" and req.format != "pdf":
        errors.append(("variant", "pdfa applies to PDF exports only"))
    if req.as_of is not None:
        if req.as_of.tzinfo is None:
            errors.append(("as_of", "needs a time zone, e.g. 2026-11-22T10:00:00Z"))
        elif req.as_of > dt.datetime.now(dt.UTC):
            errors.append(("as_of", "is in the future"))
    if req.authority_case is not None and not (0 < len(req.authority_case) <= 200):
        errors.append(("authority_case", "1 to 200 characters"))
    if unknown := sorted(set(req.include) - set(INCLUDES)):
        errors.append(("include", f"unknown {', '.join(unknown)}; any of {', '.join(INCLUDES)}"))
    if req.purpose not in ("authority", "internal"):
        errors.append(("purpose", "one of authority, internal"))
    internal_layout = req.layout in layouts() and layouts()[req.layout].internal
    if req.purpose == "authority" and internal_layout:
        errors.append(("purpose", f"a '{req.layout}' export is internal: it is never sent to an authority"))
    if errors:
        raise Invalid.of(errors)


def parse_as_of(value: str | None) -> dt.datetime | None:
    """``as_of`` as the API, the CLI and the web take it: ISO 8601 with a zone; a time without one is
    refused (422 naming ``as_of``), never read as UTC, since the register differs hour by hour."""
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Invalid.of([("as_of", "not an ISO 8601 date or time")]) from None
    if parsed.tzinfo is None:
        raise Invalid.of([("as_of", "needs a time zone, e.g. 2026-11-22T10:00:00Z")])
    if parsed.year >= 9999:
        raise Invalid.of([("as_of", "outside the years 1 to 9998")])
    return parsed.astimezone(dt.UTC)


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    moment: dt.datetime = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return moment


async def vocabulary_terms() -> list[TermData]:
    return await load_terms()


async def _last_change(entity_id: str) -> dt.datetime:
    kinds = sorted(REGISTRY)
    marks = ", ".join("{}" for _ in kinds)
    rows = await AuditEvent.raw(
        f"SELECT max(created_at) AS at FROM audit_event WHERE legal_entity_id = {{}} "
        f"AND outcome = 'success' AND entity_type IN ({marks})",
        entity_id,
        *kinds,
    )
    if not rows or rows[0]["at"] is None:
        raise NotFound("the entity has no recorded history")
    return _moment(rows[0]["at"])


async def current_entity(entity_id: str) -> tuple[EntityIn, Times, dt.datetime]:
    """The entity as it is now (``load_entity``) and the time of its last change, read in one snapshot."""
    async with read_snapshot():  # every read below sees the same state, and no write waits for them
        loaded = await load_entity(entity_id)
        state_time = await _last_change(entity_id)
    return loaded.entity, loaded.times, state_time


async def _previous(entity_id: str) -> list[dict[str, Any]]:
    f = query.EventFilter(legal_entity_id=entity_id, action="register.export")
    return [e["body"]["details"] async for e in query.stream(f)]


async def _checkpoint(integrator: Integrator) -> tuple[int, str]:
    await integrator.integrate_all(checkpoint=True)
    latest = await AuditCheckpoint.select().order_by(AuditCheckpoint.tree_size, ascending=False).first()
    assert latest is not None, "integrate_all(checkpoint=True) signs a checkpoint"
    return int(latest["tree_size"]), base64.b64encode(bytes(latest["root_hash"])).decode()


def _authority(entity: EntityIn) -> str:
    a = entity.supervisory_authority
    return f"{a.name} ({a.country})" if a else ""


def _same_options(details: dict[str, Any], req: ExportRequest, lang: str, state_sha: str) -> bool:
    return (
        details.get("state_sha256") == state_sha
        and details.get("format") == req.format
        and details.get("layout") == req.layout
        and details.get("lang") == lang
        and details.get("variant") == req.variant
        and details.get("authority_case") == req.authority_case
        and details.get("as_of") == (req.as_of.isoformat() if req.as_of else None)
        and details.get("purpose", "internal") == req.purpose
        and tuple(details.get("include") or ()) == req.included()
    )


def _sent(previous: list[dict[str, Any]], authority: str, case: str | None) -> list[dict[str, Any]]:
    """The exports recorded as sent to ``authority`` in ``case``, each once (a reissue is the same
    export sent again). Internal exports, and those recorded before exports had a purpose, are not."""
    found: dict[str, dict[str, Any]] = {}
    for d in previous:
        if (
            authority
            and d.get("purpose") == "authority"
            and d.get("authority") == authority
            and d.get("authority_case") == case
        ):
            found.setdefault(d["export_id"], d)
    return list(found.values())


def _baseline(sent: list[dict[str, Any]], state_time: dt.datetime) -> Any:
    """The last export sent to the authority that shows this state or an earlier one: the same state
    included, whose appendix then lists no change."""
    candidates = [d for d in sent if _moment(d["state_time"]) <= state_time]
    if not candidates:
        return None
    last = max(candidates, key=lambda d: (_moment(d["created_at"]), d["export_id"]))
    return {k: last[k] for k in ("export_id", "created_at", "state_time", "state_sha256")}


async def prepare(req: ExportRequest, integrator: Integrator) -> Document:
    """Everything the renderers need, read from the database; the export record fixed."""
    validate(req)
    entity_id = await find_entity(req.entity)
    if req.as_of is not None:
        loaded = await load_entity(entity_id, at=req.as_of)
        entity, times, state_time = loaded.entity, loaded.times, req.as_of
    else:
        entity, times, state_time = await current_entity(entity_id)
    terms = await vocabulary_terms()
    include = req.included()
    source, entity = entity, for_export(entity, include)
    state_sha = register_sha256(terms, entity)  # of the register the export carries
    authority = entity.supervisory_authority
    country = authority.country if authority else None
    lang: Lang = req.lang or default_language(country, entity.default_language)
    if (problem := _findings_language(req, lang)) is not None:
        raise Invalid.of([problem])
    previous = await _previous(entity_id)
    same = [d for d in previous if _same_options(d, req, lang, state_sha)]
    if same:
        d = same[0]
        meta = ExportMeta(
            export_id=d["export_id"],
            created_at=_moment(d["created_at"]),
            state_time=_moment(d["state_time"]),
            as_of=req.as_of,
            format=req.format,
            layout=req.layout,
            lang=lang,
            variant=req.variant,
            authority=d["authority"],
            authority_case=req.authority_case,
            checkpoint_size=d["checkpoint"]["tree_size"],
            checkpoint_root=d["checkpoint"]["root_hash"],
            state_sha256=state_sha,
            baseline=d.get("baseline"),
            purpose=req.purpose,
            include=include,
            sent_before=int(d.get("sent_before") or 0),
        )
    else:
        size, root = await _checkpoint(integrator)
        sent = _sent(previous, _authority(entity), req.authority_case)
        meta = ExportMeta(
            export_id=str(uuid.uuid4()),
            created_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            state_time=state_time,
            as_of=req.as_of,
            format=req.format,
            layout=req.layout,
            lang=lang,
            variant=req.variant,
            authority=_authority(entity),
            authority_case=req.authority_case,
            checkpoint_size=size,
            checkpoint_root=root,
            state_sha256=state_sha,
            baseline=_baseline(sent, state_time),
            purpose=req.purpose,
            include=include,
            sent_before=len(sent),
        )
    changes: list[Change] | None = None
    if meta.baseline is not None:
        before = (await load_entity(entity_id, at=_moment(meta.baseline["state_time"]))).entity
        changes = diff(for_export(before, include), entity, lang)  # names as the export shows them
    texts = Texts(lang, terms)
    if changes is not None:
        changes = labelled(changes, texts)  # the changed fields named in the export's language
    approvers = await actor_names(sorted({a.approved_by for a in entity.activities if a.approved_by}))
    view = localized(View(entity, texts, {k: RecordTimes(*v) for k, v in times.items()}, approvers))
    return Document(meta, view, layouts()[req.layout].shown(include), changes, terms, source)


def render(doc: Document, progress: Progress = _none) -> bytes:
    if doc.meta.format == "pdf":
        from exports.pdf import render_pdf

        return render_pdf(doc, progress)
    from exports.xlsx import render_xlsx

    return render_xlsx(doc, progress)


async def export(req: ExportRequest, integrator: Integrator, progress: Progress = _none) -> ExportResult:
    """Make one export and record it in the audit log."""
    progress("prepare", 0.0)
    doc = await prepare(req, integrator)
    async with RENDER_SLOTS:
        if render_worker.takes(doc):
            content = await render_worker.render(doc, progress)
        else:
            content = await anyio.to_thread.run_sync(functools.partial(render, doc, progress))
    sha = hashlib.sha256(content).hexdigest()
    async with write_transaction():
        previous = await _previous(doc.entity.id or "")
        reissue = any(d.get("export_id") == doc.meta.export_id for d in previous)
        await audit_log.record(
            "register.export",
            entity_type="export",
            entity_id=doc.meta.export_id,
            legal_entity_id=doc.entity.id or "",
            details={**doc.meta.details(), "sha256": sha, "bytes": len(content), "reissue": reissue},
        )
    progress("done", 1.0)
    return ExportResult(content, doc.filename, MEDIA_TYPES[doc.meta.format], sha, doc.meta, reissue)


async def check(entity: str, layout: str, lang: str | None, as_of: dt.datetime | None = None) -> list[Gap]:
    """The fields ``layout`` requires that the entity's register leaves empty (nothing is recorded)."""
    return (await inspect(entity, layout, lang, as_of))[0]


async def inspect(
    entity: str, layout: str, lang: str | None, as_of: dt.datetime | None = None
) -> tuple[list[Gap], list[str]]:
    """The export check: the fields ``layout`` requires that the register leaves empty, and the
    warnings about its language (``exports.language``: free text that does not read as the export's
    language, vocabulary keys without a label), worded in the export's language."""
    req = ExportRequest(entity=entity, layout=layout, lang=lang, as_of=as_of)  # type: ignore[arg-type]
    validate(req)
    entity_id = await find_entity(entity)
    if as_of is not None:
        state = (await load_entity(entity_id, at=as_of)).entity
    else:
        state, _, _ = await current_entity(entity_id)
    terms = await vocabulary_terms()
    a = state.supervisory_authority
    chosen: Lang = req.lang or default_language(a.country if a else None, state.default_language)
    view = localized(View(state, Texts(chosen, terms)))
    return gaps(layouts()[layout], view), [n.text(view) for n in notices(view)]
