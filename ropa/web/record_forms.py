"""The form of a register record, described by a list of fields: its values from a stored record and
from a post, back to a record, its options, its messages by field, and a three-way merge.

The record pages (``ropa/web/record_pages.py``) and the entity pages (``ropa/web/entity_pages.py``)
build on it; the specs of each kind are in ``ropa/web/record_specs.py``."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import msgspec
from litestar.datastructures import FormMultiDict

from ropa.errors import DomainError
from ropa.records import listing
from ropa.records.catalog import REGISTRY
from ropa.records.kinds import Kind
from ropa.vocabulary.schemas import TermData
from ropa.web.editor_merge import version_data
from ropa.web.messages import friendly
from ropa.web.pages import FieldErrors

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


LIST_WIDGETS = ("checks", "lines", "codes")


@dataclasses.dataclass
class RecordForm(FieldErrors):
    version: int | None
    values: dict[str, Any]


def _at(data: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None  # type: ignore[assignment]
    return data


def form_of(spec: Spec, data: dict[str, Any], version: int | None) -> RecordForm:
    values: dict[str, Any] = {}
    for f in spec.fields:
        value = _at(data, f.name)
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


def field_of(spec: Spec, path: str) -> str:
    """A validation path (``scc.module``, ``data_categories[2]``) as the form's field."""
    path = re.sub(r"\[\d+\]$", "", path)
    names = [f.name for f in spec.fields]
    if path in names:
        return path
    if inner := [n for n in names if n.startswith(path + ".")]:  # a part missing a required field
        return inner[0]
    head = re.split(r"[.\[]", path, maxsplit=1)[0]
    return head if head in names else "general"


def errors(spec: Spec, params: list[dict[str, Any]], t: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for p in params:
        found.setdefault(field_of(spec, str(p["name"])), []).append(friendly(str(p["reason"]), t))
    return found


async def options(
    spec: Spec, entity_id: str, terms: list[TermData], t: Any, form: RecordForm
) -> dict[str, Any]:
    """Each select's and checkbox group's options, as (value, label[, group]); held values stay offered."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for f in spec.fields:
        kind, _, arg = f.options.partition(":")
        listed: list[tuple[str, str, str]] = []
        if kind == "vocab":
            keys = [x.key for x in terms if x.vocabulary == arg and not x.deprecated]
            listed = sorted(((k, t.term(arg, k), "") for k in keys), key=lambda o: o[1].casefold())
        elif kind == "mechanism":
            listed = _mechanisms(terms, t)
        elif kind == "records":
            found = await listing.list_records(REGISTRY[arg], entity=entity_id, limit=500)
            own = form.values.get("key") if spec.kind is REGISTRY[arg] else None  # not its own sub-processor
            listed = [
                (str(r.key), f"{r.name} ({r.key})", "")
                for r in found.items
                if r.status != "retired" and r.key != own
            ]
        elif kind == "enum":
            prefix, _, choices = arg.partition(":")
            listed = [(c, t.enum(prefix, c), "") for c in choices.split(",")]
        elif kind == "module":
            listed = [(str(n), str(t("rec.module", n=n)), "") for n in (1, 2, 3, 4)]
        held = form.values.get(f.name)
        offered = {o[0] for o in listed}
        for value in held if isinstance(held, list) else [held] if held else []:
            if value not in offered:
                listed.append((value, value, ""))
        out[f.name] = listed
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


async def merge(spec: Spec, found: Any, mine: RecordForm, t: Any) -> tuple[RecordForm, list[str]]:
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


def status_post(submitted: FormMultiDict) -> tuple[int | None, str]:
    """The version and the reason a retire or reactivate form sends."""
    version = str(submitted.get("version", ""))
    return (int(version) if version.isdigit() else None), str(submitted.get("reason", "")).strip()


def refusal(exc: DomainError, version: int, t: Any) -> str:
    """Why a reactivation was refused, in the page's words: stale, its entity retired, or back already."""
    names = {str(p.get("name")) for p in exc.invalid_params or []}
    if "version" in names:
        return str(t("rec.stale", version=version))
    if "entity" in names:
        return str(t("rec.entity_retired"))
    return str(t("rec.not_retired"))


def labeller(labels: dict[str, str]) -> Callable[[str], str]:
    """``label_of`` of the record forms and their error summary: a field's label by its name."""
    return lambda name: labels.get(name, name)
