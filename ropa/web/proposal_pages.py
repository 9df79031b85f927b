"""The officer's side of the owner questionnaire: issue and revoke links, and decide on the answers.

A link is issued from an activity's page (or, for a new activity, from the entity's questionnaire
page); its URL is shown once, in the answer to the request that made it, and never again. An
answer is read on its own page, beside what applying it would change, and accepted (an
attestation), applied (proposed changes or a new draft) or rejected. Accepting and applying are
the register's own audited update, behind ``register.write`` and the four-eyes check as ever.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from exports.service import vocabulary_terms
from ropa.access.model import visible_entities
from ropa.access.users import actor_names
from ropa.errors import Conflict, Forbidden, Invalid
from ropa.records import proposals
from ropa.records import questionnaire as links
from ropa.records import services as records
from ropa.records.catalog import ACTIVITY, ENTITY
from ropa.web import reads
from ropa.web.editor_form import stored_activity as _stored
from ropa.web.messages import approval_refusal, friendly
from ropa.web.pages import FieldErrors, language, page, texts
from ropa.web.questionnaire_pages import LABELS

WRITE = {"perm": "register.write"}


async def _links_page(
    request: Request[Any, Any, Any],
    entity: Any,
    activity: Any,
    issued: links.Issued | None = None,
    form: FieldErrors | None = None,
    status: int = 200,
) -> Template:
    found = await links.links(entity.id, activity.id if activity else None, drafts=activity is None)
    url = f"{str(request.base_url).rstrip('/')}/q/{issued.secret}" if issued else ""
    return page(
        request,
        "questionnaires.html",
        http_status=status,
        entity=entity,
        entity_id=entity.id,
        activity=activity,
        links=found,
        issued_url=url,
        default_days=links.DEFAULT_DAYS,
        max_days=links.MAX_DAYS,
        form=form or FieldErrors(),
        tab="activities",
    )


async def _issue(request: Request[Any, Any, Any], entity: Any, activity: Any) -> Template:
    submitted = await request.form()
    days = str(submitted.get("days", "") or links.DEFAULT_DAYS).strip()
    try:
        issued = await links.issue(
            entity.id,
            activity.id if activity else None,
            int(days) if days.isdigit() else 0,
            str(submitted.get("recipient", "")),
        )
    except Invalid as exc:
        form = FieldErrors()
        t = texts(request)
        for param in exc.invalid_params:
            reason = str(param["reason"])
            text = t("q.days_range", n=links.MAX_DAYS) if param["name"] == "days" else friendly(reason, t)
            form.fail(str(param["name"]), str(text))
        return await _links_page(request, entity, activity, form=form, status=422)
    return await _links_page(request, entity, activity, issued=issued)


@get("/entities/{ref:str}/activities/{activity:str}/questionnaire", opt=WRITE, include_in_schema=False)
async def activity_links(
    request: Request[Any, Any, Any], ref: FromPath[str], activity: FromPath[str]
) -> Template:
    entity = await reads.entity_summary(ref)
    return await _links_page(request, entity, await _stored(entity.id, activity))


@post("/entities/{ref:str}/activities/{activity:str}/questionnaire", opt=WRITE, include_in_schema=False)
async def issue_for_activity(
    request: Request[Any, Any, Any], ref: FromPath[str], activity: FromPath[str]
) -> Template:
    entity = await reads.entity_summary(ref)
    return await _issue(request, entity, await _stored(entity.id, activity))


@get("/entities/{ref:str}/questionnaires", opt=WRITE, include_in_schema=False)
async def entity_links(request: Request[Any, Any, Any], ref: FromPath[str]) -> Template:
    return await _links_page(request, await reads.entity_summary(ref), None)


@post("/entities/{ref:str}/questionnaires", opt=WRITE, include_in_schema=False)
async def issue_for_new(request: Request[Any, Any, Any], ref: FromPath[str]) -> Template:
    return await _issue(request, await reads.entity_summary(ref), None)


def _back(link: links.Link) -> str:
    if link.activity:
        return f"/entities/{link.entity}/activities/{link.activity}/questionnaire"
    return f"/entities/{link.entity}/questionnaires"


@post("/questionnaires/{link:str}/revoke", opt=WRITE, include_in_schema=False)
async def revoke(link: FromPath[str]) -> Response[Any]:
    revoked = await links.revoke(link)
    return Redirect(_back(revoked), status_code=303)


async def _answer_page(
    request: Request[Any, Any, Any], link: links.Link, status: int = 200, **extra: Any
) -> Template:
    entity = await records.get(ENTITY, link.entity)
    activity = await records.get(ACTIVITY, link.activity) if link.activity else None
    stored = msgspec.to_builtins(activity) if activity else {}
    plan = proposals.plan(link, stored, await proposals.names(link.entity, language(request)))
    who = await actor_names([link.decided_by]) if link.decided_by else {}
    return page(
        request,
        "questionnaire_answer.html",
        await vocabulary_terms(),
        http_status=status,
        entity=entity,
        entity_id=entity.id,
        activity=activity,
        link=link,
        plan=plan,
        labels=LABELS,
        decided_by=who.get(link.decided_by, ""),
        tab="activities",
        **extra,
    )


@get("/questionnaires/{link:str}", opt=WRITE, include_in_schema=False)
async def answer(request: Request[Any, Any, Any], link: FromPath[str]) -> Template:
    return await _answer_page(request, await links.find(link))


@post("/questionnaires/{link:str}/decide", opt=WRITE, include_in_schema=False)
async def decide(request: Request[Any, Any, Any], link: FromPath[str]) -> Response[Any]:
    """Accept, apply or reject; a refusal of the register (stale, four eyes, invalid) is shown on the
    answer's page in the page's language, with nothing changed."""
    found = await links.find(link)
    submitted = await request.form()
    action = str(submitted.get("action", ""))
    version = str(submitted.get("version", ""))
    t = texts(request)
    try:
        if action == "reject":
            await proposals.reject(found.id)
            return Redirect(_back(found), status_code=303)
        if not version.isdigit():
            raise Invalid.of([("version", "the version you read is required")])
        if action == "accept":
            saved = await proposals.accept(found.id, int(version), reads.today())
        elif action == "apply":
            saved = await proposals.apply(found.id, int(version), language(request))
        else:
            raise Invalid.of([("action", "accept, apply or reject")])
    except (Conflict, Forbidden) as exc:
        message = approval_refusal(exc, t) or str(t("q.not_waiting"))
        return await _answer_page(request, found, exc.status, problem=message)
    except Invalid as exc:
        problems = [f"{LABELS.get(str(p['name']).split('[')[0], '')}" for p in exc.invalid_params]
        names = ", ".join(str(t(k)) for k in problems if k) or ""
        message = str(t("q.not_applied", fields=names or "–"))
        return await _answer_page(request, found, 422, problem=message)
    return Redirect(f"/entities/{saved.entity}/activities/{saved.id}?saved={saved.version}", status_code=303)


async def waiting_answers() -> list[dict[str, Any]]:
    """The answers waiting for a decision in the caller's entities, with their entity and activity."""
    rows = []
    entities = {e.id: e.name for e in await reads.entities()}
    for link in await links.waiting(visible_entities()):
        activity = await records.get(ACTIVITY, link.activity) if link.activity else None
        rows.append(
            {
                "link": link,
                "entity": entities.get(link.entity, ""),
                "activity": activity.name if activity else "",
            }
        )
    return rows


PROPOSAL_PAGES = [activity_links, issue_for_activity, entity_links, issue_for_new, revoke, answer, decide]
