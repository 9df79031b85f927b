"""What a template is: where its header rows and table are, and which heading holds which field."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal


def norm(text: str) -> str:
    """A heading or label as compared: NFKC, case-folded, dashes and quotes unified, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(r"[\u2018\u2019\u02bc`]", "'", text)
    text = re.sub(r"[*:]+$", "", text.strip())
    return " ".join(text.split())


@dataclass(frozen=True)
class Template:
    """One authority's template.

    ``style`` ``table``: one sheet, header rows above a heading row, an activity per row below it.
    ``style`` ``fiche``: a sheet per activity, a label in column A and its value in column B
    (the CNIL model); ``header`` then names the labels of the organisation's sheet.

    ``header`` maps a label written above the table (its value in the next non-empty cell to the
    right) to an entity field; ``columns`` maps a heading, as published, to a register field (the
    fields are the handlers of ``fields.py``). ``terms`` adds labels in the template's language for
    vocabulary terms whose built-in labels are in another language (French) or worded otherwise.
    """

    id: str
    title: str
    authority: str
    language: Literal["en", "da", "nb", "fr"]
    country: str
    role: Literal["controller", "processor"]
    style: Literal["table", "fiche"]
    sheet: str
    header: dict[str, str]
    columns: dict[str, str]
    terms: dict[str, dict[str, str]] = field(default_factory=dict)
    key_prefix: str = "PA"
    # Text the template itself prints (its title, section names, instructions): not data, not reported.
    boilerplate: tuple[str, ...] = ()

    def column(self, heading: str) -> str | None:
        return self._columns.get(norm(heading))

    def is_boilerplate(self, text: str) -> bool:
        return norm(text) in self._boilerplate

    def header_field(self, label: str) -> str | None:
        return self._header.get(norm(label))

    # Computed once per template (a frozen dataclass still has its own __dict__ for these).
    @functools.cached_property
    def _columns(self) -> dict[str, str]:
        return {norm(h): f for h, f in self.columns.items()}

    @functools.cached_property
    def _header(self) -> dict[str, str]:
        return {norm(h): f for h, f in self.header.items()}

    @functools.cached_property
    def _boilerplate(self) -> set[str]:
        return {norm(b) for b in self.boilerplate}
