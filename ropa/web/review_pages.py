"""Four eyes in the browser: approving an activity that someone else last changed.

The approval is the API's own update (``records.update``) with the status ``approved``: the same
check (``ropa.records.approval``), the same audit event. A refusal is a page in the page's
language, with the API's status (403 or 409), and nothing changed.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ropa.access.model import current_principal
from ropa.access.users import actor_names
from ropa.errors import Conflict, Forbidden
from ropa.records import services as records
from ropa.records.approval import APPROVE
from ropa.records.catalog import ACTIVITY
from ropa.web import reads
from ropa.web.editor_form import SERVER_FIELDS
from ropa.web.editor_form import stored_activity as _stored
from ropa.web.messages import approval_refusal
from ropa.web.pages import page, texts
from ropa.web.proposal_pages import waiting_answers


async def approver_name(actor_id: str | None) -> str:
    """Who approved, by user name (the record holds the actor id, never a name); for roles that
    read the register's history only (a regulator gets no names of the log's actors)."""
    principal = current_principal()
    if not actor_id or (principal is not None and not principal.may("register.history")):
        return ""
    return (await actor_names([actor_id]))[actor_id]


@post(
    "/entities/{ref:str}/activities/{activity:str}/approve",
    opt={"perm": APPROVE},
    include_in_schema=False,
    name="approve",
)
async def approve(
    request: Request[Any, Any, Any], ref: FromPath[str], activity: FromPath[str]
) -> Response[Any]:
    entity = await reads.entity_summary(ref)
    record = await _stored(entity.id, activity)
    submitted = await request.form()
    body = {k: v for k, v in msgspec.to_builtins(record).items() if k not in SERVER_FIELDS}
    try:
        version = int(str(submitted.get("version", "")))
    except ValueError:
        version = record.version
    body |= {"status": "approved", "version": version}
    try:
        saved = await records.update(ACTIVITY, record.id, msgspec.convert(body, ACTIVITY.update))
    except (Conflict, Forbidden) as exc:
        message = approval_refusal(exc, texts(request))
        if message is None:
            raise
        return page(request, "error.html", http_status=exc.status, status_code=exc.status, detail=message)
    return Redirect(f"/entities/{entity.id}/activities/{saved.id}?saved={saved.version}", status_code=303)


@get("/reviews/questionnaires", opt={"perm": "register.write"}, include_in_schema=False, name="reviews")
async def questionnaire_reviews(request: Request[Any, Any, Any]) -> Template:
    """Owners' questionnaire answers waiting for an officer (``ropa.web.proposal_pages``)."""
    return page(request, "questionnaire_reviews.html", rows=await waiting_answers())


REVIEW_PAGES = [approve, questionnaire_reviews]
