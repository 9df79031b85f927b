"""The activity editor: a form over the API's update, its validation messages inline, and a conflict screen.

The form edits the elements a compliance officer maintains by hand; everything else of the record
(source sentences, data sources, DPIA, consent ...) is carried over unchanged. The save is the API's
own ``update`` with the version the form was opened at, so a concurrent save is a 409 here too.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Redirect, Template

from audit.tables import AuditEvent
from exports.service import vocabulary_terms
from ropa.access.model import current_principal
from ropa.access.users import actor_names
from ropa.auditing import services as audit_services
from ropa.errors import Conflict, Forbidden, Invalid, NotFound
from ropa.records import listing
from ropa.records import services as records
from ropa.records.catalog import ACTIVITY, RECIPIENT, RETENTION, TRANSFER
from ropa.tables import ProcessingActivity
from ropa.vocabulary.schemas import TermData
from ropa.web import reads
from ropa.web.messages import approval_refusal, friendly
from ropa.web.pages import FieldErrors, page, texts

WRITE = {"perm": "register.write"}
TEXT_FIELDS = ("name", "description", "business_function", "system", "reviewed_by", "owner", "notes")
INT_FIELDS = ("review_interval_months",)
CHOICE_FIELDS = ("role", "status")
DATE_FIELDS = ("last_reviewed_at", "next_review_due")
# form field -> (vocabulary or record kind, how the record holds it)
PICKERS = {
    "data_subjects": "data_subject_category",
    "data_categories": "data_category",
    "security_measures": "security_measure",
}
RECORD_PICKERS = {"recipients": RECIPIENT, "transfers": TRANSFER, "retention": RETENTION}
SERVER_FIELDS = ("id", "entity", "version", "created_at", "updated_at")
LABELS = {
    "name": "field.name",
    "description": "field.description",
    "business_function": "field.business_function",
    "system": "field.system",
    "role": "field.role",
    "status": "field.status",
    "purposes": "field.purposes",
    "data_subjects": "field.data_subjects",
    "data_categories": "field.data_categories",
    "recipients": "field.recipients",
    "transfers": "tab.transfers",
    "retention": "tab.retention",
    "security_measures": "field.security_measures",
    "security_description": "edit.security_description",
    "last_reviewed_at": "field.last_reviewed",
    "reviewed_by": "field.reviewed_by",
    "next_review_due": "field.next_review_due",
    "owner": "field.owner",
    "review_interval_months": "field.review_interval_months",
    "notes": "field.notes",
    "version": "reg.version",
    "consent_mechanism": "st.consent_mechanism",
    "consent_form": "field.consent_form",
    "anonymity_claim": "field.anonymity_claim",
    "data_categories_non_exhaustive": "field.data_categories_non_exhaustive",
}
ANONYMITY_CLAIMS = ("anonymous", "aggregated")
CONSENT_FORMS = ("opt_in", "continued_use", "browser_settings", "pre_ticked", "implied")


@dataclass
class Form(FieldErrors):
    """What the editor shows: values per field, purposes, and messages per field."""

    version: int
    values: dict[str, Any]
    purposes: list[dict[str, Any]]


def form_of(data: dict[str, Any], version: int) -> Form:
    """The form's values from a stored activity."""
    values: dict[str, Any] = {name: data.get(name) or "" for name in (*TEXT_FIELDS, *CHOICE_FIELDS)}
    values |= {name: data.get(name) or "" for name in DATE_FIELDS}
    values |= {name: str(data.get(name) or "") for name in INT_FIELDS}
    values["data_subjects"] = list(data.get("data_subjects", []))
    values["data_categories"] = [use["category"] for use in data.get("data_categories", [])]
    security = data.get("security") or {}
    values["security_measures"] = list(security.get("measures", []))
    values["security_description"] = security.get("description") or ""
    for name in RECORD_PICKERS:
        values[name] = list(data.get(name, []))
    consent = data.get("consent") or {}
    values["consent_mechanism"] = consent.get("mechanism") or ""
    values["consent_form"] = consent.get("form") or ""
    values["anonymity_claim"] = data.get("anonymity_claim") or ""
    values["data_categories_non_exhaustive"] = "yes" if data.get("data_categories_non_exhaustive") else ""
    purposes = [
        {
            "description": p["description"],
            "legal_bases": list(p.get("legal_bases", [])),
            "national_bases": [
                {"act": b.get("act") or "", "point": b.get("point") or ""}
                for b in p.get("national_bases", [])
            ],
            "origin": i,
        }
        for i, p in enumerate(data.get("purposes", []))
    ]
    return Form(version, values, purposes)


def form_from_post(submitted: FormMultiDict) -> Form:
    """The form's values as the browser sent them."""
    values: dict[str, Any] = {name: str(submitted.get(name, "")).strip() for name in TEXT_FIELDS}
    values |= {name: str(submitted.get(name, "")) for name in (*CHOICE_FIELDS, *DATE_FIELDS)}
    values |= {name: str(submitted.get(name, "")).strip() for name in INT_FIELDS}
    for name in (*PICKERS, *RECORD_PICKERS):
        values[name] = [str(v) for v in submitted.getall(name, []) if v]
    values["security_description"] = str(submitted.get("security_description", "")).strip()
    values["consent_mechanism"] = str(submitted.get("consent_mechanism", "")).strip()
    values["consent_form"] = str(submitted.get("consent_form", ""))
    values["anonymity_claim"] = str(submitted.get("anonymity_claim", ""))
    values["data_categories_non_exhaustive"] = (
        "yes" if submitted.get("data_categories_non_exhaustive") else ""
    )
    purposes = []
    count = _int(submitted.get("purpose_count"), 0)
    for i in range(min(count, 200) + 1):
        description = str(submitted.get(f"purpose-{i}-description", "")).strip()
        if not description:
            continue  # an emptied purpose is removed; the empty new row adds nothing
        bases = [str(v) for v in submitted.getall(f"purpose-{i}-legal_bases", []) if v]
        origin = _int(submitted.get(f"purpose-{i}-origin"), None)
        national = []
        for j in range(min(_int(submitted.get(f"purpose-{i}-nb_count"), 0), 50) + 1):
            act = str(submitted.get(f"purpose-{i}-nb-{j}-act", "")).strip()
            if act:  # an emptied act is removed; the empty new row adds nothing
                national.append({"act": act, "point": str(submitted.get(f"purpose-{i}-nb-{j}-point", ""))})
        purposes.append(
            {"description": description, "legal_bases": bases, "national_bases": national, "origin": origin}
        )
    return Form(_int(submitted.get("version"), 0), values, purposes)


def _int(value: Any, default: Any) -> Any:
    try:
        return int(str(value))
    except ValueError:
        return default


def apply(form: Form, stored: dict[str, Any]) -> dict[str, Any]:
    """The stored activity with the form's values over it; what the form does not show is kept."""
    data = {k: v for k, v in stored.items() if k not in SERVER_FIELDS}
    v = form.values
    for name in TEXT_FIELDS + DATE_FIELDS:
        data[name] = v[name] or (None if name != "name" else "")
    for name in INT_FIELDS:  # not a number: the API's own check names the field
        data[name] = int(v[name]) if v[name].isdigit() else (v[name] or None)
    data["role"], data["status"] = v["role"] or data.get("role"), v["status"] or data.get("status")
    data["data_subjects"] = _in_order(stored.get("data_subjects", []), v["data_subjects"])
    kept = {use["category"]: use for use in stored.get("data_categories", [])}
    categories = _in_order(list(kept), v["data_categories"])
    data["data_categories"] = [kept.get(key, {"category": key}) for key in categories]
    for name in RECORD_PICKERS:
        data[name] = _in_order(stored.get(name, []), v[name])
    security = dict(stored.get("security") or {})
    security["measures"] = _in_order(security.get("measures", []), v["security_measures"])
    security["description"] = v["security_description"] or None
    data["security"] = security if security["measures"] or security["description"] else None
    if v["consent_mechanism"] or v["consent_form"]:  # a form without a mechanism: refused by the API
        consent = dict(stored.get("consent") or {})
        consent["mechanism"] = v["consent_mechanism"] or None
        consent["form"] = v["consent_form"] or None
        data["consent"] = consent
    else:
        data["consent"] = None
    data["anonymity_claim"] = v["anonymity_claim"] or None
    data["data_categories_non_exhaustive"] = v["data_categories_non_exhaustive"] == "yes"
    old = stored.get("purposes", [])
    purposes = []
    for p in form.purposes:
        origin = p.get("origin")
        base = dict(old[origin]) if origin is not None and 0 <= origin < len(old) else {}
        national = [{"act": b["act"], "point": b["point"] or None} for b in p.get("national_bases", [])]
        purposes.append(
            {
                **base,
                "description": p["description"],
                "legal_bases": p["legal_bases"],
                "national_bases": national,
            }
        )
    data["purposes"] = purposes
    data["version"] = form.version
    return data


def _in_order(stored: list[str], picked: list[str]) -> list[str]:
    """A picker sends its options in list order: keep the record's order, new picks after it."""
    chosen = set(picked)
    return [k for k in stored if k in chosen] + [k for k in picked if k not in set(stored)]


def _field_of(path: str, form: Form) -> str:
    """A validation path of the record (``purposes[1].legal_bases[0]``) as the form field it came from."""
    if m := re.match(r"purposes\[(\d+)\]", path):
        return f"purpose-{m[1]}" if int(m[1]) < len(form.purposes) else "purposes"
    if path.startswith("consent.form"):
        return "consent_form"
    if path.startswith("consent"):
        return "consent_mechanism"
    if path.startswith("security.measures"):
        return "security_measures"
    if path.startswith("security"):
        return "security_description"
    head = re.split(r"[.\[]", path, maxsplit=1)[0]
    return head if head in form.values or head == "version" else "general"


def _errors(exc: Invalid, form: Form, t: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for param in exc.invalid_params or [{"name": "general", "reason": exc.detail}]:
        found.setdefault(_field_of(param["name"], form), []).append(friendly(param["reason"], t))
    return found


def _review_order(form: Form) -> Invalid | None:
    """A next review before the last one is a typing error, not a plan."""
    last, due = form.values.get("last_reviewed_at"), form.values.get("next_review_due")
    try:
        if last and due and dt.date.fromisoformat(due) < dt.date.fromisoformat(last):
            return Invalid.of([("next_review_due", "the next review is before the last review")])
    except ValueError:
        return None  # not a date: the API's own check names it
    return None


def _consent_check(form: Form) -> Invalid | None:
    """A form of consent describes how consent is asked: the mechanism comes first."""
    if form.values.get("consent_form") and not form.values.get("consent_mechanism"):
        return Invalid.of([("consent_mechanism", "consent needs its mechanism")])
    return None


async def _stored(entity_id: str, activity: str) -> Any:
    """The activity by id or by key, in this entity's register only."""
    try:
        record = await records.get(ACTIVITY, activity)
    except (Invalid, NotFound):
        row = await (
            ProcessingActivity.select(ProcessingActivity.id)
            .where((ProcessingActivity.entity == entity_id) & (ProcessingActivity.key == activity))
            .first()
        )
        record = await records.get(ACTIVITY, str(row["id"])) if row else None
    if record is None or record.entity != entity_id:
        raise NotFound(f"no activity '{activity}' in this register")
    return record


@dataclass
class Choices:
    terms: list[TermData]
    vocab: dict[str, list[tuple[str, str]]]
    records: dict[str, list[tuple[str, str]]]
    t: Any

    def label_of(self, name: str) -> str:
        """A form field's label, for the error summary and the conflict table."""
        if m := re.fullmatch(r"purpose-(\d+)", name):
            return str(self.t("edit.purpose", n=int(m[1]) + 1))
        return str(self.t(LABELS[name])) if name in LABELS else name

    def term_label(self, name: str, key: str) -> str:
        """A picked value as the user knows it: the term's label, or the record's name."""
        if name in PICKERS:
            return str(self.t.term(PICKERS[name], key))
        return dict(self.records.get(name, [])).get(key, key)


async def _choices(entity_id: str, lang_terms: list[TermData], t: Any) -> Choices:
    vocab = {}
    for name, vocabulary in {**PICKERS, "legal_bases": "legal_basis"}.items():
        keys = [x.key for x in lang_terms if x.vocabulary == vocabulary and not x.deprecated]
        vocab[name] = sorted(((k, t.term(vocabulary, k)) for k in keys), key=lambda kv: kv[1].casefold())
    found = {}
    for name, kind in RECORD_PICKERS.items():
        page_ = await listing.list_records(kind, entity=entity_id, limit=500)
        found[name] = [(str(r.key), f"{r.name} ({r.key})") for r in page_.items if r.status != "retired"]
    return Choices(lang_terms, vocab, found, t)


async def _editor(
    request: Request[Any, Any, Any], entity: Any, record: Any, form: Form, status: int = 200, **extra: Any
) -> Template:
    terms = await vocabulary_terms()
    choices = await _choices(entity.id, terms, texts(request, terms))
    # A value the record holds but no longer offered (a deprecated term, a retired rule) stays selectable.
    for name, options in (*choices.vocab.items(), *choices.records.items()):
        offered = {k for k, _ in options}
        held = form.values.get(name, []) if name != "legal_bases" else []
        options.extend((k, k) for k in held if k not in offered)
    return page(
        request,
        "activity_edit.html",
        terms,
        http_status=status,
        entity=entity,
        entity_id=entity.id,
        record=record,
        form=form,
        choices=choices,
        label_of=choices.label_of,
        consent_forms=CONSENT_FORMS,
        anonymity_claims=ANONYMITY_CLAIMS,
        tab="activities",
        **extra,
    )


@get("/entities/{ref:str}/activities/{activity:str}/edit", opt=WRITE, include_in_schema=False, name="edit")
async def edit(request: Request[Any, Any, Any], ref: FromPath[str], activity: FromPath[str]) -> Template:
    entity = await reads.entity_summary(ref)
    record = await _stored(entity.id, activity)
    return await _editor(request, entity, record, form_of(msgspec.to_builtins(record), record.version))


@post("/entities/{ref:str}/activities/{activity:str}/edit", opt=WRITE, include_in_schema=False, name="save")
async def save(request: Request[Any, Any, Any], ref: FromPath[str], activity: FromPath[str]) -> Response[Any]:
    entity = await reads.entity_summary(ref)
    record = await _stored(entity.id, activity)
    submitted = await request.form()
    form = form_from_post(submitted)
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
        try:
            if problem := _review_order(merged) or _consent_check(merged):
                raise problem
            payload = msgspec.convert(apply(merged, msgspec.to_builtins(record)), ACTIVITY.update)
            saved = await records.update(ACTIVITY, record.id, payload)
        except msgspec.ValidationError as exc:
            match = re.search(r"at `\$\.([^`]+)`", str(exc))
            field = _field_of(match[1], merged) if match else "general"
            merged.errors = {field: [friendly(str(exc).split(" - at")[0], t)]}
            return await _editor(request, entity, record, merged, status=422)
        except Invalid as exc:
            merged.errors = _errors(exc, merged, t)
            return await _editor(request, entity, record, merged, status=422)
        except (Conflict, Forbidden) as exc:
            if any(p.get("name") == "status" for p in exc.invalid_params):  # four eyes refused it
                merged.errors = {"status": [approval_refusal(exc, t) or exc.detail]}
                return await _editor(request, entity, record, merged, status=exc.status)
            if isinstance(exc, Forbidden):
                raise
            latest = await _stored(entity.id, record.id)
            if latest.version == record.version:  # not a concurrent save: show it as the record's problem
                raise
            record = latest
            continue
        target = f"/entities/{entity.id}/activities/{saved.id}?saved={saved.version}"
        if merged is not form:
            target += "&merged=1"
        return Redirect(target, status_code=303)
    return await _conflict(request, entity, record, form, await merge_onto(record, form))


@dataclass
class Merge:
    """A three-way merge of this user's form onto the latest version, against the version they opened.

    ``form`` holds the merged values at the latest version (this user's value where both changed a
    field); ``conflicts`` the fields both changed to different values: (name, base, theirs, yours)."""

    form: Form
    conflicts: list[tuple[str, Any, Any, Any]]
    base_found: bool = True


async def version_data(
    record_id: str, version: int, kind: str = ACTIVITY.name, legal_entity_id: str = ""
) -> dict[str, Any] | None:
    """A record as it was at ``version``: the ``after`` of the audit event that wrote that version.

    The audit log holds every version's content, written in the same transaction as the record. Like
    every read of the log, this one is recorded (``audit.read`` of ``version``)."""
    await audit_services.record_read(
        "version", {"entity_type": kind, "entity_id": record_id, "version": version}, legal_entity_id
    )
    event = (
        await AuditEvent.select(AuditEvent.body)
        .where(
            (AuditEvent.entity_type == kind)
            & (AuditEvent.entity_id == record_id)
            & (AuditEvent.entity_version == version)
        )
        .order_by(AuditEvent.event_id, ascending=False)
        .first()
    )
    after = msgspec.json.decode(event["body"]).get("after") if event else None
    return after if isinstance(after, dict) else None


async def merge_onto(record: Any, mine: Form) -> Merge:
    """Merge ``mine`` (edited from version ``mine.version``) onto ``record`` (the latest version)."""
    current = msgspec.to_builtins(record)
    base_data = await version_data(record.id, mine.version, legal_entity_id=record.entity)
    if base_data is None:
        # The version the user started from is unknown: every difference is a question for them.
        result = merge(current, current, record.version, mine)
        result.conflicts = [
            (name, None, current_value, yours)
            for name, current_value, yours in _differences(form_of(current, record.version), mine)
        ]
        result.base_found = False
        return result
    return merge(base_data, current, record.version, mine)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) or isinstance(b, list):  # a picker: the same picks in another order are no change
        return set(a or []) == set(b or [])
    return str(a or "").strip() == str(b or "").strip()


def _national_of(p: dict[str, Any]) -> list[tuple[str, str]]:
    return [(b["act"].strip(), b["point"] or "") for b in p.get("national_bases", [])]


def _purposes_of(form: Form) -> list[tuple[str, list[str], list[tuple[str, str]]]]:
    return [(p["description"].strip(), sorted(p["legal_bases"]), _national_of(p)) for p in form.purposes]


def _differences(theirs: Form, mine: Form) -> list[tuple[str, Any, Any]]:
    out = [
        (name, theirs.values.get(name), value)
        for name, value in mine.values.items()
        if not _same(theirs.values.get(name), value)
    ]
    if _purposes_of(theirs) != _purposes_of(mine):
        out.append(("purposes", theirs.purposes, mine.purposes))
    return out


def merge(base_data: dict[str, Any], current: dict[str, Any], version: int, mine: Form) -> Merge:
    """Field by field: changed by one side only, that side's value; changed by both to different
    values, a conflict (this user's value in the merged form). A picker merges item by item: what
    one side removed stays removed, what either added is added."""
    base, theirs = form_of(base_data, mine.version), form_of(current, version)
    values: dict[str, Any] = {}
    conflicts: list[tuple[str, Any, Any, Any]] = []
    for name, yours in mine.values.items():
        was, now = base.values.get(name), theirs.values.get(name)
        if isinstance(yours, list):
            removed = set(was or []) - set(yours)
            kept = [k for k in now or [] if k not in removed]
            values[name] = kept + [k for k in yours if k not in set(was or []) and k not in set(kept)]
        elif _same(yours, was):
            values[name] = now
        elif _same(now, was) or _same(now, yours):
            values[name] = yours
        else:
            values[name] = yours
            conflicts.append((name, was, now, yours))
    # Purposes: as one field. Their full content (sources, LIA ...) decides whether they changed.
    base_purposes, now_purposes = base_data.get("purposes", []), current.get("purposes", [])
    mine_unchanged = [
        (p["description"], p["legal_bases"], _national_of(p), p.get("origin")) for p in mine.purposes
    ] == [(p["description"], p["legal_bases"], _national_of(p), p["origin"]) for p in base.purposes]
    if mine_unchanged or _purposes_of(mine) == _purposes_of(theirs):
        purposes = theirs.purposes
    else:
        if base_purposes != now_purposes:
            conflicts.append(("purposes", base.purposes, theirs.purposes, mine.purposes))
        # Origins point into the version the user opened: point them at the same purpose now.
        purposes = [
            {**p, "origin": _origin_now(p.get("origin"), base_purposes, now_purposes)} for p in mine.purposes
        ]
    return Merge(Form(version, values, purposes), conflicts)


def _origin_now(origin: int | None, before: list[dict[str, Any]], now: list[dict[str, Any]]) -> int | None:
    if origin is None or not 0 <= origin < len(before):
        return None
    was = before[origin]
    # The same purpose, else the one with the same description.
    found = next((j for j, p in enumerate(now) if p == was), None)
    if found is None:
        found = next((j for j, p in enumerate(now) if p.get("description") == was.get("description")), None)
    return found


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
    choices = await _choices(entity.id, terms, texts(request, terms))
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
        label_of=choices.label_of,
        term_label=choices.term_label,
        last=last,
        tab="activities",
    )


def reapply_fields(form: Form) -> list[tuple[str, str]]:
    """The merged values as hidden fields, at the version they were merged onto."""
    out: list[tuple[str, str]] = [("version", str(form.version))]
    for name, value in form.values.items():
        for item in value if isinstance(value, list) else [value]:
            out.append((name, str(item)))
    for i, p in enumerate(form.purposes):
        out.append((f"purpose-{i}-description", p["description"]))
        out.append((f"purpose-{i}-origin", "" if p.get("origin") is None else str(p["origin"])))
        out += [(f"purpose-{i}-legal_bases", b) for b in p["legal_bases"]]
        national = p.get("national_bases", [])
        for j, b in enumerate(national):
            out += [(f"purpose-{i}-nb-{j}-act", b["act"]), (f"purpose-{i}-nb-{j}-point", b["point"] or "")]
        out.append((f"purpose-{i}-nb_count", str(len(national))))
    out.append(("purpose_count", str(len(form.purposes))))
    return out


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
