"""Create, edit, retire and reactivate the records an activity points at: transfers, retention rules,
processors and recipients.

One form per record kind (``ropa/web/record_specs.py``); the save is the API's own ``create``,
``update`` (with the version the form was opened at), ``retire`` or ``reactivate``, behind the same
guard (``register.write``) and scoping. What the form does not show (sources, supplementary
measures ...) is carried over unchanged. Messages are shown by field, in the page's language."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from exports.service import vocabulary_terms
from ropa.errors import Conflict, Invalid, NotFound
from ropa.records import services as records
from ropa.web import reads
from ropa.web.messages import friendly
from ropa.web.pages import page, texts
from ropa.web.record_forms import (
    RecordForm,
    Spec,
    apply,
    errors,
    field_of,
    form_from_post,
    form_of,
    labeller,
    merge,
    options,
    refusal,
    status_post,
)
from ropa.web.record_specs import RETENTION_SPEC, SPECS

WRITE = {"perm": "register.write"}


async def _record(spec: Spec, entity_id: str, ref: str) -> Any:
    """The record by id or key, in this entity's register only."""
    try:
        record = await records.get(spec.kind, ref)
    except (Invalid, NotFound):
        table = spec.kind.table
        row = await table.select(table.id).where((table.entity == entity_id) & (table.key == ref)).first()
        record = await records.get(spec.kind, str(row["id"])) if row else None
    if record is None or record.entity != entity_id:
        raise NotFound(f"no {spec.kind.name.replace('_', ' ')} '{ref}' in this register")
    return record


async def _form_page(
    request: Request[Any, Any, Any], spec: Spec, entity: Any, record: Any, form: RecordForm, status: int = 200
) -> Template:
    terms = await vocabulary_terms()
    t = texts(request, terms)
    return page(
        request,
        "record_edit.html",
        terms,
        http_status=status,
        entity=entity,
        entity_id=entity.id,
        spec=spec,
        record=record,
        form=form,
        options=await options(spec, entity.id, terms, t, form),
        label_of=labeller({f.name: str(t(f.label)) for f in spec.fields}),
        tab=spec.page,
    )


def _spec(request: Request[Any, Any, Any]) -> Spec:
    """The kind from the path (``/entities/E/transfers/...``): one handler serves every kind."""
    kind = request.url.path.split("/")[3]
    if kind not in SPECS:
        raise NotFound(f"no record kind '{kind}'")
    return SPECS[kind]


def _paths(tail: str) -> list[str]:
    return [f"/entities/{{ref:str}}/{slug}{tail}" for slug in SPECS]


def _back(spec: Spec, entity_id: str, **query: Any) -> str:
    return f"/entities/{entity_id}/{spec.page}?" + urlencode(query)


@get(_paths("/new"), opt=WRITE, include_in_schema=False, name="record-new")
async def new_record(request: Request[Any, Any, Any], ref: FromPath[str]) -> Template:
    spec = _spec(request)
    entity = await reads.entity_summary(ref)
    form = form_of(spec, {}, None)
    if spec is RETENTION_SPEC:
        form.values["kind"] = "fixed"
    return await _form_page(request, spec, entity, None, form)


@post(_paths("/new"), opt=WRITE, include_in_schema=False, name="record-create")
async def create_record(request: Request[Any, Any, Any], ref: FromPath[str]) -> Response[Any]:
    spec = _spec(request)
    entity = await reads.entity_summary(ref)
    form = form_from_post(spec, await request.form())
    return await _save(request, spec, entity, None, form)


@get(_paths("/{record:str}/edit"), opt=WRITE, include_in_schema=False, name="record-edit")
async def edit_record(request: Request[Any, Any, Any], ref: FromPath[str], record: FromPath[str]) -> Template:
    spec = _spec(request)
    entity = await reads.entity_summary(ref)
    found = await _record(spec, entity.id, record)
    return await _form_page(
        request, spec, entity, found, form_of(spec, msgspec.to_builtins(found), found.version)
    )


@post(_paths("/{record:str}/edit"), opt=WRITE, include_in_schema=False, name="record-save")
async def save_record(
    request: Request[Any, Any, Any], ref: FromPath[str], record: FromPath[str]
) -> Response[Any]:
    spec = _spec(request)
    entity = await reads.entity_summary(ref)
    found = await _record(spec, entity.id, record)
    form = form_from_post(spec, await request.form())
    return await _save(request, spec, entity, found, form)


async def _save(
    request: Request[Any, Any, Any], spec: Spec, entity: Any, found: Any, form: RecordForm
) -> Response[Any]:
    t = texts(request)
    stored = msgspec.to_builtins(found) if found is not None else {}
    data = apply(spec, form, stored)
    try:
        if found is None:
            payload = msgspec.convert({**data, "entity": entity.id}, spec.kind.create)
            saved = await records.create(spec.kind, payload)
        else:
            if form.version is None:
                raise Invalid.of([("version", "required")])
            form.values["key"] = stored["key"]
            if form.version != found.version:  # saved meanwhile: merge three ways, as the activity editor
                form, conflicts = await merge(spec, found, form, t)
                if conflicts:
                    return await _form_page(request, spec, entity, found, form, 409)
                data = apply(spec, form, stored)
            data["key"] = stored["key"]
            payload = msgspec.convert({**data, "version": form.version}, spec.kind.update)
            saved = await records.update(spec.kind, found.id, payload)
    except msgspec.ValidationError as exc:
        match = re.search(r"at `\$\.([^`]+)`", str(exc))
        form.errors = {
            field_of(spec, match[1]) if match else "general": [friendly(str(exc).split(" - at")[0], t)]
        }
        return await _form_page(request, spec, entity, found, form, 422)
    except Invalid as exc:
        form.errors = errors(spec, exc.invalid_params or [{"name": "general", "reason": exc.detail}], t)
        return await _form_page(request, spec, entity, found, form, 422)
    except Conflict as exc:
        if found is not None and any(p.get("name") == "version" for p in exc.invalid_params or []):
            form.errors = {"general": [str(t("rec.stale", version=found.version))]}
            return await _form_page(request, spec, entity, found, form, 409)
        form.errors = errors(spec, exc.invalid_params or [{"name": "general", "reason": exc.detail}], t)
        return await _form_page(request, spec, entity, found, form, 409)
    return Redirect(_back(spec, entity.id, saved=saved.key), status_code=303)


@post(_paths("/{record:str}/retire"), opt=WRITE, include_in_schema=False, name="record-retire")
async def retire_record(
    request: Request[Any, Any, Any], ref: FromPath[str], record: FromPath[str]
) -> Response[Any]:
    """Retire: kept and marked, no longer offered; refused while an activity still uses it."""
    spec = _spec(request)
    entity = await reads.entity_summary(ref)
    found = await _record(spec, entity.id, record)
    version, reason = status_post(await request.form())
    form = form_of(spec, msgspec.to_builtins(found), found.version)
    t = texts(request)
    if version is None:
        form.errors = {"general": [str(t("err.required"))]}
        return await _form_page(request, spec, entity, found, form, 422)
    try:
        await records.retire(spec.kind, found.id, version, reason)
    except Conflict as exc:
        params = exc.invalid_params or []
        if any(p.get("name") == "version" for p in params):
            form.errors = {"general": [str(t("rec.stale", version=found.version))]}
        else:
            # "used by activity PA-DK-01": the keys only, the words are the page's own
            users = ", ".join(str(p.get("reason", "")).rsplit(" ", 1)[-1] for p in params)
            form.errors = {"general": [str(t("rec.in_use", detail=users))]}
        return await _form_page(request, spec, entity, found, form, 409)
    return Redirect(_back(spec, entity.id, retired=found.key), status_code=303)


@post(_paths("/{record:str}/reactivate"), opt=WRITE, include_in_schema=False, name="record-reactivate")
async def reactivate_record(
    request: Request[Any, Any, Any], ref: FromPath[str], record: FromPath[str]
) -> Response[Any]:
    """Bring a retired record back, with a reason; refused while it names records that are retired."""
    spec = _spec(request)
    entity = await reads.entity_summary(ref)
    found = await _record(spec, entity.id, record)
    version, reason = status_post(await request.form())
    form = form_of(spec, msgspec.to_builtins(found), found.version)
    t = texts(request)
    if version is None or not reason:
        form.errors = {"general": [str(t("rec.reason_required" if version else "err.required"))]}
        return await _form_page(request, spec, entity, found, form, 422)
    try:
        await records.reactivate(spec.kind, found.id, version, reason)
    except Invalid as exc:  # it names records retired since: marked on their fields
        form.errors = {"general": [str(t("rec.reactivate_refused"))]}
        form.errors |= errors(spec, exc.invalid_params, t)
        return await _form_page(request, spec, entity, found, form, 422)
    except Conflict as exc:
        form.errors = {"general": [refusal(exc, found.version, t)]}
        return await _form_page(request, spec, entity, found, form, 409)
    return Redirect(_back(spec, entity.id, reactivated=found.key), status_code=303)


RECORD_PAGES = [new_record, create_record, edit_record, save_record, retire_record, reactivate_record]
