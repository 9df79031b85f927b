"""The new-activity wizard: Art. 30(1)(a)–(g), or 30(2) for a processor's activity, a step at a time.

The first step creates the activity as a draft through the API's own ``create``; every later step
saves the draft through the API's own ``update`` with the version the step was opened at, so each
save is one audited change and a draft can be left and resumed at any step. A step's form is the
activity editor's form (``ropa.web.editor``): parsed, applied over the stored draft and validated
by the editor's own code, its messages by field in the page's language. The review step shows the
findings the saved draft raises (the rules run over the register as it is, the draft included);
submitting it moves the draft to review (``in_review``), where four eyes approve it.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Redirect, Template

from exports.service import vocabulary_terms
from ropa.errors import Conflict, Invalid
from ropa.records import listing
from ropa.records import services as records
from ropa.records.catalog import ACTIVITY, RETENTION
from ropa.web import reads
from ropa.web.editor_form import Form, apply, choices, field_of, form_from_post, form_of, stored_activity
from ropa.web.editor_inline import create as create_inline
from ropa.web.editor_inline import inline_label, inline_of, inline_view, unsent
from ropa.web.messages import friendly
from ropa.web.pages import page, texts
from ropa.web.wizard_steps import (
    FIRST,
    STEPS,
    Step,
    after,
    apply_controllers,
    controller_field,
    controller_label,
    controllers_from_post,
    controllers_of,
    flow,
    step_of,
)

WRITE = {"perm": "register.write"}
NEW = "/entities/{ref:str}/activities/wizard"
STEP = "/entities/{ref:str}/activities/{activity:str}/wizard/{step:str}"
GO = ("next", "save", "back")
# The step where each kind of record is picked, and so can be made in place.
INLINE_STEPS = {"recipients": ("recipient",), "transfers": ("transfer",), "retention": ("retention",)}


def _url(entity_id: str, record_id: str, slug: str, saved: int | None = None) -> str:
    return f"/entities/{entity_id}/activities/{record_id}/wizard/{slug}" + (
        f"?saved={saved}" if saved else ""
    )


async def _draft(entity_id: str, activity: str) -> Any:
    """The activity by id or key in this register; only a draft is walked through the wizard."""
    record = await stored_activity(entity_id, activity)
    if record.status != "draft":
        reason = "only a draft activity opens in the wizard"
        raise Conflict(reason, [{"name": "status", "reason": reason}])
    return record


def _step_form(stored: dict[str, Any], version: int, step: Step, submitted: FormMultiDict) -> Form:
    """The stored draft's form with this step's fields as the browser sent them."""
    form = form_of(stored, version)
    posted = form_from_post(submitted)
    for name in step.fields:
        form.values[name] = posted.values[name]
    if step.purposes:
        form.purposes = posted.purposes
    if step.slug == "controllers":
        form.values["controllers_served"] = controllers_from_post(submitted)
    return form


def _problems(exc: Exception, form: Form, t: Any) -> dict[str, list[str]]:
    """A refused save's reasons by form field, as the page says them."""
    if isinstance(exc, msgspec.ValidationError):
        match = re.search(r"at `\$\.([^`]+)`", str(exc))
        params = [{"name": match[1] if match else "general", "reason": str(exc).split(" - at")[0]}]
    else:
        assert isinstance(exc, Invalid | Conflict)
        params = exc.invalid_params or [{"name": "general", "reason": exc.detail}]
    found: dict[str, list[str]] = {}
    for param in params:
        name = str(param["name"])
        field = controller_field(name) or ("key" if name == "key" else field_of(name, form))
        found.setdefault(field, []).append(friendly(str(param["reason"]), t))
    return found


async def _step_page(
    request: Request[Any, Any, Any],
    entity: Any,
    record: Any,
    step: Step,
    form: Form,
    status: int = 200,
) -> Template:
    terms = await vocabulary_terms()
    t = texts(request, terms)
    offered = await choices(entity.id, terms, t, held=form)
    role = form.values.get("role") or "controller"
    extra: dict[str, Any] = {}
    if step.slug == "controllers":
        extra["controllers"] = form.values.get("controllers_served", [])
    if step.slug == "retention":
        extra["retention_groups"] = await _retention_groups(entity.id, form, offered.term_label)
    if step.slug == "review":
        found = await reads.findings_by_record(entity.id)
        extra["findings"] = found.get(("activity", record.key), [])
        extra["controllers"] = controllers_of(msgspec.to_builtins(record).get("controllers_served", []))

    def label_of(name: str) -> str:
        if name == "key":
            return str(t("field.key"))
        return controller_label(t, name) or inline_label(t, name) or offered.label_of(name)

    return page(
        request,
        "wizard.html",
        terms,
        http_status=status,
        entity=entity,
        entity_id=entity.id,
        record=record,
        step=step,
        steps=flow(role),
        article=step.article(role),
        form=form,
        choices=offered,
        label_of=label_of,
        inline=inline_view(INLINE_STEPS.get(step.slug, ()), form, offered, t),
        saved=request.query_params.get("saved"),
        tab="activities",
        **extra,
    )


async def _retention_groups(entity_id: str, form: Form, term_label: Any) -> list[tuple[str, list[Any]]]:
    """Retention per data category (Art. 30(1)(f)): each category the draft holds with the rules that
    cover it (each rule under the first of them), then the rules that cover none of its categories."""
    rules = await listing.list_records(RETENTION, entity=entity_id, limit=500, full=True)
    left = [r for r in rules.items if r.status != "retired"]
    groups: list[tuple[str, list[Any]]] = []
    for category in form.values["data_categories"]:
        covering = [r for r in left if category in r.data_categories]
        left = [r for r in left if r not in covering]
        groups.append((term_label("data_categories", category), covering))
    groups.append(("", left))
    return groups


@get(NEW, opt=WRITE, include_in_schema=False, name="wizard-new")
async def wizard_new(request: Request[Any, Any, Any], ref: FromPath[str]) -> Template:
    entity = await reads.entity_summary(ref)
    form = form_of({"role": "controller", "status": "draft"}, 0)
    form.values["key"] = ""
    return await _step_page(request, entity, None, STEPS[FIRST], form)


@post(NEW, opt=WRITE, include_in_schema=False, name="wizard-create")
async def wizard_create(request: Request[Any, Any, Any], ref: FromPath[str]) -> Response[Any]:
    """The first step: the activity is created as a draft with its name, role and purposes."""
    entity = await reads.entity_summary(ref)
    submitted = await request.form()
    form = _step_form({"role": "controller", "status": "draft"}, 0, STEPS[FIRST], submitted)
    form.values["key"] = str(submitted.get("key", "")).strip()
    data = {k: v for k, v in apply(form, {"role": "controller"}).items() if k != "version"}
    data |= {"key": form.values["key"], "entity": entity.id, "status": "draft"}
    try:
        created = await records.create(ACTIVITY, msgspec.convert(data, ACTIVITY.create))
    except (msgspec.ValidationError, Invalid, Conflict) as exc:
        form.errors = _problems(exc, form, texts(request))
        return await _step_page(
            request, entity, None, STEPS[FIRST], form, 409 if isinstance(exc, Conflict) else 422
        )
    go = str(submitted.get("go", "next"))
    target = after(created.role, FIRST, go if go in GO else "next")
    return Redirect(_url(entity.id, created.id, target, created.version), status_code=303)


@get(STEP, opt=WRITE, include_in_schema=False, name="wizard-step")
async def wizard_step(
    request: Request[Any, Any, Any], ref: FromPath[str], activity: FromPath[str], step: FromPath[str]
) -> Response[Any]:
    entity = await reads.entity_summary(ref)
    record = await stored_activity(entity.id, activity)
    if record.status != "draft":  # submitted or approved meanwhile: its page says what it is now
        return Redirect(f"/entities/{entity.id}/activities/{record.id}", status_code=303)
    stored = msgspec.to_builtins(record)
    form = form_of(stored, record.version)
    form.values["controllers_served"] = controllers_of(stored.get("controllers_served", []))
    return await _step_page(request, entity, record, step_of(record.role, step), form)


@post(STEP, opt=WRITE, include_in_schema=False, name="wizard-save")
async def wizard_save(
    request: Request[Any, Any, Any], ref: FromPath[str], activity: FromPath[str], step: FromPath[str]
) -> Response[Any]:
    """Save this step of the draft (one audited update), then go on, back, or stay; the review step
    submits the draft for review."""
    entity = await reads.entity_summary(ref)
    record = await _draft(entity.id, activity)
    current = step_of(record.role, step)
    submitted = await request.form()
    stored = msgspec.to_builtins(record)
    version = _version(submitted)
    form = _step_form(stored, version, current, submitted)
    inline = inline_of(submitted)
    if inline is not None and inline.which in INLINE_STEPS.get(current.slug, ()):
        # A record made in place: the step is shown again with it picked; the draft is not saved.
        made = await create_inline(inline, submitted, entity.id, form, texts(request))
        return await _step_page(request, entity, record, current, form, 200 if made else 422)
    if unsent(submitted, INLINE_STEPS.get(current.slug, ()), form, texts(request)):
        return await _step_page(request, entity, record, current, form, 422)
    if current.slug == "review":
        form.values["status"] = "in_review"
    data = apply(form, stored)
    if current.slug == "controllers":
        data["controllers_served"] = apply_controllers(
            form.values["controllers_served"], stored.get("controllers_served", [])
        )
    try:
        saved = await records.update(ACTIVITY, record.id, msgspec.convert(data, ACTIVITY.update))
    except (msgspec.ValidationError, Invalid, Conflict) as exc:
        t = texts(request)
        if version != record.version:  # someone saved the draft since this step was opened
            form = form_of(stored, record.version)
            form.values["controllers_served"] = controllers_of(stored.get("controllers_served", []))
            form.errors = {"general": [str(t("wz.stale"))]}
            return await _step_page(request, entity, record, current, form, 409)
        form.errors = _problems(exc, form, t)
        return await _step_page(
            request, entity, record, current, form, exc.status if isinstance(exc, Conflict) else 422
        )
    if current.slug == "review":
        return Redirect(f"/entities/{entity.id}/activities/{saved.id}?saved={saved.version}", status_code=303)
    go = str(submitted.get("go", "next"))
    target = after(saved.role, current.slug, go if go in GO else "next")
    return Redirect(_url(entity.id, saved.id, target, saved.version), status_code=303)


def _version(submitted: FormMultiDict) -> int:
    try:
        return int(str(submitted.get("version", "")))
    except ValueError:
        return 0


WIZARD_PAGES = [wizard_new, wizard_create, wizard_step, wizard_save]
