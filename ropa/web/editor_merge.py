"""The activity editor's three-way merge: this user's form onto the version saved since they opened it.

The version the form was opened at is read from the audit log, which holds every version's content
(written in the same transaction as the record). A field changed by one side only takes that side's
value; a field both changed to different values is a conflict, shown to the user to decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from audit.tables import AuditEvent
from ropa.auditing import services as audit_services
from ropa.records.catalog import ACTIVITY
from ropa.web.editor_form import Form, form_of
from ropa.web.editor_rows import TABLES, same_rows
from ropa.web.editor_translations import purpose_key, reapply


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

    Like every read of the log, this one is recorded (``audit.read`` of ``version``)."""
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
            for name, current_value, yours in differences(form_of(current, record.version), mine)
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


def _purposes_of(form: Form) -> list[tuple[Any, ...]]:
    return [
        (p["description"].strip(), sorted(p["legal_bases"]), _national_of(p), purpose_key(p))
        for p in form.purposes
    ]


def _rows(form: Form, prefix: str) -> list[dict[str, Any]]:
    return form.rights if prefix == "right" else form.exclusions


def differences(theirs: Form, mine: Form) -> list[tuple[str, Any, Any]]:
    """The fields in which ``mine`` differs from ``theirs``: (name, theirs, mine)."""
    out = [
        (name, theirs.values.get(name), value)
        for name, value in mine.values.items()
        if not _same(theirs.values.get(name), value)
    ]
    if _purposes_of(theirs) != _purposes_of(mine):
        out.append(("purposes", theirs.purposes, mine.purposes))
    for prefix, (name, _) in TABLES.items():
        if not same_rows(_rows(theirs, prefix), _rows(mine, prefix), prefix):
            out.append((name, _rows(theirs, prefix), _rows(mine, prefix)))
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
        (p["description"], p["legal_bases"], _national_of(p), p.get("origin"), purpose_key(p))
        for p in mine.purposes
    ] == [
        (p["description"], p["legal_bases"], _national_of(p), p["origin"], purpose_key(p))
        for p in base.purposes
    ]
    if mine_unchanged or _purposes_of(mine) == _purposes_of(theirs):
        purposes = theirs.purposes
    else:
        if base_purposes != now_purposes:
            conflicts.append(("purposes", base.purposes, theirs.purposes, mine.purposes))
        # Origins point into the version the user opened: point them at the same purpose now.
        purposes = [
            {**p, "origin": _origin_now(p.get("origin"), base_purposes, now_purposes)} for p in mine.purposes
        ]
    merged = Form(version, values, purposes)
    # Stated rights and exclusions: each list as one field, as the purposes.
    for prefix, (name, _) in TABLES.items():
        yours_rows, was_rows, now_rows = _rows(mine, prefix), _rows(base, prefix), _rows(theirs, prefix)
        if same_rows(yours_rows, was_rows, prefix) or same_rows(yours_rows, now_rows, prefix):
            rows = now_rows
        else:
            if not same_rows(was_rows, now_rows, prefix):
                conflicts.append((name, was_rows, now_rows, yours_rows))
            before, now_items = base_data.get(name) or [], current.get(name) or []
            rows = [{**r, "origin": _origin_now(r.get("origin"), before, now_items)} for r in yours_rows]
        if prefix == "right":
            merged.rights = rows
        else:
            merged.exclusions = rows
    return Merge(merged, conflicts)


def _origin_now(origin: int | None, before: list[dict[str, Any]], now: list[dict[str, Any]]) -> int | None:
    if origin is None or not 0 <= origin < len(before):
        return None
    was = before[origin]
    # The same item, else the one with the same description (or right, or exclusion).
    found = next((j for j, p in enumerate(now) if p == was), None)
    for key in ("description", "right", "what"):
        if found is None and was.get(key):
            found = next((j for j, p in enumerate(now) if p.get(key) == was.get(key)), None)
    return found


def reapply_fields(form: Form) -> list[tuple[str, str]]:
    """The merged values as hidden fields, at the version they were merged onto."""
    out: list[tuple[str, str]] = [("version", str(form.version))]
    for name, value in form.values.items():
        for item in value if isinstance(value, list) else [value]:
            out.append((name, str(item)))
    for i, p in enumerate(form.purposes):
        out.append((f"purpose-{i}-description", p["description"]))
        out.append((f"purpose-{i}-origin", "" if p.get("origin") is None else str(p["origin"])))
        out += reapply(i, p)
        out += [(f"purpose-{i}-legal_bases", b) for b in p["legal_bases"]]
        national = p.get("national_bases", [])
        for j, b in enumerate(national):
            out += [(f"purpose-{i}-nb-{j}-act", b["act"]), (f"purpose-{i}-nb-{j}-point", b["point"] or "")]
        out.append((f"purpose-{i}-nb_count", str(len(national))))
    out.append(("purpose_count", str(len(form.purposes))))
    for prefix, (_, fields) in TABLES.items():
        rows = _rows(form, prefix)
        for i, row in enumerate(rows):
            out += [(f"{prefix}-{i}-{f}", row[f]) for f in fields]
            out.append((f"{prefix}-{i}-origin", "" if row.get("origin") is None else str(row["origin"])))
        out.append((f"{prefix}_count", str(len(rows))))
    return out
