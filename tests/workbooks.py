"""Reading an exported workbook back as a regulator's spreadsheet program shows it."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook


def visible_text(workbook: bytes | Workbook) -> str:
    """Every non-empty cell of the visible sheets, one a line (hidden sheets carry the register file)."""
    wb = load_workbook(io.BytesIO(workbook)) if isinstance(workbook, bytes) else workbook
    return "\n".join(
        str(c)
        for ws in wb.worksheets
        if ws.sheet_state == "visible"
        for row in ws.iter_rows(values_only=True)
        for c in row
        if c is not None
    )
