"""The register's sheets as rows: activities, purposes, categories, retention, recipients, transfers,
security measures and the per-activity fiches, laid out by the chosen layout."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.child import INVALID_TITLE_REGEX

from exports import stated
from exports.fields import FIELDS, Value
from exports.layouts import Gap, Layout, cells, gaps, is_required
from exports.view import View
from ropa.rules.model import as_date

REGISTER_SHEET = "ropa-register"
LISTS_SHEET = "ropa-lists"
CHUNK = 32_000  # a cell holds at most 32,767 characters
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DCE3EC")
WRAP = Alignment(wrap_text=True, vertical="top")
LIST_VOCABULARIES = ("data_category", "security_measure", "transfer_mechanism", "recipient_kind")
Cell = str | int | dt.date | None


@dataclass
class Sheet:
    """A table: headings, rows (generated lazily), widths, and which columns take a vocabulary list."""

    title: str
    headings: list[str]
    rows: Callable[[], Iterable[list[Cell]]]
    widths: list[int]
    lists: dict[int, str] = field(default_factory=dict)  # column index -> vocabulary
    checked: bool = True  # derived from the register alone: compared with it on import


def _join(values: list[Value], t: Any) -> Cell:
    """A field's values as one cell: a lone date stays a date; several values are lines of text."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return "\n".join([v.isoformat() if isinstance(v, dt.date) else v for v in values])


def _lines(values: Iterable[str]) -> Cell:
    text = "\n".join(v for v in values if v)
    return text or None


def _width(kind: str) -> int:
    return {"key": 14, "short": 22, "date": 12, "text": 48, "long": 64}[kind]


def _kind(field_id: str) -> str:
    return "date" if field_id in DATE_FIELDS else "key" if field_id == "key" else "text"


class Completeness:
    """The gaps of a layout, noted while the activity sheet computes each field's values (once)."""

    def __init__(self, layout: Layout, view: View) -> None:
        self.layout, self.view = layout, view
        self.found: list[Gap] = []
        self.complete = False  # every activity's row was computed

    def gaps(self) -> list[Gap]:
        return self.found if self.complete else gaps(self.layout, self.view)


def activity_sheet(layout: Layout, view: View, noted: Completeness | None = None) -> Sheet:
    t = view.t
    widths = [_width(_kind(c.field)) for c in layout.columns]
    headings = [layout.heading(c, t) for c in layout.columns]
    columns = [(c, FIELDS[c.field].get, h) for c, h in zip(layout.columns, headings, strict=True)]

    def rows() -> Iterator[list[Cell]]:
        found: list[Gap] = []
        not_recorded = t("not_recorded")  # the same words in every empty cell: looked up once
        for a in view.activities:
            row: list[Cell] = []
            for column, get, heading in columns:
                values = get(a, view)
                if not values:
                    if is_required(column, a):
                        found.append(Gap(a.key, a.name, column.field, heading))
                    row.append(not_recorded)
                else:
                    row.append(values[0] if len(values) == 1 else _join(values, t))
            yield row
        if noted is not None:
            noted.found, noted.complete = found, True

    return Sheet(t("sheet.activities"), headings, rows, widths)


DATE_FIELDS = {"created", "updated", "last_reviewed", "next_review_due"}


def fiche_sheets(layout: Layout, view: View) -> Iterator[Sheet]:
    """One sheet per activity, a heading and its value on each row (the CNIL fiche)."""
    t = view.t
    used: set[str] = set()
    for activity in view.activities:
        title = _sheet_title(activity.key, used)
        yield Sheet(
            title,
            [t("col.field"), t("col.value")],
            functools.partial(_fiche_rows, layout, activity, view),
            [_width("text"), _width("long")],
        )


def _fiche_rows(layout: Layout, activity: Any, view: View) -> Iterator[list[Cell]]:
    t = view.t
    return (
        [c.heading, _join(c.values, t) if c.values else t("not_recorded")]
        for c in cells(layout, activity, view)
    )


def _sheet_title(name: str, used: set[str]) -> str:
    base = INVALID_TITLE_REGEX.sub("-", name)[:28] or "sheet"
    title, n = base, 1
    while title.casefold() in used:
        n += 1
        title = f"{base[:25]}~{n}"
    used.add(title.casefold())
    return title


def purposes_sheet(view: View) -> Sheet:
    t = view.t

    def rows() -> Iterator[list[Cell]]:
        for a in view.activities:
            for p in a.purposes:
                yield [
                    a.key,
                    a.name,
                    p.description,
                    p.original,
                    _lines(t.term("legal_basis", b) for b in p.legal_bases),
                    p.legal_basis_note,
                    t.term("special_condition", p.special_condition) if p.special_condition else None,
                    p.legitimate_interest,
                    _lines([p.lia_reference or "", t.date(p.lia_date)]),
                    _lines(stated.national_basis(view, b) for b in p.national_bases),
                    p.uk_schedule1_condition,
                ]

    heads = [
        "col.key", "col.activity", "col.purpose", "col.original", "col.legal_bases",
        "col.legal_basis_note", "col.special_condition", "col.legitimate_interest", "col.lia",
        "field.national_bases", "field.uk_schedule1_condition",
    ]  # fmt: skip
    widths = [14, 30, 48, 48, 30, 48, 30, 48, 22, 48, 30]
    return Sheet(t("sheet.purposes"), [t(h) for h in heads], rows, widths)


def categories_sheet(view: View) -> Sheet:
    t = view.t

    def rows() -> Iterator[list[Cell]]:
        for a in view.activities:
            limits: dict[str, list[str]] = {}
            for label, limit in view.retention_by_category(a):
                limits.setdefault(label, []).append(limit)
            for use in a.data_categories:
                label = t.term("data_category", use.category)
                yield [
                    a.key,
                    a.name,
                    label,
                    t.yes_no(use.special),
                    t.yes_no(use.criminal),
                    t.yes_no(use.mandatory),
                    use.description,
                    _lines(limits.get(label, [])),
                    use.national_basis,
                ]

    heads = [
        "col.key", "col.activity", "col.category", "col.special", "col.criminal", "col.mandatory",
        "col.description", "col.retention", "field.national_basis",
    ]  # fmt: skip
    widths = [14, 30, 30, 12, 12, 12, 40, 48, 30]
    return Sheet(t("sheet.data_categories"), [t(h) for h in heads], rows, widths, {2: "data_category"})


def retention_sheet(view: View) -> Sheet:
    t = view.t

    def rows() -> Iterator[list[Cell]]:
        for r in view.retention.values():
            yield [
                r.key,
                r.name,
                _lines(t.term("data_category", c) for c in r.data_categories),
                t.enum("retention_kind", r.kind),
                r.duration,
                view.time_limit(r),
                r.legal_obligation,
                r.erasure_method,
                r.backups_note,
                r.policy_link,
                _lines(view.users_of("retention", r.key)),
            ]

    heads = [
        "col.key", "col.name", "col.data_categories", "col.retention_kind", "col.duration", "col.time_limit",
        "col.legal_obligation", "col.erasure_method", "col.backups", "col.policy_link", "col.activities",
    ]  # fmt: skip
    widths = [16, 30, 30, 18, 12, 40, 30, 30, 30, 30, 14]
    return Sheet(t("sheet.retention"), [t(h) for h in heads], rows, widths)


def recipients_sheet(view: View) -> Sheet:
    t = view.t

    def rows() -> Iterator[list[Cell]]:
        for r in view.recipients.values():
            yield [
                t("kind.recipient"),
                r.key,
                r.name,
                t.term("recipient_kind", r.kind),
                view.processors[r.processor].name if r.processor in view.processors else r.processor,
                t.country(r.country) or None,
                t.yes_no(r.in_third_country) or None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                _lines(view.users_of("recipients", r.key)),
            ]
        for p in view.processors.values():
            using = view.recipients_using_processor(p.key)
            users = [a for r in using for a in view.users_of("recipients", r)]
            yield [
                t("kind.processor"),
                p.key,
                p.name,
                _lines(t.term("service_kind", s) for s in p.service_kinds),
                p.legal_name,
                t.country(p.country) or None,
                None,
                _lines(t.country(c) for c in p.data_locations),
                _lines([p.contract.reference or "", p.contract.link or ""]) if p.contract else None,
                p.contract.signed_on if p.contract else None,
                view.dpf(p) or None,
                _lines(view.processors[s].name if s in view.processors else s for s in p.sub_processors),
                p.description,
                t.yes_no(p.planned),
                _lines(dict.fromkeys(users)),
            ]

    heads = [
        "col.record_type", "col.key", "col.name", "col.kind", "col.processor", "col.country",
        "col.third_country", "col.data_locations", "col.contract", "col.signed_on", "col.dpf",
        "col.sub_processors", "col.description", "field.planned", "col.activities",
    ]  # fmt: skip
    widths = [14, 16, 30, 30, 30, 16, 12, 20, 40, 12, 30, 30, 48, 16, 14]
    return Sheet(t("sheet.recipients"), [t(h) for h in heads], rows, widths)


def transfers_sheet(view: View) -> Sheet:
    t = view.t

    def rows() -> Iterator[list[Cell]]:
        for x in view.transfers.values():
            term = t.term_data("transfer_mechanism", x.mechanism)
            attrs = term.attributes if term else {}
            m = view.mechanism(x)
            yield [
                x.key,
                x.name,
                view.destination(x) or None,
                view.recipient(x.recipient) if x.recipient else None,
                m["label"],
                m["legal_act"] or None,
                m["citation"] or None,
                as_date(attrs.get("valid_from")),
                as_date(attrs.get("valid_to")),
                m["status"] or None,
                x.derogation,
                x.safeguards_documentation,
                x.signed_on,
                x.tia_reference,
                _lines(x.supplementary_measures),
                t.yes_no(x.conditional),
                x.description,
                x.mechanism_claimed,
                _lines(view.users_of("transfers", x.key)),
            ]

    heads = [
        "col.key", "col.name", "col.destination", "col.recipient", "col.mechanism", "col.legal_act",
        "col.article", "col.valid_from", "col.valid_to", "col.status", "col.derogation", "col.safeguards",
        "col.signed_on", "col.tia", "col.supplementary", "col.conditional", "col.description",
        "field.mechanism_claimed", "col.activities",
    ]  # fmt: skip
    widths = [16, 30, 20, 30, 40, 40, 10, 12, 12, 12, 30, 30, 12, 20, 30, 10, 48, 40, 14]
    return Sheet(t("sheet.transfers"), [t(h) for h in heads], rows, widths, {4: "transfer_mechanism"})


def security_sheet(view: View) -> Sheet:
    t = view.t

    def rows() -> Iterator[list[Cell]]:
        for a in view.activities:
            if a.security is None:
                continue
            for m in a.security.measures:
                yield [a.key, a.name, t.term("security_measure", m), None]
            if a.security.description:
                yield [a.key, a.name, None, a.security.description]

    heads = ["col.key", "col.activity", "col.measure", "col.description"]
    return Sheet(t("sheet.security"), [t(h) for h in heads], rows, [14, 30, 40, 64], {2: "security_measure"})
