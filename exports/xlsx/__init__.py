"""The Excel export: one sheet per section, streamed with openpyxl's write-only mode.

Every sheet has a frozen, filtered header row, set column widths and real dates; vocabulary columns
carry validation lists. Text that Excel could read as a formula is written as text. The register
itself rides along in the hidden sheet ``ropa-register`` (its SHA-256 in the document properties),
which is what ``ropa import register.xlsx`` reads back; the visible sheets are checked against it.
"""

from exports.xlsx.document_sheets import all_sheets, register_sheets
from exports.xlsx.sheets import CHUNK, LIST_VOCABULARIES, LISTS_SHEET, REGISTER_SHEET, Sheet
from exports.xlsx.writer import clean, render_xlsx

__all__ = [
    "CHUNK",
    "LISTS_SHEET",
    "LIST_VOCABULARIES",
    "REGISTER_SHEET",
    "Sheet",
    "all_sheets",
    "clean",
    "register_sheets",
    "render_xlsx",
]
