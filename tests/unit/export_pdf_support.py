"""Reading an export's PDF in tests: the elements of its structure tree."""

from __future__ import annotations

from typing import Any

from pypdf import PdfReader
from pypdf.generic import IndirectObject


def struct_elements(reader: PdfReader) -> list[Any]:
    """Every element of the structure tree once, in the order of a depth-first walk from its root."""
    root: Any = reader.trailer["/Root"]
    found, stack, seen = [], [root.raw_get("/StructTreeRoot")], set()
    while stack:
        reference = stack.pop()
        if not isinstance(reference, IndirectObject) or reference.idnum in seen:
            continue
        seen.add(reference.idnum)
        element: Any = reference.get_object()
        found.append(element)
        kids = element.raw_get("/K") if "/K" in element else None
        stack.extend(kids if isinstance(kids, list) else [kids])
    return found
