"""The Excel export: one sheet per section, streamed with openpyxl's write-only mode.

Every sheet has a frozen, filtered header row, set column widths and real dates; vocabulary columns
carry validation lists. Text that Excel could read as a formula is written as text. The register
itself rides along in the hidden sheet ``ropa-register`` (its SHA-256 in the document properties),
which is what ``ropa import register.xlsx`` reads back; the visible sheets are checked against it.
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as OpenpyxlCell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.child import INVALID_TITLE_REGEX
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from exports.document import Document
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
        for a in view.activities:
            row = []
            for column, get, heading in columns:
                values = get(a, view)
                if not values and is_required(column, a):
                    found.append(Gap(a.key, a.name, column.field, heading))
                row.append(_join(values, t))
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
    return ([c.heading, _join(c.values, view.t)] for c in cells(layout, activity, view))


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
                ]

    heads = [
        "col.key", "col.activity", "col.purpose", "col.original", "col.legal_bases",
        "col.legal_basis_note", "col.special_condition", "col.legitimate_interest", "col.lia",
    ]  # fmt: skip
    return Sheet(t("sheet.purposes"), [t(h) for h in heads], rows, [14, 30, 48, 48, 30, 48, 30, 48, 22])


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
                ]

    heads = [
        "col.key", "col.activity", "col.category", "col.special", "col.criminal", "col.mandatory",
        "col.description", "col.retention",
    ]  # fmt: skip
    widths = [14, 30, 30, 12, 12, 12, 40, 48]
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
                _lines(dict.fromkeys(users)),
            ]

    heads = [
        "col.record_type", "col.key", "col.name", "col.kind", "col.processor", "col.country",
        "col.third_country", "col.data_locations", "col.contract", "col.signed_on", "col.dpf",
        "col.sub_processors", "col.activities",
    ]  # fmt: skip
    widths = [14, 16, 30, 30, 30, 16, 12, 20, 40, 12, 30, 30, 14]
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
                m["article"] or None,
                as_date(attrs.get("valid_from")),
                as_date(attrs.get("valid_to")),
                m["status"] or None,
                x.derogation,
                x.safeguards_documentation,
                x.signed_on,
                x.tia_reference,
                _lines(x.supplementary_measures),
                t.yes_no(x.conditional),
                _lines(view.users_of("transfers", x.key)),
            ]

    heads = [
        "col.key", "col.name", "col.destination", "col.recipient", "col.mechanism", "col.legal_act",
        "col.article", "col.valid_from", "col.valid_to", "col.status", "col.derogation", "col.safeguards",
        "col.signed_on", "col.tia", "col.supplementary", "conditional", "col.activities",
    ]  # fmt: skip
    widths = [16, 30, 20, 30, 40, 40, 10, 12, 12, 12, 30, 30, 12, 20, 30, 10, 14]
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


def entity_sheet(doc: Document) -> Sheet:
    t, e, m, view = doc.t, doc.entity, doc.meta, doc.view

    def rows() -> Iterator[list[Cell]]:
        yield [t("cover.processor" if e.role == "processor" else "cover.controller"), e.legal_name]
        if e.registration:
            yield [t("cover.registration"), f"{e.registration.scheme} {e.registration.number}"]
        yield [t("cover.address"), view.address(e.address) or None]
        yield [t("cover.email"), e.email]
        yield [t("cover.phone"), e.phone]
        dpo = e.dpo
        dpo_text = ", ".join(x for x in (dpo.name, dpo.email, dpo.phone) if x) if dpo else ""
        if not dpo_text and e.dpo_decision:
            dpo_text = f"{t.yes_no(e.dpo_decision.required)}: {e.dpo_decision.reason}"
        yield [t("cover.dpo"), dpo_text or None]
        yield [t("cover.representative"), view.contact(e.representative) or None]
        yield [t("cover.joint_controllers"), _lines(view.contact(j.contact) for j in e.joint_controllers)]
        a = e.supervisory_authority
        yield [t("cover.authority"), f"{a.name} ({t.country(a.country)})" if a else None]
        yield [t("cover.other_authorities"), _lines(o.name for o in e.other_authorities)]
        yield [t("cover.authority_case"), m.authority_case]
        yield [t("cover.export_id"), m.export_id]
        yield [t("cover.exported_at"), m.created_at.replace(tzinfo=None)]
        yield [t("cover.as_of"), m.state_time.replace(tzinfo=None)]
        yield [t("cover.status"), t("draft.explained") if doc.is_draft else t("approved.explained")]
        yield [t("cover.layout"), doc.layout.name(t)]
        yield [t("cover.activities"), len(view.activities)]
        yield [t("cover.security_statement"), e.security_statement]
        yield [
            t("cover.checkpoint"),
            t(
                "cover.checkpoint_explained",
                last=m.checkpoint_size - 1,
                size=m.checkpoint_size,
                root=m.checkpoint_root,
                state=m.state_sha256,
            ),
        ]

    return Sheet(t("sheet.entity"), [t("col.field"), t("col.value")], rows, [34, 90], checked=False)


def findings_sheet(doc: Document) -> Sheet:
    t, lang = doc.t, doc.meta.lang

    def rows() -> Iterator[list[Cell]]:
        for out in doc.iter_findings():  # never all held: a large register has many
            f = out.finding
            yield [
                t.enum("severity", f.severity),
                f.rule_id,
                f.article,
                t.enum("kind", f.record_kind),
                f.record_key,
                f.field,
                f.message[lang],
                f.remediation[lang],
                t.enum("finding_status", out.status),
                out.acceptance.expires_on if out.acceptance else None,
                out.acceptance.reason if out.acceptance else None,
            ]

    heads = [
        "col.severity", "col.rule", "col.article", "col.record_type", "col.key", "col.field", "col.message",
        "col.remediation", "col.status", "col.accepted_until", "col.reason",
    ]  # fmt: skip
    widths = [12, 30, 16, 18, 16, 20, 60, 60, 14, 12, 40]
    return Sheet(t("sheet.findings"), [t(h) for h in heads], rows, widths, checked=False)


def changes_sheet(doc: Document) -> Sheet:
    t, m = doc.t, doc.meta

    def rows() -> Iterator[list[Cell]]:
        if doc.changes is None:
            yield [t("annex.changes.first"), None, None, None, None]
            return
        base = m.baseline or {}
        since = t(
            "annex.changes.since", export=base["export_id"], date=base["created_at"], as_of=base["state_time"]
        )
        yield [since, None, None, None, None]
        for c in doc.changes:
            change = t.enum("change", c.change)
            yield [t.enum("kind", c.kind), c.key, c.name, change, ", ".join(c.fields) or None]

    heads = ["col.kind", "col.key", "col.name", "col.change", "col.fields"]
    return Sheet(t("sheet.changes"), [t(h) for h in heads], rows, [30, 16, 40, 14, 60], checked=False)


def completeness_sheet(doc: Document, noted: Completeness | None = None) -> Sheet:
    t = doc.t
    heads = ["col.key", "col.activity", "col.required_by"]
    found = noted.gaps if noted is not None else lambda: doc.gaps
    return Sheet(
        t("sheet.completeness"),
        [t(h) for h in heads],
        lambda: ([g.activity_key, g.activity_name, g.heading] for g in found()),
        [14, 40, 60],
        checked=False,
    )


def register_sheets(layout: Layout, view: View, noted: Completeness | None = None) -> list[Sheet]:
    """The sheets derived from the register alone, in workbook order."""
    sheets = [
        activity_sheet(layout, view, noted),
        purposes_sheet(view),
        categories_sheet(view),
        retention_sheet(view),
        recipients_sheet(view),
        transfers_sheet(view),
        security_sheet(view),
    ]
    if layout.style == "fiche":
        sheets += list(fiche_sheets(layout, view))
    return sheets


def all_sheets(doc: Document) -> list[Sheet]:
    # The completeness sheet comes after the activities and lists the gaps their rows noted.
    noted = Completeness(doc.layout, doc.view)
    sheets = register_sheets(doc.layout, doc.view, noted)
    fiches = sheets[7:]
    return [
        entity_sheet(doc),
        *sheets[:7],
        findings_sheet(doc),
        changes_sheet(doc),
        completeness_sheet(doc, noted),
        *fiches,
    ]


def clean(value: Cell) -> Cell:
    """What the workbook holds for a value: text without the control characters XML cannot carry."""
    if isinstance(value, str) and not value.isprintable():  # printable text has no control characters
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


class _FixedTimeZip(zipfile.ZipFile):
    """A ZIP whose entries all carry one timestamp, so the same export gives the same bytes."""

    def __init__(self, file: Any, moment: dt.datetime) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._stamp = moment.timetuple()[:6]

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        with open(filename, "rb") as source, self.open(self._info(arcname or filename), "w") as target:
            shutil.copyfileobj(source, target, 1024 * 1024)


def _cells(ws: Any, row: list[Cell], wrapped: StyleArray) -> list[Any]:
    """A row's values as written: text cleaned; formula-like text stays text; multi-line text wraps.

    Most values are numbers, dates or printable one-line text that is no formula: written as they are.
    """
    return [
        _text(ws, v, wrapped) if isinstance(v, str) and (v[:1] == "=" or not v.isprintable()) else v
        for v in row
    ]


def _text(ws: Any, value: str, wrapped: StyleArray) -> Any:
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("=") or "\n" in value:
        cell = OpenpyxlCell(ws, row=1, column=1, value=value, style_array=wrapped if "\n" in value else None)
        cell.data_type = "s"  # never a formula, whatever it starts with
        return cell
    return value


def _wrapped_style(ws: Any) -> StyleArray:
    """The style of a wrapping cell, registered with the workbook once rather than cell by cell."""
    probe = WriteOnlyCell(ws)
    probe.alignment = WRAP
    return probe._style


def _write_sheet(wb: Workbook, sheet: Sheet, list_ranges: dict[str, str]) -> int:
    ws = wb.create_sheet(sheet.title[:31])
    for index, width in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    header = []
    for heading in sheet.headings:
        cell = WriteOnlyCell(ws, clean(heading))
        cell.data_type = "s"
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
        header.append(cell)
    ws.append(header)
    wrapped = _wrapped_style(ws)
    count = 0
    for row in sheet.rows():
        ws.append(_cells(ws, row, wrapped))
        count += 1
    last = get_column_letter(len(sheet.headings))
    ws.auto_filter.ref = f"A1:{last}{count + 1}"
    for column, vocabulary in sheet.lists.items():
        if vocabulary in list_ranges:
            dv = DataValidation(type="list", formula1=list_ranges[vocabulary], allow_blank=True)
            dv.error, dv.errorTitle = "Choose a term of the list", vocabulary
            letter = get_column_letter(column + 1)
            dv.add(f"{letter}2:{letter}{max(count + 1, 2) + 1000}")
            ws.data_validations.append(dv)
    return count


def _register_rows(pieces: Iterable[bytes]) -> Iterator[str]:
    """The register file as text cells of CHUNK characters (the last one shorter), piece by piece."""
    text = ""
    for piece in pieces:
        text += piece.decode()
        while len(text) >= CHUNK:
            yield text[:CHUNK]
            text = text[CHUNK:]
    if text:
        yield text


def render_xlsx(doc: Document, progress: Callable[[str, float], None]) -> bytes:
    t, m = doc.t, doc.meta
    wb = Workbook(write_only=True)
    props = wb.properties
    props.title = f"{doc.title} – {doc.entity.legal_name}"
    props.subject = t("basis.processor" if doc.entity.role == "processor" else "basis.controller")
    props.creator = doc.entity.legal_name
    props.lastModifiedBy = "ropa"
    props.identifier = m.export_id
    props.keywords = f"GDPR, Article 30, {doc.entity.key}, {m.export_id}"
    props.language = m.lang
    props.category = doc.layout.id
    props.description = f"{t('cover.export_id')} {m.export_id}; {t('cover.as_of')} {m.state_time.isoformat()}"
    props.created = props.modified = m.created_at.replace(tzinfo=None)
    for name, value in (
        ("ropa:export_id", m.export_id),
        ("ropa:layout", m.layout),
        ("ropa:lang", m.lang),
        ("ropa:state_sha256", m.state_sha256),
        ("ropa:state_time", m.state_time.isoformat()),
        ("ropa:checkpoint", f"{m.checkpoint_size} {m.checkpoint_root}"),
    ):
        wb.custom_doc_props.append(StringProperty(name=name, value=value))

    lists = wb.create_sheet(LISTS_SHEET)
    columns = [t.vocabulary(v) for v in LIST_VOCABULARIES]
    list_ranges = {}
    for i, (vocabulary, labels) in enumerate(zip(LIST_VOCABULARIES, columns, strict=True)):
        letter = get_column_letter(i + 1)
        if labels:
            list_ranges[vocabulary] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(labels)}"
    for i in range(max((len(c) for c in columns), default=0)):
        lists.append([c[i] if i < len(c) else None for c in columns])
    lists.sheet_state = "hidden"

    sheets = all_sheets(doc)
    for n, sheet in enumerate(sheets):
        progress(f"sheet {sheet.title}", 0.1 + 0.8 * n / len(sheets))
        _write_sheet(wb, sheet, list_ranges)
    register = wb.create_sheet(REGISTER_SHEET)
    for text in _register_rows(doc.register_pieces()):
        cell = WriteOnlyCell(register, text)
        cell.data_type = "s"
        register.append([cell])
    register.sheet_state = "hidden"
    # The sheets in reading order: the data first, the machine-readable sheets last.
    wb._sheets = [s for s in wb._sheets if s.title not in (LISTS_SHEET, REGISTER_SHEET)] + [lists, register]
    progress("write", 0.9)
    with tempfile.TemporaryFile() as out:  # read back once: no growing buffer beside the file's bytes
        archive = _FixedTimeZip(out, m.created_at)
        ExcelWriter(wb, archive).save()
        out.seek(0)
        return out.read()


__all__ = ["FIELDS", "register_sheets", "render_xlsx", "REGISTER_SHEET"]
