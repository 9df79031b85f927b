"""What one export holds, independent of its format: the register, its findings, gaps and changes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
import msgspec.inspect as mi

from exports.i18n import Texts
from exports.layouts import Gap, Layout, gaps
from exports.localize import localize
from exports.view import View
from ropa.findings.services import FindingOut, annotate_in_order
from ropa.i18n import ExportLang as Lang
from ropa.porting.read import CHILDREN
from ropa.porting.schemas import EntityIn, RegisterFile
from ropa.records.struct_info import struct_fields
from ropa.rules.engine import live
from ropa.rules.model import Context
from ropa.rules.roles import processor_own_purposes
from ropa.vocabulary.schemas import TermData

Format = Literal["pdf", "xlsx"]
Variant = Literal["standard", "pdfa"]
# Who the export is for: "authority" records it as sent to the entity's supervisory authority (and
# case), the baseline of later exports' changes appendix; "internal" never counts as sent.
Purpose = Literal["authority", "internal"]
# Internal material a regulator export leaves out unless asked for: analysts' notes (every record's
# ``notes`` and purposes' ``legal_basis_note``), the findings annex, and the accepted risks.
Include = Literal["notes", "findings", "acceptances"]
INCLUDES: tuple[Include, ...] = ("notes", "findings", "acceptances")
NOTE_FIELDS = frozenset({"notes", "legal_basis_note"})


def _may_hold_notes(info: Any, seen: frozenset[type]) -> bool:
    """Whether a value of the inspected type may hold a note: a struct with one, or a list of them."""
    if isinstance(info, mi.Metadata):
        return _may_hold_notes(info.type, seen)
    if isinstance(info, mi.ListType):
        return _may_hold_notes(info.item_type, seen)
    if isinstance(info, mi.UnionType):
        return any(_may_hold_notes(option, seen) for option in info.types)
    if isinstance(info, mi.StructType):
        return info.cls in seen or bool(_visited(info.cls, seen))
    return False


@functools.cache
def _note_fields(cls: type) -> tuple[str, ...]:
    """The fields of the struct ``cls`` that are a note or may hold one (all others are skipped)."""
    return _visited(cls, frozenset())


def _visited(cls: type, seen: frozenset[type]) -> tuple[str, ...]:
    fields = struct_fields(cls)
    inner = seen | {cls}
    return tuple(f.name for f in fields if f.name in NOTE_FIELDS or _may_hold_notes(f.type, inner))


def _without_notes(value: Any) -> Any:
    """``value`` with every analysts' note (``NOTE_FIELDS``) emptied, at any depth; unchanged parts shared.
    Only the fields whose type may hold a note are visited (``_note_fields``, per struct type)."""
    if isinstance(value, list):
        items = [_without_notes(v) for v in value]
        return items if any(map(operator.is_not, items, value)) else value
    if isinstance(value, msgspec.Struct):
        changes: dict[str, Any] = {}
        for name in _note_fields(type(value)):
            field_value = getattr(value, name)
            if name in NOTE_FIELDS:
                if field_value is not None:
                    changes[name] = None
            elif isinstance(field_value, (list, msgspec.Struct)):  # noqa: UP038 - a tuple checks faster
                stripped = _without_notes(field_value)
                if stripped is not field_value:
                    changes[name] = stripped
        return msgspec.structs.replace(value, **changes) if changes else value
    return value


def for_export(entity: EntityIn, include: Iterable[str]) -> EntityIn:
    """The entity as an export carries it: without the internal material it does not include."""
    include = set(include)
    if "notes" not in include:
        entity = _without_notes(entity)
    if "acceptances" not in include and entity.finding_acceptances:
        entity = msgspec.structs.replace(entity, finding_acceptances=[])
    return entity


@dataclass(frozen=True)
class ExportMeta:
    """The export record: fixed once made, so the same register state renders to the same bytes."""

    export_id: str
    created_at: dt.datetime
    state_time: dt.datetime  # the moment of the register state exported (as-of, or its last change)
    as_of: dt.datetime | None
    format: Format
    layout: str
    lang: Lang
    variant: Variant
    authority: str
    authority_case: str | None
    checkpoint_size: int
    checkpoint_root: str  # base64, as in the signed checkpoint note
    state_sha256: str  # of the register file embedded in / shipped with the export
    baseline: dict[str, Any] | None = None  # the last export sent to the same authority and case
    purpose: Purpose = "internal"
    include: tuple[Include, ...] = ()  # internal material included (opted in), in INCLUDES order
    # Exports of this register recorded as sent to the same authority and case before this one
    # (0: "first export sent"; more with no baseline: all of them show a later state).
    sent_before: int = 0

    def details(self) -> dict[str, Any]:
        return {
            "export_id": self.export_id,
            "created_at": self.created_at.isoformat(),
            "state_time": self.state_time.isoformat(),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "format": self.format,
            "layout": self.layout,
            "lang": self.lang,
            "variant": self.variant,
            "authority": self.authority,
            "authority_case": self.authority_case,
            "checkpoint": {"tree_size": self.checkpoint_size, "root_hash": self.checkpoint_root},
            "state_sha256": self.state_sha256,
            "baseline": self.baseline,
            "purpose": self.purpose,
            "include": list(self.include),
            "sent_before": self.sent_before,
        }


@dataclass(frozen=True)
class Change:
    kind: str
    key: str
    name: str
    change: Literal["added", "changed", "retired", "restored", "removed"]
    fields: list[str]


def field_label(t: Texts, name: str) -> str:
    """A record field's name in the export's language (``record_field.*``, else ``field.*``); a name
    with neither label is shown as written."""
    for key in (f"record_field.{name}", f"field.{name}"):
        if t.has(key):
            return t(key)
    return name


def labelled(changes: list[Change], t: Texts) -> list[Change]:
    """The changes with their changed fields named in the export's language, as the appendix shows them."""
    return [dataclasses.replace(c, fields=[field_label(t, f) for f in c.fields]) for c in changes]


# U+FFFE and U+FFFF are no characters XML can carry (the Excel export's hidden sheet holds the file):
# in the file they are JSON escapes, the same JSON. In UTF-8 these bytes are those characters alone.
_NONCHARACTERS = ((b"\xef\xbf\xbe", b"\\ufffe"), (b"\xef\xbf\xbf", b"\\uffff"))


def register_pieces(terms: list[TermData], entity: EntityIn) -> Iterator[bytes]:
    """``msgspec.json.encode(RegisterFile(vocabularies=terms, entities=[entity]))`` in pieces, one per
    activity, so a large register's file is never held whole: joined, the pieces are those bytes,
    but for U+FFFE and U+FFFF, written as JSON escapes (``_NONCHARACTERS``)."""
    for piece in _register_pieces(terms, entity):
        if b"\xef\xbf" in piece:
            for raw, escaped in _NONCHARACTERS:
                piece = piece.replace(raw, escaped)
        yield piece


def _register_pieces(terms: list[TermData], entity: EntityIn) -> Iterator[bytes]:
    """The pieces as msgspec encodes them. The fields after ``activities`` (small lists) are encoded
    whole, whichever they are."""
    empty = msgspec.json.encode(RegisterFile(vocabularies=terms, entities=[]))
    assert empty.endswith(b'"entities":[]}'), "entities is the register file's last field"
    yield empty[:-2]
    encode = msgspec.json.Encoder().encode
    fields = msgspec.structs.fields(EntityIn)
    later = fields[[f.name for f in fields].index("activities") + 1 :]
    after = b"".join(b',"' + f.encode_name.encode() + b'":' + encode(getattr(entity, f.name)) for f in later)
    tail = b'"activities":[]' + after + b"}"
    shell = encode(msgspec.structs.replace(entity, activities=[]))
    assert shell.endswith(tail), "the fields after activities are encoded as the entity's last ones"
    yield shell[: -len(tail)] + b'"activities":['
    for index, activity in enumerate(entity.activities):
        yield b"," + encode(activity) if index else encode(activity)
    yield b"]" + after + b"}]}"


def register_sha256(terms: list[TermData], entity: EntityIn) -> str:
    digest = hashlib.sha256()
    for piece in register_pieces(terms, entity):
        digest.update(piece)
    return digest.hexdigest()


@dataclass
class Document:
    meta: ExportMeta
    view: View
    layout: Layout
    changes: list[Change] | None  # None: no earlier export sent to this authority to compare with
    vocabularies: list[TermData]  # with the entity, the register file the export carries
    # The entity with its internal material, for the findings (shown only when included).
    source: EntityIn | None = None

    def iter_findings(self) -> Iterator[FindingOut]:
        """The findings of this entity alone on the export's date, in the export's language, made as
        they are read. A cross-entity comparison would show one authority another entity's register,
        and the date keeps a repeat identical."""
        if "findings" not in self.meta.include:
            return iter(())
        register = RegisterFile(vocabularies=self.vocabularies, entities=[self.source or self.entity])
        found = annotate_in_order(register, self.meta.created_at.date(), languages=(self.meta.lang,))
        shown = found if "acceptances" in self.meta.include else (f for f in found if f.status != "accepted")
        return (self._worded(f) for f in shown)  # an accepted risk is not shown at all unless included

    def _worded(self, out: FindingOut) -> FindingOut:
        """A finding as the export shows it: its article cited and its field named in the export's
        language. Its message needs nothing more: the rules word the legal acts they quote in each
        language (``ropa/rules/transfers.py``)."""
        f = out.finding
        worded = msgspec.structs.replace(
            f,
            article=self.view.cite(f.article),
            field=field_label(self.t, f.field) if f.field else f.field,
        )
        return msgspec.structs.replace(out, finding=worded)

    @functools.cached_property
    def findings(self) -> list[FindingOut]:
        return list(self.iter_findings())

    def register_pieces(self) -> Iterator[bytes]:
        """The register file (``register_json``) in pieces: what the Excel export streams."""
        return register_pieces(self.vocabularies, self.entity)

    @property
    def register_json(self) -> bytes:
        """The register file the export carries, whole: the PDF attaches it."""
        return b"".join(self.register_pieces())

    @functools.cached_property
    def gaps(self) -> list[Gap]:
        return gaps(self.layout, self.view)

    @property
    def t(self) -> Texts:
        return self.view.t

    @property
    def entity(self) -> EntityIn:
        return self.view.entity

    @property
    def is_draft(self) -> bool:
        return not self.view.activities or any(a.status != "approved" for a in self.view.activities)

    @property
    def title(self) -> str:
        t = self.t
        if self.entity.role == "processor":
            return t("title.processor")
        return t("title.controller")

    @functools.cached_property
    def role_conflicts(self) -> list[str]:
        """The activities recorded as processing on behalf of controllers that state purposes or legal
        bases of their own, as the findings' rule ``role.processor_own_purposes`` finds them: the
        cover states the conflict whether or not the findings are included."""
        ctx = Context.build(self.vocabularies, self.meta.created_at.date(), (self.meta.lang,))
        return [h.record_key for h in processor_own_purposes.check(live(self.entity), ctx) if h.record_key]

    @property
    def filename(self) -> str:
        stamp = self.meta.state_time.strftime("%Y%m%d")
        return f"ropa-{self.entity.key}-{stamp}-{self.meta.lang}-{self.meta.layout}.{self.meta.format}"

    @property
    def open_findings(self) -> list[FindingOut]:
        return [f for f in self.findings if f.status == "open"]

    @property
    def accepted_findings(self) -> list[FindingOut]:
        return [f for f in self.findings if f.status == "accepted"]


def _records(entity: EntityIn) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    top = msgspec.to_builtins(entity)
    out[("entity", entity.id or "")] = {k: v for k, v in top.items() if k not in {a for a, _ in CHILDREN}}
    for attr, kind in CHILDREN:
        for record in top.get(attr, []):
            out[(kind.name, record["id"])] = record
    return out


def _retired(record: dict[str, Any]) -> bool:
    return bool(record.get("retired")) or record.get("status") == "retired"


def diff(before: EntityIn, after: EntityIn, lang: str | None = None) -> list[Change]:
    """What changed from one state of an entity to another, record by record, in a stable order.

    The fields compared are the data as written; a record's name is shown as an export in ``lang``
    shows it (``exports.localize``: its translation where it has one), as the rest of that export."""
    old, new = _records(before), _records(after)
    shown_old, shown_new = (_records(localize(x, lang)) for x in (before, after)) if lang else (old, new)
    changes: list[Change] = []
    for ident in sorted(old.keys() | new.keys(), key=lambda k: (k[0], (new.get(k) or old[k]).get("key", ""))):
        a, b = old.get(ident), new.get(ident)
        record = b or a
        assert record is not None
        shown = shown_new.get(ident) or shown_old[ident]
        name = str(shown.get("name") or shown.get("legal_name") or "")
        key = str(record.get("key") or "")
        if a is None:
            changes.append(Change(ident[0], key, name, "added", []))
        elif b is None:
            changes.append(Change(ident[0], key, name, "removed", []))
        elif _retired(b) and not _retired(a):
            changes.append(Change(ident[0], key, name, "retired", []))
        elif _retired(a) and not _retired(b):
            changes.append(Change(ident[0], key, name, "restored", []))
        else:
            names = (a.keys() | b.keys()) - {"retired", "id"}
            fields = sorted(f for f in names if a.get(f) != b.get(f))
            if fields:
                changes.append(Change(ident[0], key, name, "changed", fields))
    return changes
