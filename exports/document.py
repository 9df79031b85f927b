"""What one export holds, independent of its format: the register, its findings, gaps and changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from exports.i18n import Lang, Texts
from exports.layouts import Gap, Layout, gaps
from exports.view import View
from ropa.findings.services import FindingOut
from ropa.porting.schemas import EntityIn
from ropa.porting.services import CHILDREN

Format = Literal["pdf", "xlsx"]
Variant = Literal["standard", "pdfa"]


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
    baseline: dict[str, Any] | None = None  # the last export to the same authority, if any

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
        }


@dataclass(frozen=True)
class Change:
    kind: str
    key: str
    name: str
    change: Literal["added", "changed", "retired", "restored", "removed"]
    fields: list[str]


@dataclass
class Document:
    meta: ExportMeta
    view: View
    layout: Layout
    findings: list[FindingOut]
    changes: list[Change] | None  # None: the first export to this authority
    register_json: bytes
    gaps: list[Gap] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.gaps = gaps(self.layout, self.view)

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


def diff(before: EntityIn, after: EntityIn) -> list[Change]:
    """What changed from one state of an entity to another, record by record, in a stable order."""
    old, new = _records(before), _records(after)
    changes: list[Change] = []
    for ident in sorted(old.keys() | new.keys(), key=lambda k: (k[0], (new.get(k) or old[k]).get("key", ""))):
        a, b = old.get(ident), new.get(ident)
        record = b or a
        assert record is not None
        name = str(record.get("name") or record.get("legal_name") or "")
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
