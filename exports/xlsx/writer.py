"""Writing the sheets with openpyxl's write-only mode, streaming the register into its hidden sheet,
with fixed zip times so the same state gives the same bytes."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell as OpenpyxlCell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from exports.document import Document
from exports.fields import FIELDS
from exports.xlsx.document_sheets import all_sheets, register_sheets
from exports.xlsx.sheets import (
    CHUNK,
    HEADER_FILL,
    HEADER_FONT,
    LIST_VOCABULARIES,
    LISTS_SHEET,
    REGISTER_SHEET,
    WRAP,
    Cell,
    Sheet,
)

# What XML 1.0 cannot carry: control characters (openpyxl's ILLEGAL_CHARACTERS_RE), surrogates
# (which no register text holds: its JSON refuses them), U+FFFE and U+FFFF.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
TEXT_LIMIT = 32_767  # Excel's limit on a cell's characters (UTF-16 code units)


def clean(value: Cell, t: Callable[..., str]) -> Cell:
    """What the workbook holds for a value: ``cell_text`` of a text, any other value as it is."""
    return cell_text(value, t) if isinstance(value, str) else value


def cell_text(value: str, t: Callable[..., str]) -> str:
    """What a cell holds for a text: the text with its line breaks as "\\n" (a browser's form sends
    "\\r\\n", which XML would read back as "\\n"), without the control characters XML cannot
    carry, and no longer than a cell holds. A longer text (several long values of one field, one per
    line) is cut with a note, in the export's language, of how many characters the cell does not
    show: never silently; the import compares the cell with the same note."""
    if not value.isprintable():  # printable text has no control characters
        value = XML_ILLEGAL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if len(value) > TEXT_LIMIT // 2 and _units(value) > TEXT_LIMIT:
        # The note's count has at most as many digits as the whole text's length.
        budget = TEXT_LIMIT - len(t("xlsx.shortened", count=len(value)))
        kept = budget
        while (over := _units(value[:kept]) - budget) > 0:  # a character beyond U+FFFF takes two
            kept -= over
        value = value[:kept] + t("xlsx.shortened", count=len(value) - kept)
    return value


def _units(value: str) -> int:
    """The length of ``value`` as Excel counts it: in UTF-16 code units."""
    return len(value.encode("utf-16-le", "surrogatepass")) // 2


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


class _Sheet(WriteOnlyWorksheet):  # type: ignore[misc]  # openpyxl has no type hints
    """A write-only sheet of register values, each checked once, here, on its way into a cell.

    openpyxl's own row conversion (``WriteOnlyWorksheet._values_to_row``) checks every text with
    a regular expression, and raises and catches an exception (formatting the cell's repr) for
    every cell made beforehand, i.e. for every multi-line value. This one writes the same cells:
    text without control characters (printable, which nothing of ``XML_ILLEGAL`` is) and
    not starting with "=" as it is; any other text as ``cell_text`` makes it, never a formula or an error
    value ("#N/A" in the register is text), wrapped when it has several lines; numbers and dates as
    openpyxl types them. A register of 10,000 activities has 800,000 values (docs/benchmarks.md, 8e).
    """

    def __init__(self, parent: Workbook, title: str, t: Callable[..., str]) -> None:
        super().__init__(parent, title)
        self._wrapped, self._t = _wrapped_style(self), t

    def _values_to_row(self, values: Iterable[Any], row_idx: int) -> Iterator[OpenpyxlCell]:
        plain = WriteOnlyCell(self)
        for column, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, str):
                # At most TEXT_LIMIT // 2 characters are within the limit, whatever they are.
                if value.isprintable() and value[:1] != "=" and len(value) <= TEXT_LIMIT // 2:
                    plain._value, plain.data_type = value, "s"
                    cell = plain
                else:
                    cell = self._text(value)
            elif isinstance(value, OpenpyxlCell):  # a heading, styled already
                cell = value
            else:
                plain.value = value
                cell = plain
            cell.row, cell.column = row_idx, column
            yield cell
            if cell is plain and plain.has_style:  # a date's number format: the next value starts afresh
                plain = WriteOnlyCell(self)

    def _text(self, value: str) -> OpenpyxlCell:
        value = cell_text(value, self._t)
        return _text_cell(self, value, self._wrapped if "\n" in value else None)


def _text_cell(ws: Any, value: str, style: StyleArray | None) -> OpenpyxlCell:
    """A cell that holds ``value`` (cleaned already) as text, never as a formula, in ``style``.

    What ``Cell(ws, value=value, style_array=style)`` then ``data_type = "s"`` makes, made without
    its checks, which the value has passed already (``cell_text``: control characters removed, no longer
    than a cell holds), nor its copy of the style: the cells of a sheet share the one
    array, which nothing changes once the cell is made. A register of 10,000 activities has 100,000
    such cells (every multi-line value): made this way they take a tenth of the time
    (docs/benchmarks.md, 8e)."""
    cell: OpenpyxlCell = OpenpyxlCell.__new__(OpenpyxlCell)
    cell.parent, cell._style = ws, style
    cell.row = cell.column = 1  # _values_to_row places it
    cell._value, cell.data_type = value, "s"
    cell._hyperlink = cell._comment = None
    return cell


def _wrapped_style(ws: Any) -> StyleArray:
    """The style of a wrapping cell, registered with the workbook once rather than cell by cell."""
    probe = WriteOnlyCell(ws)
    probe.alignment = WRAP
    return probe._style


def _new_sheet(wb: Workbook, title: str, t: Callable[..., str]) -> _Sheet:
    ws = _Sheet(wb, title, t)
    wb._add_sheet(ws)
    return ws


def _write_sheet(wb: Workbook, sheet: Sheet, list_ranges: dict[str, str], t: Any) -> int:
    ws = _new_sheet(wb, sheet.title[:31], t)
    for index, width in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    # Printed landscape, fitted to the page's width, the header row repeated on every page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    header = []
    for heading in unique_headings(sheet.headings):
        cell = WriteOnlyCell(ws, clean(heading, t))
        cell.data_type = "s"
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
        header.append(cell)
    ws.append(header)
    count = 0
    for row in sheet.rows():
        ws.append(row)
        count += 1
    last = get_column_letter(len(sheet.headings))
    ws.auto_filter.ref = f"A1:{last}{count + 1}"
    for column, vocabulary in sheet.lists.items():
        if vocabulary in list_ranges:
            dv = DataValidation(type="list", formula1=list_ranges[vocabulary], allow_blank=True)
            dv.error, dv.errorTitle = t("list.error"), t("list.error_title")
            letter = get_column_letter(column + 1)
            dv.add(f"{letter}2:{letter}{max(count + 1, 2) + 1000}")
            ws.data_validations.append(dv)
    return count


def unique_headings(headings: list[str]) -> list[str]:
    """The headings, a repeated one numbered ("Status (2)"): a filter or an import tells them apart."""
    seen: dict[str, int] = {}
    out = []
    for heading in headings:
        n = seen[heading.casefold()] = seen.get(heading.casefold(), 0) + 1
        out.append(heading if n == 1 else f"{heading} ({n})")
    return out


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
    props.subject = doc.layout.basis(t, doc.entity.role, doc.entity)
    props.creator = doc.entity.legal_name
    props.lastModifiedBy = "ropa"
    props.identifier = m.export_id
    props.keywords = f"{t('meta.keywords')}, {doc.entity.key}, {m.export_id}"
    props.language = m.lang
    props.category = doc.layout.id
    state_time = m.state_time.astimezone(dt.UTC).replace(microsecond=0).isoformat()
    props.description = f"{t('cover.export_id')} {m.export_id}; {t('cover.as_of')} {state_time}"
    props.created = props.modified = m.created_at.replace(tzinfo=None)
    for name, value in (
        ("ropa:export_id", m.export_id),
        ("ropa:layout", m.layout),
        ("ropa:lang", m.lang),
        ("ropa:state_sha256", m.state_sha256),
        ("ropa:state_time", state_time),
        ("ropa:purpose", m.purpose),
        ("ropa:include", " ".join(m.include)),
        ("ropa:checkpoint", f"{m.checkpoint_size} {m.checkpoint_root}"),
    ):
        wb.custom_doc_props.append(StringProperty(name=name, value=value))

    lists = _new_sheet(wb, LISTS_SHEET, t)
    columns = [t.vocabulary(v) for v in LIST_VOCABULARIES]
    list_ranges = {}
    for i, (vocabulary, labels) in enumerate(zip(LIST_VOCABULARIES, columns, strict=True)):
        letter = get_column_letter(i + 1)
        if labels:
            list_ranges[vocabulary] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(labels)}"
    for i in range(max((len(c) for c in columns), default=0)):
        # Vocabulary labels are register text too (a custom term's): a label "=..." stays text.
        lists.append([c[i] if i < len(c) else None for c in columns])
    lists.sheet_state = "hidden"

    sheets = all_sheets(doc)
    for n, sheet in enumerate(sheets):
        progress(f"sheet {sheet.title}", 0.1 + 0.8 * n / len(sheets))
        _write_sheet(wb, sheet, list_ranges, t)
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
