"""The register in the browser: dashboard, activities, one activity, processors, transfers, retention."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template

from exports.layouts import cells, layouts
from exports.service import vocabulary_terms
from ropa.access.model import SIGNED_IN, current_principal
from ropa.errors import NotFound
from ropa.params import Text
from ropa.records import listing
from ropa.records import services as records
from ropa.records.catalog import ACTIVITY
from ropa.web import reads, review_pages, search, todo
from ropa.web.pages import language, page, texts

SEVERITIES = ("high", "medium", "low", "info")
READ = {"perm": "register.read"}
PAGE_SIZE = 100


@get("/", opt={"perm": SIGNED_IN}, include_in_schema=False, name="dashboard")
async def dashboard(request: Request[Any, Any, Any]) -> Template:
    today = reads.today()
    got = await reads.dashboard(today)
    terms = await vocabulary_terms()
    # The to-do list: the officer's work (its findings need findings.review, as the findings page).
    to_do = await todo.todo(today, texts(request, terms), got.open_findings) if may_review() else None
    return page(request, "dashboard.html", terms, cards=got.cards, checkpoint=got.checkpoint, todo=to_do)


@get("/entities/{ref:str}", opt=READ, include_in_schema=False, name="register")
async def register(
    request: Request[Any, Any, Any],
    ref: FromPath[str],
    q: FromQuery[Text] = None,
    status: FromQuery[Text] = None,
    severity: FromQuery[Text] = None,
    cursor: FromQuery[Text] = None,
) -> Template:
    """The activities of one entity, a page at a time, with the API's own filter and search, each
    with its open findings by severity; ``severity`` keeps those with an open finding of it."""
    entity = await reads.entity_summary(ref)
    found_findings = await reads.findings_by_record(entity.id)
    severity = severity if severity in SEVERITIES and may_review() else ""
    if severity or q:  # the findings or the search decide: every page of the listing at once
        t = texts(request)
        hits, more = await search.search(q, t, entity.id) if q else ([], False)
        keys = {h.key: h for h in hits}
        items, next_cursor, after = [], None, None
        while True:
            got = await listing.list_records(
                ACTIVITY, entity=entity.id, status=status or None, cursor=after, limit=500
            )
            items += [
                a
                for a in got.items
                if (not q or a.key in keys)
                and (not severity or reads.open_by_severity(found_findings, "activity", a.key)[severity])
            ]
            if (after := got.next_cursor) is None:
                break
        where = {k: h.where for k, h in keys.items()}
    else:
        found = await listing.list_records(
            ACTIVITY, entity=entity.id, status=status or None, cursor=cursor or None, limit=PAGE_SIZE
        )
        items, next_cursor, where, more = found.items, found.next_cursor, {}, False
    return page(
        request,
        "register.html",
        await vocabulary_terms(),
        entity=entity,
        items=items,
        next_cursor=next_cursor,
        q=q or "",
        status=status or "",
        severity=severity,
        severities=SEVERITIES,
        where=where,
        more=more,
        limit=search.LIMIT,
        findings={a.key: reads.open_by_severity(found_findings, "activity", a.key) for a in items},
        show_findings=may_review(),
        tab="activities",
    )


def may_review() -> bool:
    principal = current_principal()
    return principal is None or principal.may("findings.review")


@get("/entities/{ref:str}/activities/{activity:str}", opt=READ, include_in_schema=False, name="activity")
async def activity(
    request: Request[Any, Any, Any],
    ref: FromPath[str],
    activity: FromPath[str],
    saved: FromQuery[Annotated[int | None, QueryParameter(ge=1)]] = None,
    merged: FromQuery[bool] = False,
) -> Template:
    """Every Art. 30 element of one activity, as the canonical export shows it, and its sources."""
    got = await reads.entity_page(ref, language(request), only_activity=activity)
    view = got.view
    found = next((a for a in view.entity.activities if activity in (a.id, a.key)), None)
    if found is None:
        raise NotFound(f"no activity '{activity}' in this register")
    record = await records.get(ACTIVITY, found.id or "")
    own = (await reads.findings_by_record(got.id)).get(("activity", found.key), [])
    return page(
        request,
        "activity.html",
        got.terms,
        entity=view.entity,
        entity_id=got.id,
        view=view,
        a=found,
        version=record.version,
        saved=saved,
        merged=merged,
        cells=cells(layouts()["canonical"], found, view),
        per_category=view.retention_by_category(found),
        times=view.times.get(found.id or ""),
        findings=own,
        show_findings=may_review(),
        tab="activities",
        approver=await review_pages.approver_name(found.approved_by),
    )


async def _section(request: Request[Any, Any, Any], ref: str, tab: str) -> Template:
    got = await reads.entity_page(ref, language(request))
    view = got.view

    def activities_of_processor(key: str) -> list[str]:
        return [a.key for a in view.activities if any(p.key == key for p in view.processors_of(a))]

    found_findings = await reads.findings_by_record(got.id)

    def findings_of(kind: str, key: str) -> list[Any]:
        return found_findings.get((kind, key), [])

    return page(
        request,
        f"{tab}.html",
        got.terms,
        entity=view.entity,
        entity_id=got.id,
        view=view,
        tab=tab,
        activities_of_processor=activities_of_processor,
        activity_ids={a.key: a.id for a in view.activities},
        findings_of=findings_of,
        show_findings=may_review(),
    )


@get("/entities/{ref:str}/processors", opt=READ, include_in_schema=False, name="processors")
async def processors(request: Request[Any, Any, Any], ref: FromPath[str]) -> Template:
    return await _section(request, ref, "processors")


@get("/entities/{ref:str}/transfers", opt=READ, include_in_schema=False, name="transfers")
async def transfers(request: Request[Any, Any, Any], ref: FromPath[str]) -> Template:
    return await _section(request, ref, "transfers")


@get("/entities/{ref:str}/retention", opt=READ, include_in_schema=False, name="retention")
async def retention(request: Request[Any, Any, Any], ref: FromPath[str]) -> Template:
    return await _section(request, ref, "retention")


@get("/entities/{ref:str}/cookies", opt=READ, include_in_schema=False, name="cookies")
async def cookies(request: Request[Any, Any, Any], ref: FromPath[str]) -> Template:
    return await _section(request, ref, "cookies")


REGISTER_PAGES = [dashboard, register, activity, processors, transfers, retention, cookies]
