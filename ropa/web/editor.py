"""The activity editor's pages: the form over the API's update, its messages inline, and a conflict screen.

The save is the API's own ``update`` with the version the form was opened at, so a concurrent save is
a 409 here too; it is merged three ways where it can be (``ropa.web.editor_merge``). The form itself,
its parsing and validation are in ``ropa.web.editor_form``; records created from inside the form in
``ropa.web.editor_inline``.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from exports.service import vocabulary_terms
from ropa.access.model import current_principal
from ropa.access.users import actor_names
from ropa.auditing import services as audit_services
from ropa.errors import Conflict, Forbidden, Invalid
from ropa.i18n import EXPORT_LANGUAGES
from ropa.i18n.citations import cite
from ropa.records import services as records
from ropa.records.catalog import ACTIVITY
from ropa.web import reads
from ropa.web.editor_form import (
    ANONYMITY_CLAIMS,
    CONSENT_FORMS,
    Form,
    apply,
    choices,
    errors_of,
    field_of,
    form_checks,
    form_from_post,
    form_of,
    stored_activity,
)
from ropa.web.editor_inline import create as create_inline
from ropa.web.editor_inline import inline_label, inline_of, inline_view, unsent
from ropa.web.editor_merge import Merge, merge_onto, reapply_fields
from ropa.web.editor_merge import version_data as version_data
from ropa.web.editor_rows import ARTICLES, AVAILABILITIES, EXCLUSIONS, LIMITS, RIGHTS
from ropa.web.messages import approval_refusal, friendly
from ropa.web.pages import page, texts

WRITE = {"perm": "register.write"}
INLINE_KINDS = ("recipient", "transfer", "retention")


async def _editor(
    request: Request[Any, Any, Any], entity: Any, record: Any, form: Form, status: int = 200, **extra: Any
) -> Template:
    terms = await vocabulary_terms()
    t = texts(request, terms)
    offered = await choices(entity.id, terms, t, held=form)
    return page(
        request,
        "activity_edit.html",
        terms,
        http_status=status,
        entity=entity,
        entity_id=entity.id,
        record=record,
        form=form,
        choices=offered,
        label_of=lambda name: inline_label(t, name) or offered.label_of(name),
        consent_forms=CONSENT_FORMS,
        anonymity_claims=ANONYMITY_CLAIMS,
        rights=[(k, t.enum("st.right", k)) for k in RIGHTS],
        availabilities=[(k, t.enum("st.availability", k)) for k in AVAILABILITIES],
        limits=[(k, t.enum("st.limited_to", k)) for k in LIMITS],
        exclusions=[(k, t.enum("st.exclusion", k)) for k in EXCLUSIONS],
        articles=[(k, cite(k, t.lang)) for k in ARTICLES],
        inline=inline_view(INLINE_KINDS, form, offered, t),
        translation_languages=EXPORT_LANGUAGES,
        tab="activities",
        **extra,
    )


@get("/entities/{ref:str}/activities/{activity:str}/edit", opt=WRITE, include_in_schema=False, name="edit")
async def edit(request: Request[Any, Any, Any], ref: FromPath[str], activity: FromPath[str]) -> Template:
    entity = await reads.entity_summary(ref)
    record = await stored_activity(entity.id, activity)
    return await _editor(request, entity, record, form_of(msgspec.to_builtins(record), record.version))


@post("/entities/{ref:str}/activities/{activity:str}/edit", opt=WRITE, include_in_schema=False, name="save")
async def save(request: Request[Any, Any, Any], ref: FromPath[str], activity: FromPath[str]) -> Response[Any]:
    entity = await reads.entity_summary(ref)
    record = await stored_activity(entity.id, activity)
    submitted = await request.form()
    form = form_from_post(submitted)
    if (inline := inline_of(submitted)) is not None:  # a record made in place; the activity is not saved
        made = await create_inline(inline, submitted, entity.id, form, texts(request))
        return await _editor(request, entity, record, form, status=200 if made else 422)
    if not submitted.get("reapply") and unsent(submitted, INLINE_KINDS, form, texts(request)):
        return await _editor(request, entity, record, form, status=422)
    for _ in range(3):  # each round merges onto the latest version; a write in between is caught again
        merged = form
        if form.version != record.version:  # someone saved since this user opened the form
            result = await merge_onto(record, form)
            if result.conflicts:
                return await _conflict(request, entity, record, form, result)
            merged = result.form
        if submitted.get("reapply"):  # from the conflict screen: the editor on the latest version, merged
            return await _editor(request, entity, record, merged)
        t = texts(request)
        if problems := form_checks(merged, t, msgspec.to_builtins(record)):
            merged.errors = problems
            return await _editor(request, entity, record, merged, status=422)
        try:
            payload = msgspec.convert(apply(merged, msgspec.to_builtins(record)), ACTIVITY.update)
            saved = await records.update(ACTIVITY, record.id, payload)
        except msgspec.ValidationError as exc:
            match = re.search(r"at `\$\.([^`]+)`", str(exc))
            field = field_of(match[1], merged) if match else "general"
            merged.errors = {field: [friendly(str(exc).split(" - at")[0], t)]}
            return await _editor(request, entity, record, merged, status=422)
        except Invalid as exc:
            merged.errors = errors_of(exc, merged, t)
            return await _editor(request, entity, record, merged, status=422)
        except (Conflict, Forbidden) as exc:
            if any(p.get("name") == "status" for p in exc.invalid_params):  # four eyes refused it
                merged.errors = {"status": [approval_refusal(exc, t) or exc.detail]}
                return await _editor(request, entity, record, merged, status=exc.status)
            if isinstance(exc, Forbidden):
                raise
            latest = await stored_activity(entity.id, record.id)
            if latest.version == record.version:  # not a concurrent save: show it as the record's problem
                raise
            record = latest
            continue
        target = f"/entities/{entity.id}/activities/{saved.id}?saved={saved.version}"
        if merged is not form:
            target += "&merged=1"
        return Redirect(target, status_code=303)
    return await _conflict(request, entity, record, form, await merge_onto(record, form))


async def _conflict(
    request: Request[Any, Any, Any], entity: Any, record: Any, form: Form, result: Merge
) -> Template:
    """Both saved the same fields: those fields only, as they were, as saved now and as this user
    wants them; the other fields are merged already."""
    last = None
    principal = current_principal()
    if principal is None or principal.may("register.history"):
        history = await audit_services.history(ACTIVITY, record.id)
        last = history[-1] if history else None
    who = (await actor_names([last.actor_id]))[last.actor_id] if last else "?"
    terms = await vocabulary_terms()
    offered = await choices(entity.id, terms, texts(request, terms))
    return page(
        request,
        "conflict.html",
        terms,
        http_status=409,
        entity=entity,
        entity_id=entity.id,
        record=record,
        form=form,
        changed=result.conflicts,
        base_found=result.base_found,
        who=who,
        hidden=reapply_fields(result.form),
        label_of=offered.label_of,
        term_label=offered.term_label,
        last=last,
        tab="activities",
    )


NEW_FIELDS = ("key", "name", "role", "description")


@get("/entities/{ref:str}/activities/new", opt=WRITE, include_in_schema=False, name="activity-new")
async def new_activity(request: Request[Any, Any, Any], ref: FromPath[str]) -> Template:
    entity = await reads.entity_summary(ref)
    form = Form(0, {"key": "", "name": "", "role": "controller", "description": ""}, [])
    return _new_page(request, entity, form)


def _new_page(request: Request[Any, Any, Any], entity: Any, form: Form, status: int = 200) -> Template:
    return page(
        request,
        "activity_new.html",
        http_status=status,
        entity=entity,
        entity_id=entity.id,
        form=form,
        tab="activities",
    )


@post("/entities/{ref:str}/activities/new", opt=WRITE, include_in_schema=False, name="activity-create")
async def create_activity(request: Request[Any, Any, Any], ref: FromPath[str]) -> Response[Any]:
    """A new activity, as a draft: its key, name and role here, the rest in the editor it opens."""
    entity = await reads.entity_summary(ref)
    submitted = await request.form()
    form = Form(0, {name: str(submitted.get(name, "")).strip() for name in NEW_FIELDS}, [])
    t = texts(request)
    data = {
        **form.values,
        "status": "draft",
        "entity": entity.id,
        "description": form.values["description"] or None,
    }
    try:
        created = await records.create(ACTIVITY, msgspec.convert(data, ACTIVITY.create))
    except msgspec.ValidationError as exc:
        match = re.search(r"at `\$\.([^`.\[]+)", str(exc))
        field = match[1] if match and match[1] in NEW_FIELDS else "general"
        form.errors = {field: [friendly(str(exc).split(" - at")[0], t)]}
        return _new_page(request, entity, form, 422)
    except (Invalid, Conflict) as exc:
        for param in exc.invalid_params or [{"name": "general", "reason": exc.detail}]:
            name = str(param["name"]) if param["name"] in NEW_FIELDS else "general"
            form.fail(name, friendly(str(param["reason"]), t))
        return _new_page(request, entity, form, 422 if isinstance(exc, Invalid) else 409)
    return Redirect(f"/entities/{entity.id}/activities/{created.id}/edit", status_code=303)


EDITOR_PAGES = [new_activity, create_activity, edit, save]
