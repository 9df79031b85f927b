"""The register in the browser: dashboard, activities, one activity, processors, transfers, retention."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template

from exports.layouts import cells, layouts
from exports.service import vocabulary_terms
from ropa.access.model import SIGNED_IN
from ropa.errors import NotFound
from ropa.params import Text
from ropa.records import listing
from ropa.records import services as records
from ropa.records.catalog import ACTIVITY
from ropa.web import reads
from ropa.web.pages import language, page

READ = {"perm": "register.read"}
PAGE_SIZE = 100


@get("/", opt={"perm": SIGNED_IN}, include_in_schema=False, name="dashboard")
async def dashboard(request: Request[Any, Any, Any]) -> Template:
    cards, checkpoint = await reads.dashboard()
    return page(request, "dashboard.html", await vocabulary_terms(), cards=cards, checkpoint=checkpoint)


@get("/entities/{ref:str}", opt=READ, include_in_schema=False, name="register")
async def register(
    request: Request[Any, Any, Any],
    ref: FromPath[str],
    q: FromQuery[Text] = None,
    status: FromQuery[Text] = None,
    cursor: FromQuery[Text] = None,
) -> Template:
    """The activities of one entity, a page at a time, with the API's own filter and search."""
    entity = await reads.entity_summary(ref)
    found = await listing.list_records(
        ACTIVITY, entity=entity.id, q=q or None, status=status or None, cursor=cursor or None, limit=PAGE_SIZE
    )
    return page(
        request,
        "register.html",
        await vocabulary_terms(),
        entity=entity,
        items=found.items,
        next_cursor=found.next_cursor,
        q=q or "",
        status=status or "",
        tab="activities",
    )


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
        tab="activities",
    )


async def _section(request: Request[Any, Any, Any], ref: str, tab: str) -> Template:
    got = await reads.entity_page(ref, language(request))
    view = got.view

    def activities_of_processor(key: str) -> list[str]:
        return [a.key for a in view.activities if any(p.key == key for p in view.processors_of(a))]

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


REGISTER_PAGES = [dashboard, register, activity, processors, transfers, retention]
