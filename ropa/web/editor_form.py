"""The activity editor's form: its fields, parsed from a stored activity or a post, applied over the
stored activity, and the record's validation paths as the form's fields.

The form edits the elements a compliance officer maintains by hand; everything else of the record
(source sentences, data sources, DPIA ...) is carried over unchanged. The wizard's steps post fields
of this same form (``ropa.web.wizard``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from litestar.datastructures import FormMultiDict

from ropa.errors import Invalid, NotFound
from ropa.records import listing
from ropa.records import services as records
from ropa.records.catalog import ACTIVITY, RECIPIENT, RETENTION, TRANSFER
from ropa.tables import ProcessingActivity
from ropa.vocabulary.schemas import TermData
from ropa.web import editor_translations as translations
from ropa.web.editor_rows import (
    apply_rows,
    check_rows,
    row_field,
    row_label,
    row_text,
    rows_from_post,
    rows_of,
)
from ropa.web.messages import friendly
from ropa.web.pages import FieldErrors

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
    "rights": "field.rights_stated",
    "exclusions": "field.exclusions",
}
ANONYMITY_CLAIMS = ("anonymous", "aggregated")
CONSENT_FORMS = ("opt_in", "continued_use", "browser_settings", "pre_ticked", "implied")


@dataclass
class Form(FieldErrors):
    """What the editor shows: values per field, purposes, stated rights and exclusions, and messages
    per field."""

    version: int
    values: dict[str, Any]
    purposes: list[dict[str, Any]]
    rights: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    exclusions: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    # The short forms of records created in place (``ropa.web.editor_inline``): their values as sent
    # while refused, and the record just created, (kind, name, key), for the page's notice.
    inline: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict, kw_only=True)
    created: tuple[str, str, str] | None = dataclasses.field(default=None, kw_only=True)


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
    values |= translations.values_of(data)
    purposes = [
        {
            "description": p["description"],
            "legal_bases": list(p.get("legal_bases", [])),
            "national_bases": [
                {"act": b.get("act") or "", "point": b.get("point") or ""}
                for b in p.get("national_bases", [])
            ],
            "origin": i,
            **translations.purpose_values_of(p),
        }
        for i, p in enumerate(data.get("purposes", []))
    ]
    return Form(version, values, purposes, rows_of(data, "right"), rows_of(data, "exclusion"))


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
    values |= translations.values_from_post(submitted)
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
            {
                "description": description,
                "legal_bases": bases,
                "national_bases": national,
                "origin": origin,
                **translations.purpose_values_from_post(submitted, i),
            }
        )
    rights, exclusions = rows_from_post(submitted, "right"), rows_from_post(submitted, "exclusion")
    return Form(_int(submitted.get("version"), 0), values, purposes, rights, exclusions)


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
    data["recipient_disclosures"] = _disclosures(stored, data)
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
        purpose = {
            **base,
            "description": p["description"],
            "legal_bases": p["legal_bases"],
            "national_bases": national,
        }
        translations.apply_purpose(p, purpose)
        purposes.append(purpose)
    data["purposes"] = purposes
    translations.apply_activity(v, data)
    data["rights"] = apply_rows(form.rights, stored.get("rights") or [], "right")
    data["exclusions"] = apply_rows(form.exclusions, stored.get("exclusions") or [], "exclusion")
    data["version"] = form.version
    return data


def _disclosures(stored: dict[str, Any], data: dict[str, Any]) -> list[dict[str, Any]]:
    """The stored disclosures to recipients (``recipient_disclosures``), less what the form unpicked: a
    recipient, data category or data subject the activity no longer has is no longer disclosed."""
    categories = {use["category"] for use in data["data_categories"]}
    return [
        {
            **d,
            "data_categories": [c for c in d.get("data_categories", []) if c in categories],
            "data_subjects": [s for s in d.get("data_subjects", []) if s in data["data_subjects"]],
        }
        for d in stored.get("recipient_disclosures") or []
        if d["recipient"] in data["recipients"]
    ]


def _in_order(stored: list[str], picked: list[str]) -> list[str]:
    """A picker sends its options in list order: keep the record's order, new picks after it."""
    chosen = set(picked)
    return [k for k in stored if k in chosen] + [k for k in picked if k not in set(stored)]


def field_of(path: str, form: Form) -> str:
    """A validation path of the record (``purposes[1].legal_bases[0]``) as the form field it came from."""
    if m := re.match(r"purposes\[(\d+)\]", path):
        return f"purpose-{m[1]}" if int(m[1]) < len(form.purposes) else "purposes"
    if found := row_field(path):
        return found
    if m := re.match(r"translations\.(\w+)\.(\w+)", path):
        return translations.field_name(m[1], m[2]) if translations.parse(f"tr-{m[1]}-{m[2]}") else "general"
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


def errors_of(exc: Invalid, form: Form, t: Any) -> dict[str, list[str]]:
    """A refused save's reasons by form field, as the page says them."""
    found: dict[str, list[str]] = {}
    for param in exc.invalid_params or [{"name": "general", "reason": exc.detail}]:
        found.setdefault(field_of(param["name"], form), []).append(friendly(param["reason"], t))
    return found


def form_checks(form: Form, t: Any, stored: dict[str, Any] | None = None) -> dict[str, list[str]]:
    """What the form refuses before the API sees it, by field, in the page's language: a next review
    before the last one is a typing error, a form of consent needs its mechanism, a limited right
    names its limit."""
    found: dict[str, list[str]] = {}
    last, due = form.values.get("last_reviewed_at"), form.values.get("next_review_due")
    try:
        if last and due and dt.date.fromisoformat(due) < dt.date.fromisoformat(last):
            found["next_review_due"] = [friendly("the next review is before the last review", t)]
    except ValueError:
        pass  # not a date: the API's own check names it
    if form.values.get("consent_form") and not form.values.get("consent_mechanism"):
        found["consent_mechanism"] = [friendly("consent needs its mechanism", t)]
    for field, key in check_rows({"right": form.rights, "exclusion": form.exclusions}, stored or {}):
        found.setdefault(field, []).append(str(t(key)))
    return found


async def stored_activity(entity_id: str, activity: str) -> Any:
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
    """The options of the form's pickers, and how a field and a picked value are named."""

    terms: list[TermData]
    vocab: dict[str, list[tuple[str, str]]]
    records: dict[str, list[tuple[str, str]]]
    t: Any

    def label_of(self, name: str) -> str:
        """A form field's label, for the error summary and the conflict table."""
        if m := re.fullmatch(r"purpose-(\d+)", name):
            return str(self.t("edit.purpose", n=int(m[1]) + 1))
        if pair := translations.parse(name):
            return f"{self.t(LABELS[pair[1]])} ({self.t('language.' + pair[0])})"
        if found := row_label(self.t, name):
            return found
        return str(self.t(LABELS[name])) if name in LABELS else name

    def term_label(self, name: str, key: Any) -> str:
        """A picked value as the user knows it: the term's label, the record's name, a row's text."""
        if name in ("rights", "exclusions"):
            return row_text(self.t, name[:-1], key)
        if name in PICKERS:
            return str(self.t.term(PICKERS[name], key))
        return str(dict(self.records.get(name, [])).get(key, key))


async def choices(entity_id: str, lang_terms: list[TermData], t: Any, held: Form | None = None) -> Choices:
    """The pickers' options; a value ``held`` by the form but no longer offered (a deprecated term, a
    retired rule) stays selectable."""
    vocab = {}
    for name, vocabulary in {**PICKERS, "legal_bases": "legal_basis"}.items():
        keys = [x.key for x in lang_terms if x.vocabulary == vocabulary and not x.deprecated]
        vocab[name] = sorted(((k, t.term(vocabulary, k)) for k in keys), key=lambda kv: kv[1].casefold())
    found = {}
    for name, kind in RECORD_PICKERS.items():
        page_ = await listing.list_records(kind, entity=entity_id, limit=500)
        found[name] = [(str(r.key), f"{r.name} ({r.key})") for r in page_.items if r.status != "retired"]
    result = Choices(lang_terms, vocab, found, t)
    if held is not None:
        for name, options in (*vocab.items(), *found.items()):
            offered = {k for k, _ in options}
            kept = held.values.get(name, []) if name != "legal_bases" else []
            options.extend((k, k) for k in kept if k not in offered)
    return result
