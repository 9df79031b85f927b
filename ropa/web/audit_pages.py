"""The audit log in the browser: events with their diffs, verification, and a register's history.

Every read goes through the audit services the API calls, so reading the log by page is itself
an audit event, and the caller's scope holds: an entity outside it does not exist.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, PathParameter, QueryParameter
from litestar.response import Template

from audit.query import EventFilter
from exports.service import vocabulary_terms
from ropa.access.model import visible_entities
from ropa.auditing import services
from ropa.auditing.controllers import MAX_INT
from ropa.auditing.integrator import verify_with_held
from ropa.errors import Invalid, NotFound
from ropa.params import Text
from ropa.records import listing
from ropa.records import services as records
from ropa.records.catalog import ACTIVITY, REGISTRY
from ropa.web import audit_views as views
from ropa.web import reads
from ropa.web.pages import page

Cursor = Annotated[int | None, QueryParameter(ge=0, le=MAX_INT)]
Seq = Annotated[int, PathParameter(ge=0, le=MAX_INT)]
READ = {"perm": "audit.read"}
HISTORY = {"perm": "register.history"}
PAGE_SIZE = 50
TIMELINE_SIZE = 50
FILTERS = ("entity", "actor", "action", "record_type", "record_id", "since", "until")


def _htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


async def _page(request: Request[Any, Any, Any], template: str, **context: Any) -> Template:
    """A page or fragment of the log: the same URL answers htmx and a plain browser differently.
    The vocabularies come along, so a diff shows a term's label, never its key."""
    terms = await vocabulary_terms()
    return page(request, template, terms, headers={"vary": "HX-Request"}, show=views.shown, **context)


async def _filter(form: dict[str, str], names: dict[str, str]) -> EventFilter:
    """The API's own filter (``event_filter``), from the form; a date alone as "to" takes that day.
    The actor may be a user name (``names``: actor id -> user name) and the record a key.

    Every field is checked before any is refused, so the form shows all of its mistakes at once.
    """
    errors: list[dict[str, str]] = []
    actor = form["actor"] or None
    by_name = {name.casefold(): actor_id for actor_id, name in names.items()}
    if actor and actor not in names:
        if actor.casefold() in by_name:
            actor = by_name[actor.casefold()]
        elif ":" not in actor and actor != "system":
            errors.append({"name": "actor", "reason": "no user by this name"})
    record_id, record_ids = form["record_id"] or None, None
    if record_id:
        try:
            record_id = str(uuid.UUID(record_id))
        except ValueError:
            found = await reads.record_ids(record_id, form["record_type"] or None)
            if not found:
                errors.append({"name": "record_id", "reason": "no record with this key"})
            record_id, record_ids = (found[0], None) if len(found) == 1 else (None, tuple(found))
    entity = None
    try:
        entity = await services.entity_id_of(form["entity"] or None)
    except Invalid as exc:
        errors += exc.invalid_params
    times: dict[str, Any] = {}
    for name, value in (("since", form["since"]), ("until", views.until(form["until"]))):
        try:
            times[name] = services.parse_time(value or None, name)
        except Invalid as exc:
            errors += exc.invalid_params
    if errors:
        raise Invalid("Invalid filter", errors)
    return EventFilter(
        within=visible_entities(),
        legal_entity_id=entity,
        actor_id=actor,
        action=form["action"] or None,
        entity_type=form["record_type"] or None,
        entity_id=record_id,
        entity_ids=record_ids,
        **times,
    )


@get("/audit", opt=READ, include_in_schema=False, name="audit_log")
async def audit_log(
    request: Request[Any, Any, Any],
    entity: FromQuery[Text] = None,
    actor: FromQuery[Text] = None,
    action: FromQuery[Text] = None,
    record_type: FromQuery[Text] = None,
    record_id: FromQuery[Text] = None,
    since: FromQuery[Text] = None,
    until: FromQuery[Text] = None,
    order: FromQuery[Text] = None,
    cursor: FromQuery[Cursor] = None,
) -> Template:
    """The events the caller may see, filtered as the API filters them, a keyset page at a time,
    newest first unless ``order=oldest``."""
    form = {
        "entity": entity or "",
        "actor": actor or "",
        "action": action or "",
        "record_type": record_type or "",
        "record_id": record_id or "",
        "since": since or "",
        "until": until or "",
        "order": "oldest" if order == "oldest" else "",
    }
    form = {k: v.strip() for k, v in form.items()}
    errors: dict[str, str] = {}
    items: list[views.Event] = []
    next_cursor = None
    download = ""
    several = False
    names = await views.actor_names()
    try:
        f = await _filter(form, names)
    except Invalid as exc:
        errors = {p["name"]: p["reason"] for p in exc.invalid_params}
    else:
        found = await services.events_page(f, cursor, PAGE_SIZE, newest_first=form["order"] != "oldest")
        items = [views.event(e, e.get("body"), names) for e in found["items"]]
        next_cursor = found["next_cursor"]
        several = f.entity_ids is not None  # the API's download names one record: not offered
        download = urlencode(views.api_query(f))
    kept = {k: v for k, v in form.items() if v}
    return await _page(
        request,
        "audit.html",
        http_status=400 if errors else 200,
        form=form,
        errors=errors,
        items=items,
        entities=await reads.entities(),
        record_types=views.RECORD_TYPES,
        actions=views.ACTIONS,
        actors=sorted(names.items(), key=lambda kv: kv[1]),
        filtered=bool(kept),
        next_href=f"/audit?{urlencode({**kept, 'cursor': next_cursor})}" if next_cursor else "",
        first_href=f"/audit?{urlencode(kept)}" if cursor is not None else "",
        download=download,
        several=several,
        may_export=visible_entities() is None,
    )


@get("/audit/events/{seq:int}", opt=READ, include_in_schema=False, name="audit_event")
async def audit_event(request: Request[Any, Any, Any], seq: FromPath[Seq]) -> Template:
    """One entry: its header and the before and after of each changed field; a fragment for htmx."""
    found = await services.entry(seq)
    row = {**found["leaf"], "seq": seq}
    shaped = views.event(row, found["body"], await views.actor_names())
    template = "_audit_event.html" if _htmx(request) else "audit_event.html"
    return await _page(request, template, e=shaped, leaf_hash=found["leaf_hash"])


VERIFY = {"perm": "audit.verify"}


@get("/audit/verify", opt=VERIFY, include_in_schema=False, name="audit_verify_form")
async def audit_verify_form(request: Request[Any, Any, Any]) -> Template:
    """The button alone (where the result page's language links and a reload lead): nothing is run."""
    return await _page(request, "verify.html", report=None)


@post("/audit/verify", opt=VERIFY, include_in_schema=False, name="audit_verify", status_code=200)
async def audit_verify(request: Request[Any, Any, Any]) -> Template:
    """Check every entry, body, checkpoint and trigger now, as ``GET /api/audit/verify`` does."""
    state = request.app.state
    report = await verify_with_held(state["settings"], state["signer"].verifier_key())
    return await _page(request, "_verify_result.html" if _htmx(request) else "verify.html", report=report)


async def _register_changes(entity_id: str) -> list[views.Event]:
    """Every change to the records of one entity's register, newest first, read as the API reads."""
    f = EventFilter(within=visible_entities(), legal_entity_id=entity_id)
    names = await views.actor_names()
    found: list[views.Event] = []
    cursor = None
    while True:
        got = await services.events_page(f, cursor, 1000)
        found += [views.event(e, e["body"], names) for e in got["items"] if e["entity_type"] in REGISTRY]
        if (cursor := got["next_cursor"]) is None:
            break
    return found[::-1]


@get("/entities/{ref:str}/history", opt=HISTORY, include_in_schema=False, name="entity_history")
async def entity_history(
    request: Request[Any, Any, Any], ref: FromPath[str], before: FromQuery[Cursor] = None
) -> Template:
    """The entity's register as a timeline: who changed which record, when, and which fields."""
    entity = await reads.entity_summary(ref)
    changes = await _register_changes(entity.id)
    if before is not None:
        changes = [c for c in changes if c.event_id is not None and c.event_id < before]
    shown, rest = changes[:TIMELINE_SIZE], changes[TIMELINE_SIZE:]
    return await _page(
        request,
        "history.html",
        entity=entity,
        entity_id=entity.id,
        tab="history",
        items=shown,
        older_href=f"/entities/{entity.id}/history?before={shown[-1].event_id}" if rest else "",
        newest_href=f"/entities/{entity.id}/history" if before is not None else "",
    )


async def _activity_id(entity_id: str, ref: str) -> str:
    """An activity of this entity by id or key; any other is not found."""
    try:
        record = await records.get(ACTIVITY, str(uuid.UUID(ref)))
    except ValueError:
        found = await listing.list_records(ACTIVITY, entity=entity_id, q=ref, limit=500)
        record = next((a for a in found.items if a.key == ref), None)
    if record is None or str(record.entity) != str(entity_id):
        raise NotFound(f"no activity '{ref}' in this register")
    return str(record.id)


@get(
    "/entities/{ref:str}/activities/{activity:str}/history",
    opt=HISTORY,
    include_in_schema=False,
    name="activity_history",
)
async def activity_history(
    request: Request[Any, Any, Any], ref: FromPath[str], activity: FromPath[str]
) -> Template:
    """Every version of one activity with what changed, newest first, as ``/api/activities/{id}/history``."""
    entity = await reads.entity_summary(ref)
    activity_id = await _activity_id(entity.id, activity)
    record = await records.get(ACTIVITY, activity_id)
    versions = await services.history(ACTIVITY, activity_id)
    names = await views.actor_names()
    return await _page(
        request,
        "activity_history.html",
        entity=entity,
        entity_id=entity.id,
        tab="activities",
        a=record,
        versions=[
            (v, names.get(v.actor_id, v.actor_id), views.moment(v.at), views.readable(v.changes))
            for v in reversed(versions)
        ],
    )


AUDIT_PAGES = [audit_log, audit_event, audit_verify_form, audit_verify, entity_history, activity_history]
