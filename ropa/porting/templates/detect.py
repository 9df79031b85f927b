"""Which template a workbook is: the one whose headings, as published, its header rows hold."""

from __future__ import annotations

from dataclasses import dataclass

from ropa.porting.templates import cnil, datatilsynet_dk, datatilsynet_no, ico
from ropa.porting.templates.spec import Template, norm
from ropa.porting.templates.workbook import Sheet

TEMPLATES: tuple[Template, ...] = (
    ico.CONTROLLER,
    ico.PROCESSOR,
    datatilsynet_no.CONTROLLER,
    datatilsynet_no.PROCESSOR,
    datatilsynet_dk.CONTROLLER,
    cnil.MODEL,
)
HEADER_ROWS = 30  # the heading row of a table template is among the first rows
MIN_SHARE = 0.5  # of a template's headings a workbook must hold to be taken for it
# A fiche answers only the rows that apply to its activity (the checklists are long).
MIN_FICHE_SHARE = 0.2


@dataclass(frozen=True)
class Found:
    template: Template
    sheet: Sheet | None  # the table's sheet (table style)
    heading_row: int  # 1-based (table style); 0 for fiche
    activity_sheets: tuple[Sheet, ...] = ()  # the fiches (fiche style)


def detect(sheets: list[Sheet]) -> Found | None:
    """The best-matching template, or None when none holds half its headings."""
    best: tuple[float, Found] | None = None
    for template in TEMPLATES:
        found = _fiche(template, sheets) if template.style == "fiche" else _table(template, sheets)
        if found and (best is None or found[0] > best[0]):
            best = found
    return best[1] if best else None


def _headings(template: Template) -> set[str]:
    return {norm(h) for h in template.columns}


def _table(template: Template, sheets: list[Sheet]) -> tuple[float, Found] | None:
    wanted = _headings(template)
    best: tuple[float, Found] | None = None
    for sheet in sheets:
        for number, row in enumerate(sheet.rows[:HEADER_ROWS], start=1):
            texts = {norm(c.value) for c in row if isinstance(c.value, str)}
            share = len(texts & wanted) / len(wanted)
            if share >= MIN_SHARE and (best is None or share > best[0]):
                best = (share, Found(template, sheet, number))
    return best


def _fiche(template: Template, sheets: list[Sheet]) -> tuple[float, Found] | None:
    wanted = _headings(template)
    fiches = []
    shares = []
    for sheet in sheets:
        labels = {norm(row[0].value) for row in sheet.rows if row and isinstance(row[0].value, str)}
        share = len(labels & wanted) / len(wanted)
        if share >= MIN_FICHE_SHARE:
            fiches.append(sheet)
            shares.append(share)
    organisation = next((s for s in sheets if s.title == template.sheet), None)
    if not fiches or organisation is None:
        return None
    return (sum(shares) / len(shares), Found(template, organisation, 0, tuple(fiches)))
