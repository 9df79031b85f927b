"""A workbook's cells, read within bounds: values only, formulas kept as their text, never evaluated.

The package itself (its parts' sizes, compression ratios, DTDs) is checked before this reads it,
by ``exports.read_xlsx.check_package`` (the caller's job: exports sits above porting). Here the
cells are capped: sheets, rows and columns per sheet, cells and characters in all, so a workbook
that declares a modest size but a million rows is refused by name before it is all in memory.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ropa.errors import Invalid

MAX_SHEETS = 2_000  # the CNIL model holds a sheet per activity
MAX_ROWS = 10_000  # per sheet
MAX_COLUMNS = 200
MAX_CELLS = 2_000_000  # non-empty cells in all
MAX_CHARS = 64 * 1024 * 1024  # characters of text in all
MAX_CELL_CHARS = 32_767  # Excel's own limit on a cell

UNREADABLE = (
    zipfile.BadZipFile,
    InvalidFileException,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    SyntaxError,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
)


@dataclass(frozen=True)
class Cell:
    value: str | float | int | bool | dt.date | None
    formula: bool = False


@dataclass(frozen=True)
class Sheet:
    title: str
    rows: list[list[Cell]]  # row 1 is rows[0]; trailing empty rows and cells dropped


def sheet_names(data: bytes) -> list[str]:
    wb = _open(data)
    try:
        names: list[str] = list(wb.sheetnames)
    finally:
        wb.close()
    return names


def read_sheets(data: bytes, wanted: list[str] | None = None) -> list[Sheet]:
    """The sheets (all, or those named in ``wanted``), within the caps; refused (422) past them."""
    wb = _open(data)
    try:
        names = wb.sheetnames
        if len(names) > MAX_SHEETS:
            _refuse("file", f"holds {len(names):,} sheets; a template may hold at most {MAX_SHEETS:,}")
        budget = _Budget()
        return [_read_sheet(wb[name], budget) for name in names if wanted is None or name in wanted]
    except Invalid:
        raise
    except UNREADABLE as exc:
        raise Invalid.of([("file", f"not a readable Excel workbook ({type(exc).__name__})")]) from None
    finally:
        wb.close()


class _Budget:
    def __init__(self) -> None:
        self.cells = 0
        self.chars = 0

    def spend(self, title: str, text: str) -> None:
        self.cells += 1
        self.chars += len(text)
        if self.cells > MAX_CELLS:
            _refuse("file", f"holds more than {MAX_CELLS:,} filled cells, the most a template may hold")
        if self.chars > MAX_CHARS:
            _refuse("file", f"holds more than {MAX_CHARS:,} characters of text, the most a template may hold")
        if len(text) > MAX_CELL_CHARS:
            _refuse(title, f"a cell holds {len(text):,} characters; Excel allows {MAX_CELL_CHARS:,}")


def _read_sheet(ws: Any, budget: _Budget) -> Sheet:
    rows: list[list[Cell]] = []
    for number, raw in enumerate(ws.iter_rows(), start=1):
        if number > MAX_ROWS:
            _refuse(ws.title, f"has more than {MAX_ROWS:,} rows, the most a template sheet may hold")
        row: list[Cell] = []
        for index, cell in enumerate(raw):
            value = getattr(cell, "value", None)
            if value is None or value == "":
                row.append(Cell(None))
                continue
            if index >= MAX_COLUMNS:
                _refuse(ws.title, f"has a value past column {MAX_COLUMNS}, the most a template may use")
            budget.spend(ws.title, str(value))
            formula = getattr(cell, "data_type", None) == "f" or (
                isinstance(value, str) and value.startswith("=")
            )
            row.append(Cell(_plain(value), formula))
        while row and row[-1].value is None:
            row.pop()
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    return Sheet(ws.title, rows)


def _plain(value: Any) -> str | float | int | bool | dt.date | None:
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()  # a date typed into a cell: Excel stores it as midnight
    if isinstance(value, str | float | int | bool | dt.date):
        return value
    return str(value)  # a formula object of openpyxl's, kept as its text


def _open(data: bytes) -> Any:
    try:
        # read_only streams the sheets; data_only=False keeps a formula's text and never a cached
        # result a spreadsheet program computed, so nothing in the file is evaluated or trusted.
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except UNREADABLE as exc:
        raise Invalid.of([("file", f"not a readable Excel workbook ({type(exc).__name__})")]) from None


def _refuse(where: str, reason: str) -> Any:
    raise Invalid.of([(where, reason)])
