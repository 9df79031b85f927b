"""Create (admin), edit, retire and reactivate a legal entity in the browser, with every field it has.

The saves are the API's own ``create``, ``update`` (with the version the form was opened at; a save in
between is merged three ways, as for the other records), ``retire`` and ``reactivate``, behind the
API's guard: a new entity needs ``entities.create`` (admins); editing, retiring and reactivating need
``entities.manage`` in the entity's scope (admins, and the entity's compliance officers), as
``POST``, ``PUT``, ``DELETE /api/entities`` and ``POST /api/entities/{id}/reactivate``. What the form
does not show (joint controllers, other authorities, documents, sources) is carried over unchanged.
The entity's free text an export shows has its translations per export language, in a ``<details>`` per
language as in the activity editor (``ropa/web/entity_translations.py``). Messages are shown by field,
in the page's language.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from exports.service import vocabulary_terms
from ropa.errors import Conflict, Invalid
from ropa.records import services as records
from ropa.records.catalog import ENTITY
from ropa.web import entity_translations as translations
from ropa.web import reads
from ropa.web.messages import friendly
from ropa.web.pages import page, texts
from ropa.web.record_forms import (
    SERVER_FIELDS,
    Field,
    RecordForm,
    Spec,
    form_from_post,
    form_of,
    labeller,
    merge,
    options,
    refusal,
    status_post,
)

CREATE = {"perm": ENTITY.create_perm}  # entities.create, as POST /api/entities
WRITE = {"perm": ENTITY.write_perm}  # entities.manage, as PUT, DELETE and POST …/reactivate
COUNTRY, URL, PHONE = "rec.country_hint", "rec.url_hint", "ent.phone_hint"


def _contact(prefix: str, *, url: bool = False, address: bool = False) -> tuple[Field, ...]:
    """A person or organisation: name, e-mail, telephone (and web address, postal address)."""
    fields = [
        Field(f"{prefix}.name", "ent.name"),
        Field(f"{prefix}.email", "wf.email"),
        Field(f"{prefix}.phone", "wf.phone", hint=PHONE),
    ]
    if url:
        fields.append(Field(f"{prefix}.url", "wf.url", hint=URL))
    if address:
        fields += _address(f"{prefix}.address")
    return tuple(fields)


def _address(prefix: str) -> tuple[Field, ...]:
    return (
        Field(f"{prefix}.street", "wf.street"),
        Field(f"{prefix}.postal_code", "wf.postal_code"),
        Field(f"{prefix}.city", "wf.city"),
        Field(f"{prefix}.country", "wf.country", hint=COUNTRY),
    )


# (legend label key, fields): the form's fieldsets, in the order of Art. 30(1)(a).
SECTIONS: tuple[tuple[str, tuple[Field, ...]], ...] = (
    (
        "ent.identity",
        (
            Field("key", "col.key", required=True, hint="ent.key_hint"),
            Field("legal_name", "wf.legal_name", required=True),
            Field("country", "wf.country", required=True, hint=COUNTRY),
            Field(
                "role", "field.role", "select", "enum:role:controller,processor,joint_controller,mixed", True
            ),
            Field("registration.scheme", "wf.scheme"),
            Field("registration.number", "wf.registration"),
            Field("default_language", "wf.default_language", "select", "enum:language:en,da,nb", True),
            Field(
                "headcount_band", "wf.headcount_band", "select", "enum:ent.headcount:lt250,250_to_749,gte750"
            ),
        ),
    ),
    (
        "ent.contact",
        (*_address("address"), Field("email", "wf.email"), Field("phone", "wf.phone", hint=PHONE)),
    ),
    (
        "ent.law",
        (
            Field("regime", "field.regime", "select", "enum:st.regime:eu_gdpr,uk_gdpr"),
            Field("national_law", "field.national_law", hint=COUNTRY),
            Field("public_authority", "field.public_authority", "bool"),
        ),
    ),
    (
        "wf.supervisory_authority",
        (
            Field("supervisory_authority.name", "ent.name"),
            Field("supervisory_authority.country", "wf.country", hint=COUNTRY),
            *_contact("supervisory_authority", url=True)[1:],
            Field("supervisory_authority.complaint_url", "wf.complaint_url", hint=URL),
            Field("supervisory_authority.remit", "wf.remit", "textarea"),
        ),
    ),
    ("field.responsible", _contact("responsible", url=True)),
    (
        "wf.dpo",
        (*_contact("dpo"), Field("dpo.kind", "wf.kind", "select", "enum:dpo_kind:internal,external")),
    ),
    (
        "wf.dpo_decision",
        (
            Field("dpo_decision.required", "ent.dpo_required", "bool"),
            Field("dpo_decision.reason", "wf.reason", "textarea"),
            Field("dpo_decision.decided_on", "wf.decided_on", "date"),
        ),
    ),
    ("wf.representative", _contact("representative", url=True, address=True)),
    (
        "ent.other",
        (
            Field("security_statement", "wf.security_statement", "textarea"),
            Field("notes", "field.notes", "textarea"),
        ),
    ),
)
SPEC = Spec(
    ENTITY,
    "entities",
    "dash.entities",
    "ent.new",
    (*(f for _, fs in SECTIONS for f in fs), *translations.FIELDS),
)
NAMES = [f.name for f in SPEC.fields]
# Reasons of the entity's own checks, before the messages every form shares (ropa/web/messages.py).
REASONS = [
    (r"already used by another legal entity", "ent.err.registration_taken"),
    (r"already used", "ent.err.key_taken"),
    (r"\[1-9\]\[0-9\]\{6,14\}", "ent.err.phone"),
    (r"not a valid e-mail address", "ent.err.email"),
]


def apply(form: RecordForm, stored: dict[str, Any]) -> dict[str, Any]:
    """The stored entity with the form's values over it; a part left empty is no part at all, and what
    the form does not show is kept."""
    data = {k: v for k, v in stored.items() if k not in SERVER_FIELDS}
    for f in SPEC.fields:
        value: Any = form.values[f.name]
        if f.widget == "bool":
            value = {"yes": True, "no": False}.get(value)
        elif value == "":
            value = "" if f.required else None
        *parents, leaf = f.name.split(".")
        holder = data
        for part in parents:
            holder[part] = dict(holder.get(part) or {})
            holder = holder[part]
        holder[leaf] = value
    for name in sorted({f.name.rpartition(".")[0] for f in SPEC.fields} - {""}, key=len, reverse=True):
        *parents, leaf = name.split(".")
        holder = data
        for part in parents:
            holder = holder.get(part) or {}
        if isinstance(holder.get(leaf), dict) and translations.empty(holder[leaf]):
            holder[leaf] = None
    return translations.prune(data)


def field_of(path: str, reason: str = "") -> str:
    """A validation path (``representative.address``, ``$.dpo.email``) as the form's field."""
    path = re.sub(r"\[\d+\]", "", path.removeprefix("$.").removeprefix("$"))
    if missing := re.search(r"missing required field `(\w+)`", reason):
        path = f"{path}.{missing[1]}" if path else missing[1]
    while path:
        if path in NAMES:
            return path
        if inner := [n for n in NAMES if n.startswith(path + ".")]:
            return inner[0]
        path = path.rpartition(".")[0]
    return "general"


def message(reason: str, t: Any) -> str:
    for pattern, key in REASONS:
        if re.search(pattern, reason):
            return str(t(key))
    return friendly(reason, t)


def _labels(t: Any) -> dict[str, str]:
    """Each field's label; inside a part, with the part's name (the summary names the field)."""
    labels: dict[str, str] = {}
    for legend, fields in SECTIONS:
        for f in fields:
            own = str(t(f.label))
            labels[f.name] = own if "." not in f.name else f"{t(legend)} – {own}"
    return labels | translations.labels(t)


async def _form_page(
    request: Request[Any, Any, Any], entity: Any, form: RecordForm, status: int = 200
) -> Template:
    terms = await vocabulary_terms()
    t = texts(request, terms)
    return page(
        request,
        "entity_edit.html",
        terms,
        http_status=status,
        entity=entity,
        entity_id=entity.id if entity else "",
        sections=SECTIONS,
        translation_sections=translations.SECTIONS,
        form=form,
        options=await options(SPEC, "", terms, t, form),
        label_of=labeller(_labels(t)),
        tab="",
    )


@get("/entities/new", opt=CREATE, include_in_schema=False, name="entity-new")
async def new_entity(request: Request[Any, Any, Any]) -> Template:
    form = form_of(SPEC, {}, None)
    form.values |= {"role": "controller", "default_language": texts(request).lang}
    return await _form_page(request, None, form)


@post("/entities/new", opt=CREATE, include_in_schema=False, name="entity-create")
async def create_entity(request: Request[Any, Any, Any]) -> Response[Any]:
    return await _save(request, None, form_from_post(SPEC, await request.form()))


@get("/entities/{ref:str}/edit", opt=WRITE, include_in_schema=False, name="entity-edit")
async def edit_entity(request: Request[Any, Any, Any], ref: FromPath[str]) -> Template:
    entity = await reads.entity_summary(ref)
    return await _form_page(request, entity, form_of(SPEC, msgspec.to_builtins(entity), entity.version))


@post("/entities/{ref:str}/edit", opt=WRITE, include_in_schema=False, name="entity-save")
async def save_entity(request: Request[Any, Any, Any], ref: FromPath[str]) -> Response[Any]:
    entity = await reads.entity_summary(ref)
    return await _save(request, entity, form_from_post(SPEC, await request.form()))


def _problems(exc: Invalid | Conflict, t: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for p in exc.invalid_params or [{"name": "general", "reason": exc.detail}]:
        reason = str(p.get("reason", ""))
        found.setdefault(field_of(str(p.get("name", "")), reason), []).append(message(reason, t))
    return found


async def _save(request: Request[Any, Any, Any], found: Any, form: RecordForm) -> Response[Any]:
    t = texts(request)
    stored = msgspec.to_builtins(found) if found is not None else {}
    try:
        if found is None:
            saved = await records.create(ENTITY, msgspec.convert(apply(form, {}), ENTITY.create))
        else:
            if form.version is None:
                raise Invalid.of([("version", "required")])
            form.values["key"] = stored["key"]
            if form.version != found.version:  # saved meanwhile: merged three ways, as the other records
                form, conflicts = await merge(SPEC, found, form, t)
                if conflicts:
                    return await _form_page(request, found, form, 409)
            data = apply(form, stored) | {"key": stored["key"], "version": form.version}
            saved = await records.update(ENTITY, found.id, msgspec.convert(data, ENTITY.update))
    except msgspec.ValidationError as exc:
        text = str(exc)
        at = re.search(r"at `([^`]+)`", text)
        form.errors = {field_of(at[1] if at else "", text): [message(text.split(" - at")[0], t)]}
        return await _form_page(request, found, form, 422)
    except Invalid as exc:
        form.errors = _problems(exc, t)
        return await _form_page(request, found, form, 422)
    except Conflict as exc:
        params = exc.invalid_params or []
        if found is not None and any(p.get("name") == "version" for p in params):
            form.errors = {"general": [str(t("rec.stale", version=found.version))]}
        elif found is not None and not params:  # retired meanwhile: frozen
            form.errors = {"general": [str(t("ent.is_retired"))]}
        else:
            form.errors = _problems(exc, t)
        return await _form_page(request, found, form, 409)
    return Redirect(f"/entities/{saved.id}?" + urlencode({"saved": saved.key}), status_code=303)


@post("/entities/{ref:str}/retire", opt=WRITE, include_in_schema=False, name="entity-retire")
async def retire_entity(request: Request[Any, Any, Any], ref: FromPath[str]) -> Response[Any]:
    """Retire: kept with its history, frozen; refused while the entity holds records not retired."""
    entity = await reads.entity_summary(ref)
    version, reason = status_post(await request.form())
    form = form_of(SPEC, msgspec.to_builtins(entity), entity.version)
    t = texts(request)
    if version is None:
        form.errors = {"general": [str(t("err.required"))]}
        return await _form_page(request, entity, form, 422)
    try:
        await records.retire(ENTITY, entity.id, version, reason)
    except Conflict as exc:
        params = exc.invalid_params or []
        if any(p.get("name") == "version" for p in params):
            form.errors = {"general": [str(t("rec.stale", version=entity.version))]}
        else:  # "12 activities are not retired": the numbers only, the words are the page's own
            count = sum(int(m[1]) for p in params if (m := re.match(r"(\d+) ", str(p.get("reason", "")))))
            form.errors = {"general": [str(t.count("ent.in_use", count))]}
        return await _form_page(request, entity, form, 409)
    return Redirect(f"/entities/{entity.id}?" + urlencode({"retired": entity.key}), status_code=303)


@post("/entities/{ref:str}/reactivate", opt=WRITE, include_in_schema=False, name="entity-reactivate")
async def reactivate_entity(request: Request[Any, Any, Any], ref: FromPath[str]) -> Response[Any]:
    """Bring a retired entity back as it was, with a reason; its records stay retired until each is
    reactivated in turn."""
    entity = await reads.entity_summary(ref)
    version, reason = status_post(await request.form())
    form = form_of(SPEC, msgspec.to_builtins(entity), entity.version)
    t = texts(request)
    if version is None or not reason:
        form.errors = {"general": [str(t("rec.reason_required" if version else "err.required"))]}
        return await _form_page(request, entity, form, 422)
    try:
        await records.reactivate(ENTITY, entity.id, version, reason)
    except Invalid as exc:
        form.errors = {"general": [str(t("rec.reactivate_refused"))]} | _problems(exc, t)
        return await _form_page(request, entity, form, 422)
    except Conflict as exc:
        names = {str(p.get("name")) for p in exc.invalid_params or []}
        form.errors = (
            _problems(exc, t)
            if "registration.number" in names
            else {"general": [refusal(exc, entity.version, t)]}
        )
        return await _form_page(request, entity, form, 409)
    return Redirect(f"/entities/{entity.id}?" + urlencode({"saved": entity.key}), status_code=303)


ENTITY_PAGES = [new_entity, create_entity, edit_entity, save_entity, retire_entity, reactivate_entity]
