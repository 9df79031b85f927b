"""The activity editor's rows of stated rights and stated exclusions: parsed, checked and applied.

A row keeps its ``origin`` (its place in the version the form was opened at), so what the form does
not show of it (its source sentences, its notes) is carried over; an emptied row is removed and the
empty row left for a new one adds nothing.
"""

from __future__ import annotations

import re
from typing import Any, Literal, get_args, get_origin

from litestar.datastructures import FormMultiDict

from ropa.activities.schemas import RightStated, StatedExclusion
from ropa.i18n.citations import cite


def _choices(struct: Any, field: str) -> tuple[str, ...]:
    """The values a Literal field of the schema allows."""
    found: list[str] = []

    def walk(annotation: Any) -> None:
        if get_origin(annotation) is Literal:
            found.extend(a for a in get_args(annotation) if isinstance(a, str))
        for inner in get_args(annotation) if get_origin(annotation) is not Literal else ():
            walk(inner)

    walk(struct.__annotations__[field])
    return tuple(found)


RIGHTS = _choices(RightStated, "right")
AVAILABILITIES = _choices(RightStated, "availability")
LIMITS = _choices(RightStated, "limited_to")
ARTICLES = _choices(RightStated, "restriction_article")
EXCLUSIONS = _choices(StatedExclusion, "what")
RIGHT_FIELDS = ("right", "availability", "limited_to", "limit", "restriction_cited", "restriction_article")
EXCLUSION_FIELDS = ("what", "description")
# form prefix -> (record field, the row's fields; the first keeps a row)
TABLES = {
    "right": ("rights", RIGHT_FIELDS),
    "exclusion": ("exclusions", EXCLUSION_FIELDS),
}
MAX_ROWS = 50


def _origin(value: Any) -> int | None:
    return int(value) if str(value).isdigit() else None


def rows_of(data: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """The form's rows from a stored activity."""
    name, fields = TABLES[prefix]
    return [
        {**{f: str(item.get(f) or "") for f in fields}, "origin": i}
        for i, item in enumerate(data.get(name) or [])
    ]


def rows_from_post(submitted: FormMultiDict, prefix: str) -> list[dict[str, Any]]:
    """The rows as the browser sent them; a row without its first field (the right, what is
    excluded) is removed."""
    _, fields = TABLES[prefix]
    count = _origin(submitted.get(f"{prefix}_count", "")) or 0
    rows = []
    for i in range(min(count, MAX_ROWS) + 1):
        row: dict[str, Any] = {f: str(submitted.get(f"{prefix}-{i}-{f}", "")).strip() for f in fields}
        if row[fields[0]]:
            row["origin"] = _origin(submitted.get(f"{prefix}-{i}-origin", ""))
            rows.append(row)
    return rows


def apply_rows(rows: list[dict[str, Any]], stored: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """The record's list from the rows; each row over the item it came from."""
    _, fields = TABLES[prefix]
    out = []
    for row in rows:
        origin = row.get("origin")
        base = dict(stored[origin]) if origin is not None and 0 <= origin < len(stored) else {}
        values = {f: row[f] or None for f in fields}
        if prefix == "right":
            values["availability"] = row["availability"] or "offered"
        out.append({**base, **values})
    return out


def same_rows(a: list[dict[str, Any]], b: list[dict[str, Any]], prefix: str) -> bool:
    """The same rows by content (not by where they came from)."""
    _, fields = TABLES[prefix]
    return [[r[f] for f in fields] for r in a] == [[r[f] for f in fields] for r in b]


def check_rows(form_rows: dict[str, list[dict[str, Any]]], stored: dict[str, Any]) -> list[tuple[str, str]]:
    """What the schema cannot say, of the rows this user added or changed (a stored row is kept as
    it is): a limited right names its limit, an offered one has none, "other" says what it is. Each
    as (form field, label key of the message)."""
    found = []
    for prefix, rows in form_rows.items():
        before = rows_of(stored, prefix)
        for i, row in enumerate(rows):
            origin = row.get("origin")
            if (
                origin is not None
                and 0 <= origin < len(before)
                and same_rows([row], [before[origin]], prefix)
            ):
                continue
            found += _row_problems(prefix, i, row)
    return found


def _row_problems(prefix: str, i: int, row: dict[str, Any]) -> list[tuple[str, str]]:
    if prefix == "exclusion":
        other = row["what"] == "other" and not row["description"]
        return [(f"exclusion-{i}-description", "st.exclusion_other_needed")] if other else []
    limited, has_limit = row["availability"] == "limited", bool(row["limit"] or row["limited_to"])
    if limited and not has_limit:
        return [(f"right-{i}-limit", "st.limit_needed")]
    if row["availability"] in ("", "offered") and has_limit:
        return [(f"right-{i}-availability", "st.limit_not_limited")]
    return []


def row_field(path: str) -> str | None:
    """A validation path of the record (``rights[1].limit``) as the form field it came from."""
    m = re.match(r"(rights|exclusions)\[(\d+)\](?:\.(\w+))?", path)
    if not m:
        return None
    prefix = "right" if m[1] == "rights" else "exclusion"
    fields = TABLES[prefix][1]
    return f"{prefix}-{m[2]}-{m[3] if m[3] in fields else fields[0]}"


def row_label(t: Any, field: str) -> str | None:
    """The label of a row's field, for the error summary: "Stated right 2: Limit"."""
    m = re.fullmatch(r"(right|exclusion)-(\d+)-(\w+)", field)
    if not m:
        return None
    return f"{t('edit.' + m[1], n=int(m[2]) + 1)}: {t('edit.' + m[1] + '_' + m[3])}"


def row_text(t: Any, prefix: str, row: dict[str, Any]) -> str:
    """A row as one line, for the conflict screen."""
    if prefix == "right":
        availability = t.enum("st.availability", row["availability"] or "offered")
        text = f"{t.enum('st.right', row['right'])}: {availability}"
        details = [t.enum("st.limited_to", row["limited_to"]) if row["limited_to"] else ""]
        details += [row["limit"], row["restriction_cited"], cite(row.get("restriction_article"), t.lang)]
        extra = "; ".join(d for d in details if d)
        return f"{text} ({extra})" if extra else text
    return ": ".join(p for p in (str(t.enum("st.exclusion", row["what"])), row["description"]) if p)
