"""Read an exported workbook back: the register from its hidden sheet, checked against what is shown.

The visible sheets are a rendering; the register file in ``ropa-register`` is the data. A workbook
whose register does not match the SHA-256 its export recorded, or whose visible register sheets
were edited after the export, is refused with the sheet and cell named: edits belong in the
register, not in an export of it.

A workbook is a ZIP of XML parts, and a few megabytes of ZIP can declare gigabytes of XML. Before
openpyxl opens one, every part is checked against the caps below and read through once, so a
part that holds more than it declares, or XML with a DTD or entities, is refused by name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from typing import Any, NoReturn
from xml.parsers import expat

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from exports.document import INCLUDES
from exports.i18n import Texts
from exports.layouts import layouts
from exports.localize import localized
from exports.view import View
from exports.xlsx import REGISTER_SHEET, clean, register_sheets
from exports.xlsx.writer import unique_headings
from ropa.errors import DomainError, Invalid
from ropa.i18n import EXPORT_LANGUAGES
from ropa.porting.schemas import RegisterFile
from ropa.porting.services import decode

# Columns whose values come from the database's record times, not from the register file.
UNCHECKED_FIELDS = {"created", "updated"}

# An export of 5,000 activities holds about 60 MB of XML, its largest part about 20 MB; a CNIL
# ("fiche") workbook holds a sheet, so a part, per activity. Excel's parts compress 2 to 10 times.
MAX_PARTS = 20_000
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, for parts over RATIO_FROM bytes
RATIO_FROM = 1024 * 1024
READ_CHUNK = 1024 * 1024
XML_PARTS = (".xml", ".rels", ".vml")
# What openpyxl and the zip and XML parsers under it raise for a damaged or foreign workbook.
UNREADABLE = (
    zipfile.BadZipFile,
    InvalidFileException,
    KeyError,
    IndexError,
    ValueError,  # also defusedxml's refusals and UnicodeDecodeError
    TypeError,  # openpyxl's descriptors, given an attribute of the wrong kind
    SyntaxError,  # xml.etree.ElementTree.ParseError
    EOFError,
    OSError,
    NotImplementedError,  # a compression method zipfile lacks
    RuntimeError,  # an encrypted part
)


def _refuse(part: str, reason: str) -> NoReturn:
    raise Invalid.of([(part, reason)])


def check_package(data: bytes) -> None:
    """Refuse a workbook whose parts exceed the caps, lie about their size, or are not plain XML."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        _refuse("file", "not an Excel workbook (not a ZIP package)")
    with package:
        parts = package.infolist()
        if len(parts) > MAX_PARTS:
            _refuse("file", f"holds {len(parts):,} parts; a workbook may hold at most {MAX_PARTS:,}")
        total = 0
        for part in parts:
            if part.file_size > MAX_PART_BYTES:
                _refuse(
                    part.filename, f"declares {part.file_size:,} bytes; a part may hold {MAX_PART_BYTES:,}"
                )
            ratio = part.file_size / max(part.compress_size, 1)
            if part.file_size > RATIO_FROM and ratio > MAX_RATIO:
                _refuse(part.filename, f"expands {ratio:,.0f} times; a part may expand {MAX_RATIO} times")
            total += part.file_size
        if total > MAX_TOTAL_BYTES:
            _refuse("file", f"declares {total:,} bytes in all; a workbook may hold {MAX_TOTAL_BYTES:,}")
        for part in parts:
            _read_part(package, part)


def _forbid_dtd(*_: Any) -> None:
    raise ValueError("holds a DTD or an entity declaration, which workbooks never need")


def _read_part(package: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
    """Read one part through, bounded: zipfile stops at the declared size and checks the CRC there."""
    parser = None
    if part.filename.lower().endswith(XML_PARTS):
        parser = expat.ParserCreate()
        parser.StartDoctypeDeclHandler = _forbid_dtd
        parser.EntityDeclHandler = _forbid_dtd
    read = 0
    try:
        with package.open(part) as stream:
            while chunk := stream.read(READ_CHUNK):
                read += len(chunk)
                if read > MAX_PART_BYTES:  # never past the declared size, itself under the cap
                    _refuse(part.filename, f"holds more than {MAX_PART_BYTES:,} bytes")
                if parser is not None:
                    parser.Parse(chunk, False)
        if parser is not None:
            parser.Parse(b"", True)
    except expat.ExpatError as exc:
        _refuse(part.filename, f"is not well-formed XML (line {exc.lineno}: {expat.ErrorString(exc.code)})")
    except ValueError as exc:
        _refuse(part.filename, str(exc))
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
        reason = "does not hold what it declares" if "CRC" in str(exc) else "cannot be read"
        _refuse(part.filename, f"{reason} ({type(exc).__name__})")


def _same(shown: Any, expected: Any, t: Texts) -> bool:
    is_date = isinstance(expected, dt.date) and not isinstance(expected, dt.datetime)
    if isinstance(shown, dt.datetime) and is_date:
        return shown.date() == expected and shown.time() == dt.time()
    expected = clean(expected, t)  # text as the cell holds it (a text of control characters: empty)
    if shown in (None, "") and expected in (None, ""):
        return True
    return bool(shown == expected)


def read_workbook(data: bytes) -> RegisterFile:
    """The register an exported workbook carries, refused (422) unless the workbook is intact."""
    check_package(data)
    try:
        return _read(data)
    except DomainError:
        raise
    except KeyError as exc:  # zipfile's "There is no item named '...' in the archive"
        raise Invalid.of(
            [("file", f"not a readable Excel workbook: {exc.args[0] if exc.args else exc}")]
        ) from None
    except UNREADABLE as exc:
        raise Invalid.of([("file", f"not a readable Excel workbook ({type(exc).__name__})")]) from None


def _read(data: bytes) -> RegisterFile:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    try:
        if REGISTER_SHEET not in wb.sheetnames:
            raise Invalid.of([("file", f"not a ropa export: the workbook has no '{REGISTER_SHEET}' sheet")])
        props = {p.name: p.value for p in wb.custom_doc_props}
        text = "".join(str(row[0] or "") for row in wb[REGISTER_SHEET].iter_rows(values_only=True) if row)
        raw = text.encode()
        if hashlib.sha256(raw).hexdigest() != props.get("ropa:state_sha256"):
            reason = "does not match the SHA-256 the export recorded: it was altered"
            raise Invalid.of([(REGISTER_SHEET, reason)])
        register = decode(raw, yaml=False)
        include = str(props.get("ropa:include") or "").split()
        _check_shown(wb, register, str(props.get("ropa:layout")), str(props.get("ropa:lang")), include)
        return register
    finally:
        wb.close()


def _check_shown(wb: Any, register: RegisterFile, layout_id: str, lang: str, include: list[str]) -> None:
    if layout_id not in layouts() or lang not in EXPORT_LANGUAGES or len(register.entities) != 1:
        raise Invalid.of([("file", "the workbook's export properties (layout, language) are missing")])
    layout = layouts()[layout_id]
    layout = layout.shown(INCLUDES if layout.internal else include)
    view = localized(View(register.entities[0], Texts(lang, list(register.vocabularies))))
    skip = {i for i, c in enumerate(layout.columns) if c.field in UNCHECKED_FIELDS}
    skipped_headings = {layout.heading(c, view.t) for c in layout.columns if c.field in UNCHECKED_FIELDS}
    for n, sheet in enumerate(register_sheets(layout, view)):
        if not sheet.checked or (sheet.title not in wb.sheetnames and not list(sheet.rows())):
            continue  # a sheet with nothing to show may be absent: workbooks older than the sheet
        if sheet.title not in wb.sheetnames:
            raise Invalid.of([(sheet.title, "the sheet is missing")])
        shown = wb[sheet.title].iter_rows(values_only=True)
        expected_rows: list[list[Any]] = [unique_headings(list(sheet.headings)), *sheet.rows()]
        count = 0
        for r, (row, expected) in enumerate(zip(shown, expected_rows, strict=False), start=1):
            count += 1
            row = list(row) + [None] * (len(expected) - len(row))
            for c, value in enumerate(expected):
                if n == 0 and c in skip and r > 1:
                    continue  # record times
                if len(expected) == 2 and r > 1 and expected[0] in skipped_headings:
                    continue  # the same, on a fiche sheet
                if not _same(row[c], value, view.t):
                    where = f"{sheet.title}!{get_column_letter(c + 1)}{r}"
                    reason = "differs from the register the export carries; edit the register"
                    raise Invalid.of([(where, reason)])
        if count != len(expected_rows):
            raise Invalid.of([(sheet.title, f"has {count} rows where the export wrote {len(expected_rows)}")])
