"""Read an exported workbook back: the register from its hidden sheet, checked against what is shown.

The visible sheets are a rendering; the register file in ``ropa-register`` is the data. A workbook
whose register does not match the SHA-256 its export recorded, or whose visible register sheets
were edited after the export, is refused with the sheet and cell named: edits belong in the
register, not in an export of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from exports.i18n import LANGUAGES, Texts
from exports.layouts import layouts
from exports.view import View
from exports.xlsx import REGISTER_SHEET, clean, register_sheets
from ropa.errors import Invalid
from ropa.porting.schemas import RegisterFile
from ropa.porting.services import decode

# Columns whose values come from the database's record times, not from the register file.
UNCHECKED_FIELDS = {"created", "updated"}


def _same(shown: Any, expected: Any) -> bool:
    is_date = isinstance(expected, dt.date) and not isinstance(expected, dt.datetime)
    if isinstance(shown, dt.datetime) and is_date:
        return shown.date() == expected and shown.time() == dt.time()
    if shown in (None, "") and expected in (None, ""):
        return True
    return bool(shown == clean(expected))


def read_workbook(data: bytes) -> RegisterFile:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise Invalid.of([("file", f"not an Excel workbook ({type(exc).__name__})")]) from None
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
        _check_shown(wb, register, str(props.get("ropa:layout")), str(props.get("ropa:lang")))
        return register
    finally:
        wb.close()


def _check_shown(wb: Any, register: RegisterFile, layout_id: str, lang: str) -> None:
    if layout_id not in layouts() or lang not in LANGUAGES or len(register.entities) != 1:
        raise Invalid.of([("file", "the workbook's export properties (layout, language) are missing")])
    layout = layouts()[layout_id]
    view = View(register.entities[0], Texts(lang, list(register.vocabularies)))
    skip = {i for i, c in enumerate(layout.columns) if c.field in UNCHECKED_FIELDS}
    skipped_headings = {layout.heading(c, view.t) for c in layout.columns if c.field in UNCHECKED_FIELDS}
    for n, sheet in enumerate(register_sheets(layout, view)):
        if sheet.title not in wb.sheetnames:
            raise Invalid.of([(sheet.title, "the sheet is missing")])
        shown = wb[sheet.title].iter_rows(values_only=True)
        expected_rows: list[list[Any]] = [list(sheet.headings), *sheet.rows()]
        count = 0
        for r, (row, expected) in enumerate(zip(shown, expected_rows, strict=False), start=1):
            count += 1
            row = list(row) + [None] * (len(expected) - len(row))
            for c, value in enumerate(expected):
                if n == 0 and c in skip and r > 1:
                    continue  # record times
                if len(expected) == 2 and r > 1 and expected[0] in skipped_headings:
                    continue  # the same, on a fiche sheet
                if not _same(row[c], value):
                    where = f"{sheet.title}!{get_column_letter(c + 1)}{r}"
                    reason = "differs from the register the export carries; edit the register"
                    raise Invalid.of([(where, reason)])
        if count != len(expected_rows):
            raise Invalid.of([(sheet.title, f"has {count} rows where the export wrote {len(expected_rows)}")])
