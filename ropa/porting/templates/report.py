"""What a template import reports: each cell it could not map, by sheet, row and column, and a summary."""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.utils import get_column_letter

SHOWN_CHARS = 60  # of a cell's value, in the report


@dataclass(frozen=True, order=True)
class Unmapped:
    """A cell (or one item of a cell) not mapped to a register field, and why."""

    sheet: str
    row: int
    column: int  # 1-based
    heading: str
    value: str
    reason: str

    @property
    def cell(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"

    def line(self) -> str:
        shown = self.value if len(self.value) <= SHOWN_CHARS else self.value[: SHOWN_CHARS - 1] + "…"
        return f"{self.sheet}!{self.cell} [{self.heading}] {shown!r}: {self.reason}"


def summary_lines(title: str, where: str, counts: dict[str, int], unmapped: list[Unmapped]) -> list[str]:
    """The dry run's report: the template, what would be created, and every unmapped cell."""
    made = ", ".join(f"{name} {count}" for name, count in counts.items() if count)
    lines = [f"template: {title} ({where})", f"would create: {made or 'nothing'}"]
    lines.append(f"cells not mapped: {len(unmapped)}")
    lines += [f"  {u.line()}" for u in sorted(unmapped, key=lambda u: (u.sheet, u.row, u.column, u.value))]
    return lines
