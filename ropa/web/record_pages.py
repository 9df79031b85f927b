"""Create, edit and retire the records an activity points at: transfers and retention rules.

One form per record kind, described by a list of fields; the save is the API's own ``create``,
``update`` (with the version the form was opened at) or ``retire``, behind the same guard
(``register.write``) and scoping. What the form does not show (sources, supplementary measures ...)
is carried over unchanged. Messages are shown by field, in the page's language."""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Redirect, Template

from exports.service import vocabulary_terms
from ropa.errors import Conflict, Invalid, NotFound
from ropa.records import listing
from ropa.records import services as records
from ropa.records.catalog import PROCESSOR, RECIPIENT, REGISTRY, RETENTION, TRANSFER
from ropa.records.kinds import Kind
from ropa.vocabulary.schemas import TermData
from ropa.web import reads
from ropa.web.editor import version_data
from ropa.web.messages import friendly
from ropa.web.pages import FieldErrors, page, texts

WRITE = {"perm": "register.write"}
SERVER_FIELDS = ("id", "entity", "version", "status", "created_at", "updated_at")


@dataclasses.dataclass(frozen=True)
class Field:
    """One control of a record form: its name is the record's path (``scc.decision``)."""

    name: str
    label: str  # label key
    widget: str = (
        "text"  # text, textarea, date, select, checks, bool (yes/no/unknown), checkbox, lines, codes
    )
    options: str = ""  # vocab:<vocabulary>, records:<kind>, enum:<prefix>:<a,b,c>, module
    required: bool = False
    hint: str = ""  # label key

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")


@dataclasses.dataclass(frozen=True)
class Spec:
    kind: Kind
    slug: str  # the URL segment
    title: str  # label key of the list page
    new: str  # label key of "new ..."
    fields: tuple[Field, ...]
    tab: str = ""  # the list page (and tab) the record is shown on; the slug if empty

    @property
    def page(self) -> str:
        return self.tab or self.slug


TRANSFER_SPEC = Spec(
    TRANSFER,
    "transfers",
    "xfer.title",
    "rec.new_transfer",
    (
        Field("key", "col.key", required=True, hint="rec.key_hint"),
        Field("name", "col.name", required=True),
        Field("destination_country", "rec.destination_country", hint="rec.country_hint"),
        Field(
            "destination_region", "field.destination_region", "select", "enum:st.region:outside_eea,worldwide"
        ),
        Field("international_organisation", "rec.international_organisation"),
        Field("recipient", "col.recipient", "select", "records:recipient"),
        Field("mechanism", "col.mechanism", "select", "mechanism", required=True),
        Field("mechanism_claimed", "field.mechanism_claimed", "textarea"),
        Field("scc.decision", "rec.scc_decision", hint="rec.scc_decision_hint"),
        Field("scc.module", "rec.scc_module", "select", "module"),
        Field("derogation", "col.derogation", hint="rec.derogation_hint"),
        Field("tia_reference", "col.tia"),
        Field("safeguards_documentation", "col.safeguards", hint="rec.url_hint"),
        Field("signed_on", "col.signed_on", "date"),
        Field("description", "col.description", "textarea"),
        Field("notes", "field.notes", "textarea"),
    ),
)
RETENTION_SPEC = Spec(
    RETENTION,
    "retention",
    "ret.title",
    "rec.new_retention",
    (
        Field("key", "col.key", required=True, hint="rec.key_hint"),
        Field("name", "col.name", required=True),
        Field("data_categories", "col.data_categories", "checks", "vocab:data_category"),
        Field("applies_to", "rec.applies_to", "textarea"),
        Field(
            "kind",
            "col.retention_kind",
            "select",
            "enum:retention_kind:fixed,event,criterion,legal_hold",
            True,
        ),
        Field("duration", "col.duration", hint="rec.duration_hint"),
        Field("trigger_event", "rec.trigger_event"),
        Field("start_event", "rec.start_event"),
        Field("criterion", "rec.criterion", "textarea"),
        Field("legal_obligation", "col.legal_obligation", "textarea"),
        Field("erasure_method", "col.erasure_method", "textarea"),
        Field("backups_note", "col.backups", "textarea"),
        Field("policy_link", "col.policy_link", hint="rec.url_hint"),
        Field("notes", "field.notes", "textarea"),
    ),
)
PROCESSOR_SPEC = Spec(
    PROCESSOR,
    "processors",
    "proc.title",
    "rec.new_processor",
    (
        Field("key", "col.key", required=True, hint="rec.key_hint"),
        Field("name", "col.name", required=True),
        Field("legal_name", "col.legal_name"),
        Field("service_kinds", "col.services", "checks", "vocab:service_kind"),
        Field("country", "col.country", hint="rec.country_hint"),
        Field("data_locations", "col.data_locations", "codes", hint="rec.codes_hint"),
        Field("contract.reference", "rec.contract_reference"),
        Field("contract.link", "rec.contract_link", hint="rec.url_hint"),
        Field("contract.signed_on", "col.signed_on", "date"),
        Field("sub_processors", "col.sub_processors", "checks", "records:processor"),
        Field("dpf.certified", "rec.dpf_certified", "bool"),
        Field("dpf.checked_on", "rec.dpf_checked_on", "date"),
        Field("dpf.list_url", "rec.dpf_list_url", hint="rec.url_hint"),
        Field("planned", "field.planned", "checkbox"),
        Field("description", "col.description", "textarea"),
        Field("notes", "field.notes", "textarea"),
    ),
)
RECIPIENT_SPEC = Spec(
    RECIPIENT,
    "recipients",
    "proc.title",
    "rec.new_recipient",
    (
        Field("key", "col.key", required=True, hint="rec.key_hint"),
        Field("name", "col.name", required=True),
        Field("kind", "col.kind", "select", "vocab:recipient_kind", required=True),
        Field("processor", "col.processor", "select", "records:processor"),
        Field("country", "col.country", hint="rec.country_hint"),
        Field("in_third_country", "col.third_country", "bool"),
        Field("purposes", "col.purposes", "lines", hint="rec.lines_hint"),
        Field("data_categories", "col.data_categories", "checks", "vocab:data_category"),
        Field("non_exhaustive", "rec.non_exhaustive", "checkbox"),
        Field("notes", "field.notes", "textarea"),
    ),
    tab="processors",
)
SPECS = {spec.slug: spec for spec in (TRANSFER_SPEC, RETENTION_SPEC, PROCESSOR_SPEC, RECIPIENT_SPEC)}
LIST_WIDGETS = ("checks", "lines", "codes")


@dataclasses.dataclass
class RecordForm(FieldErrors):
    version: int | None
    values: dict[str, Any]


def _get(data: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None  # type: ignore[assignment]
    return data


def form_of(spec: Spec, data: dict[str, Any], version: int | None) -> RecordForm:
    values: dict[str, Any] = {}
    for f in spec.fields:
        value = _get(data, f.name)
        if f.widget in LIST_WIDGETS:
            value = list(value or [])
            values[f.name] = (
                value if f.widget == "checks" else ("\n" if f.widget == "lines" else ", ").join(value)
            )
        elif f.widget in ("bool", "checkbox"):
            values[f.name] = "" if value is None else ("yes" if value else "no")
        else:
            values[f.name] = "" if value is None else str(value)
    return RecordForm(version, values)


def form_from_post(spec: Spec, submitted: FormMultiDict) -> RecordForm:
    values: dict[str, Any] = {}
    for f in spec.fields:
        if f.widget == "checks":
            values[f.name] = [str(v) for v in submitted.getall(f.name, []) if v]
        else:
            values[f.name] = str(submitted.get(f.name, "")).strip()
    version = str(submitted.get("version", ""))
    return RecordForm(int(version) if version.isdigit() else None, values)


def apply(spec: Spec, form: RecordForm, stored: dict[str, Any]) -> dict[str, Any]:
    """The stored record with the form's values over it; what the form does not show is kept."""
    data = {k: v for k, v in stored.items() if k not in SERVER_FIELDS}
    for f in spec.fields:
        value: Any = form.values[f.name]
        if f.widget == "lines":
            value = [line.strip() for line in value.splitlines() if line.strip()]
        elif f.widget == "codes":
            value = [code.upper() for code in re.split(r"[\s,;]+", value) if code]
        elif f.widget == "checkbox":
            value = value == "yes"
        elif f.widget == "bool":
            value = {"yes": True, "no": False}.get(value)
        elif f.widget != "checks" and value == "":
            value = "" if f.required else None
        elif f.options == "module":
            value = int(value) if value.isdigit() else value
        head, _, tail = f.name.partition(".")
        if tail:
            part = dict(data.get(head) or {})
            part[tail] = value
            data[head] = part if any(v not in (None, "", []) for v in part.values()) else None
        else:
            data[head] = value
    return data


def _field_of(spec: Spec, path: str) -> str:
    """A validation path (``scc.module``, ``data_categories[2]``) as the form's field."""
    path = re.sub(r"\[\d+\]$", "", path)
    names = [f.name for f in spec.fields]
    if path in names:
        return path
    if inner := [n for n in names if n.startswith(path + ".")]:  # a part missing a required field
        return inner[0]
    head = re.split(r"[.\[]", path, maxsplit=1)[0]
    return head if head in names else "general"


def _errors(spec: Spec, params: list[dict[str, Any]], t: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for p in params:
        found.setdefault(_field_of(spec, str(p["name"])), []).append(friendly(str(p["reason"]), t))
    return found


async def _options(
    spec: Spec, entity_id: str, terms: list[TermData], t: Any, form: RecordForm
) -> dict[str, Any]:
    """Each select's and checkbox group's options, as (value, label[, group]); held values stay offered."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for f in spec.fields:
        kind, _, arg = f.options.partition(":")
        options: list[tuple[str, str, str]] = []
        if kind == "vocab":
            keys = [x.key for x in terms if x.vocabulary == arg and not x.deprecated]
            options = sorted(((k, t.term(arg, k), "") for k in keys), key=lambda o: o[1].casefold())
        elif kind == "mechanism":
            options = _mechanisms(terms, t)
        elif kind == "records":
            found = await listing.list_records(REGISTRY[arg], entity=entity_id, limit=500)
            own = form.values.get("key") if spec.kind is REGISTRY[arg] else None  # not its own sub-processor
            options = [
                (str(r.key), f"{r.name} ({r.key})", "")
                for r in found.items
                if r.status != "retired" and r.key != own
            ]
        elif kind == "enum":
            prefix, _, choices = arg.partition(":")
            options = [(c, t.enum(prefix, c), "") for c in choices.split(",")]
        elif kind == "module":
            options = [(str(n), str(t("rec.module", n=n)), "") for n in (1, 2, 3, 4)]
        held = form.values.get(f.name)
        offered = {o[0] for o in options}
        for value in held if isinstance(held, list) else [held] if held else []:
            if value not in offered:
                options.append((value, value, ""))
        out[f.name] = options
    return out


def _mechanisms(terms: list[TermData], t: Any) -> list[tuple[str, str, str]]:
    """Transfer mechanisms from the dated reference data: those in force first, then the others
    with their validity (a Privacy Shield transfer still shows what it is, and what replaced it)."""
    valid, other = [], []
    for term in terms:
        if term.vocabulary != "transfer_mechanism" or term.deprecated:
            continue
        attrs = term.attributes or {}
        status = str(attrs.get("status") or "valid")
        label = t.term("transfer_mechanism", term.key)
        if attrs.get("legal_act"):
            label = f"{label} – {attrs['legal_act']}"
        if status == "valid":
            valid.append((term.key, label, str(t("rec.in_force"))))
        else:
            until = attrs.get("valid_to")
            note = t("rec.not_in_force_since", date=until) if until else t("rec.not_in_force")
            other.append((term.key, f"{label} ({note})", str(t("rec.not_in_force"))))
    return sorted(valid, key=lambda o: o[1].casefold()) + sorted(other, key=lambda o: o[1].casefold())


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
        options=await _options(spec, entity.id, terms, t, form),
        label_of={f.name: t(f.label) for f in spec.fields},
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
                form, conflicts = await _merge(spec, found, form, t)
                if conflicts:
                    return await _form_page(request, spec, entity, found, form, 409)
                data = apply(spec, form, stored)
            data["key"] = stored["key"]
            payload = msgspec.convert({**data, "version": form.version}, spec.kind.update)
            saved = await records.update(spec.kind, found.id, payload)
    except msgspec.ValidationError as exc:
        match = re.search(r"at `\$\.([^`]+)`", str(exc))
        form.errors = {
            _field_of(spec, match[1]) if match else "general": [friendly(str(exc).split(" - at")[0], t)]
        }
        return await _form_page(request, spec, entity, found, form, 422)
    except Invalid as exc:
        form.errors = _errors(spec, exc.invalid_params or [{"name": "general", "reason": exc.detail}], t)
        return await _form_page(request, spec, entity, found, form, 422)
    except Conflict as exc:
        if found is not None and any(p.get("name") == "version" for p in exc.invalid_params or []):
            form.errors = {"general": [str(t("rec.stale", version=found.version))]}
            return await _form_page(request, spec, entity, found, form, 409)
        form.errors = _errors(spec, exc.invalid_params or [{"name": "general", "reason": exc.detail}], t)
        return await _form_page(request, spec, entity, found, form, 409)
    return Redirect(_back(spec, entity.id, saved=saved.key), status_code=303)


async def _merge(spec: Spec, found: Any, mine: RecordForm, t: Any) -> tuple[RecordForm, list[str]]:
    """``mine`` (opened at an older version) merged onto ``found``: a field only one side changed takes
    that side's value, checkboxes merge item by item; a field both changed to different values keeps
    mine and is named, with the value saved now, for the user to decide. The result is at the latest
    version, so a save in between is caught again."""
    current = msgspec.to_builtins(found)
    theirs = form_of(spec, current, found.version)
    owner = spec.kind.owner(found.id, {"entity": found.entity} if spec.kind.scoped else None) or ""
    base_data = await version_data(found.id, mine.version or 0, spec.kind.name, owner)
    base = form_of(spec, base_data, mine.version) if base_data is not None else None
    merged = RecordForm(found.version, {})
    conflicts: list[str] = []
    for f in spec.fields:
        yours, now = mine.values[f.name], theirs.values[f.name]
        was = base.values[f.name] if base else None
        if f.widget == "checks" and base is not None:
            before = set(was or [])
            removed = before - set(yours)
            kept = [k for k in now if k not in removed]
            merged.values[f.name] = kept + [k for k in yours if k not in before and k not in set(kept)]
        elif base is not None and yours == was:
            merged.values[f.name] = now
        elif now == yours or (base is not None and now == was):
            merged.values[f.name] = yours
        else:
            merged.values[f.name] = yours
            conflicts.append(f.name)
            shown = ", ".join(now) if isinstance(now, list) else now
            merged.fail(f.name, str(t("rec.conflict", value=shown or "–")))
    if conflicts:
        merged.errors = {"general": [str(t("rec.conflict_intro", version=found.version))], **merged.errors}
    return merged, conflicts


@post(_paths("/{record:str}/retire"), opt=WRITE, include_in_schema=False, name="record-retire")
async def retire_record(
    request: Request[Any, Any, Any], ref: FromPath[str], record: FromPath[str]
) -> Response[Any]:
    """Retire: kept and marked, no longer offered; refused while an activity still uses it."""
    spec = _spec(request)
    entity = await reads.entity_summary(ref)
    found = await _record(spec, entity.id, record)
    submitted = await request.form()
    version = str(submitted.get("version", ""))
    form = form_of(spec, msgspec.to_builtins(found), found.version)
    t = texts(request)
    if not version.isdigit():
        form.errors = {"general": [str(t("err.required"))]}
        return await _form_page(request, spec, entity, found, form, 422)
    try:
        await records.retire(spec.kind, found.id, int(version), str(submitted.get("reason", "")).strip())
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


RECORD_PAGES = [new_record, create_record, edit_record, save_record, retire_record]
