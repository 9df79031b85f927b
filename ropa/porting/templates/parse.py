"""A template's cells into a register file (one entity and its records), and the cells not mapped.

Every filled cell is either mapped to a field, kept as text in notes, or reported (``Unmapped``).
A row that cannot be an activity (no name, a bad or repeated key, text past a field's bound) is an
error: the whole file is refused with every such cell named, and nothing is imported.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import msgspec

from ropa.constraints import KEY_PATTERN
from ropa.errors import Invalid
from ropa.porting.schemas import ActivityIn, EntityIn, RegisterFile
from ropa.porting.templates.detect import TEMPLATES, Found, detect
from ropa.porting.templates.fields import Row, Shared, clip, contact
from ropa.porting.templates.report import Unmapped
from ropa.porting.templates.spec import Template
from ropa.porting.templates.workbook import Cell, Sheet, read_sheets

FORMULA = "a formula: never evaluated nor imported"


@dataclass
class Parsed:
    """What a template holds: its register, the cells not mapped, and where each activity came from."""

    template: Template
    register: RegisterFile
    unmapped: list[Unmapped]
    origins: list[str] = field(default_factory=list)  # "Sheet!row" of activities[i]

    def counts(self) -> dict[str, int]:
        entity = self.register.entities[0]
        names = ("activities", "recipients", "processors", "transfers", "retention_rules")
        return {"entities": 1, **{n: len(getattr(entity, n)) for n in names}}


def text_of(cell: Cell) -> str:
    value = cell.value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


class _Reader:
    def __init__(self, found: Found) -> None:
        self.found = found
        self.template = found.template
        self.shared = Shared(self.template)
        self.unmapped: list[Unmapped] = []
        self.errors: list[tuple[str, str]] = []
        self.entity: dict[str, Any] = {}
        self.entity_notes: list[str] = []
        self.activities: list[Any] = []
        self.origins: list[str] = []

    def unmap(self, sheet: str, row: int, column: int, heading: str, value: str, reason: str) -> None:
        self.unmapped.append(Unmapped(sheet, row, column, heading, value, reason))

    # --- the organisation: header rows above the table, or the fiche model's first sheet ---

    def header(self, sheet: Sheet, rows: range) -> None:
        for number in rows:
            cells = sheet.rows[number - 1] if number <= len(sheet.rows) else []
            used: set[int] = set()
            for index, cell in enumerate(cells):
                text = text_of(cell)
                if not text or index in used:
                    continue
                target = self.template.header_field(text)
                if target is None:
                    if cell.formula:
                        self.unmap(sheet.title, number, index + 1, "", text, FORMULA)
                    elif not self.template.is_boilerplate(text):
                        self.unmap(sheet.title, number, index + 1, "", text, "not a label of the template")
                    continue
                value = next(((j, c) for j, c in enumerate(cells) if j > index and text_of(c)), None)
                if value is None:
                    continue
                used.add(value[0])
                if value[1].formula:
                    self.unmap(sheet.title, number, value[0] + 1, text, text_of(value[1]), FORMULA)
                else:
                    self.entity_field(target, text, text_of(value[1]))

    def entity_field(self, target: str, label: str, text: str) -> None:
        if target == "entity":
            found = contact(text)
            self.entity["legal_name"] = found.pop("name")
            self.entity.update(found)
            if "\n" in text:
                self.entity_notes.append(f"{label}: {text}")
        elif target == "entity_name":
            self.entity["legal_name"] = clip(text)
        elif target in ("entity_contact", "entity_email", "entity_phone"):
            found = contact("-\n" + text)
            self.entity.update({k: v for k, v in found.items() if k != "name"})
            self.entity_notes.append(f"{label}: {text}")
        elif target == "registration":
            self.entity["registration"] = {"scheme": clip(label.rstrip(":")), "number": clip(text)}
        elif target == "dpo":
            found = contact(text)
            self.entity["dpo"] = {k: v for k, v in found.items() if k in ("name", "email", "phone")}
        elif target == "representative":
            self.entity["representative"] = contact(text)
        else:  # entity_address: the address as written, since its parts are not given apart
            self.entity_notes.append(f"{label}: {text}")

    # --- the activities ---

    def table(self) -> None:
        sheet, heading_row = self.found.sheet, self.found.heading_row
        assert sheet is not None
        self.header(sheet, range(1, heading_row))
        headings = [text_of(c) for c in sheet.rows[heading_row - 1]]
        for number in range(heading_row + 1, len(sheet.rows) + 1):
            cells = [(i + 1, c) for i, c in enumerate(sheet.rows[number - 1]) if text_of(c)]
            if cells:
                pairs = [(col, headings[col - 1] if col <= len(headings) else "", c) for col, c in cells]
                self.activity(sheet.title, number, pairs)

    def fiches(self) -> None:
        assert self.found.sheet is not None
        self.header(self.found.sheet, range(1, len(self.found.sheet.rows) + 1))
        for sheet in self.found.activity_sheets:
            pairs = []
            for number, cells in enumerate(sheet.rows, start=1):
                label = text_of(cells[0]) if cells else ""
                for col, cell in enumerate(cells[1:], start=2):
                    if text_of(cell):
                        pairs.append((col, label, cell, number))
            self.activity(sheet.title, 0, [(c, h, cell) for c, h, cell, _ in pairs], [n for *_, n in pairs])

    def activity(
        self, title: str, number: int, cells: list[tuple[int, str, Cell]], numbers: list[int] | None = None
    ) -> None:
        row_numbers = numbers or [number] * len(cells)
        where: list[int] = [0, 0]  # the cell being read, for what the row reports about it
        heading = ""

        def report(value: str, reason: str) -> None:
            self.unmap(title, where[0], where[1], heading, value, reason)

        row = Row(self.template, self.shared, report)
        mapped = False
        for (column, heading, cell), at in zip(cells, row_numbers, strict=True):
            where[:] = [at, column]
            text = text_of(cell)
            target = self.template.column(heading) if heading else None
            if cell.formula:
                self.unmap(title, at, column, heading, text, FORMULA)
            elif target is None:
                reason = "no heading above it" if not heading else "its column is not one of the template's"
                if not (numbers and self.template.is_boilerplate(heading)):
                    self.unmap(title, at, column, heading, text, reason)
            else:
                row.add(target, heading, text)
                mapped = True
        if mapped:
            self.finish(row, f"{title}!{row_numbers[0] if numbers else number}")

    def finish(self, row: Row, origin: str) -> None:
        index = len(self.activities) + 1
        data = dict(row.data)
        data.setdefault("key", f"{self.template.key_prefix}-{index:02d}")
        name = data.get("name") or clip(row.purposes[0] if row.purposes else (row.processing or [""])[0])
        if not name:
            self.errors.append(
                (origin, "the row names no processing activity (no name, purpose or category)")
            )
            return
        data["name"], data["role"] = name, self.template.role
        if not re.match(KEY_PATTERN, data["key"]) or any(a.key == data["key"] for a in self.activities):
            self.errors.append((origin, f"reference '{data['key']}' is not a valid key or is used twice"))
            return
        descriptions = row.purposes or ([name] if row.bases or row.purpose_extra else [])
        data["purposes"] = [
            {"description": d, "legal_bases": row.bases, **(row.purpose_extra if i == 0 else {})}
            for i, d in enumerate(descriptions)
        ]
        if row.served:
            data["controllers_served"] = [
                {**s, "categories_of_processing": row.processing} for s in row.served
            ]
        elif row.processing:
            data["description"] = "\n".join(row.processing)
        for item, code in row.countries:
            data.setdefault("transfers", []).append(self.transfer(row, item, code))
        if row.safeguards and not row.countries:
            row.note("Transfer safeguards", row.safeguards)
        for key in data.get("retention", []) if row.policy else []:
            next(r for r in self.shared.retention.values() if r["key"] == key)["policy_link"] = row.policy
        if row.notes:
            data["notes"] = "\n".join(row.notes)
        try:
            self.activities.append(msgspec.convert(data, ActivityIn))
            self.origins.append(origin)
        except msgspec.ValidationError as exc:
            self.errors.append((origin, str(exc)))

    def transfer(self, row: Row, item: str, code: str | None) -> str:
        key = (code or item, row.safeguards or "")
        if key not in self.shared.transfers:
            record: dict[str, Any] = {
                "key": f"T-{len(self.shared.transfers) + 1:02d}",
                "name": clip(f"{item}: {row.safeguards}" if row.safeguards else item),
                "destination_country": code,
                "mechanism": row.mechanism,
            }
            if row.safeguards:
                record["mechanism_claimed"] = row.safeguards
            if row.documentation:
                record["safeguards_documentation"] = row.documentation
            self.shared.transfers[key] = record
        return str(self.shared.transfers[key]["key"])

    def register(self) -> RegisterFile:
        name = self.entity.get("legal_name")
        if not name:
            labels = ", ".join(repr(h) for h, f in self.template.header.items() if f.startswith("entity"))
            self.errors.append(("file", f"the template names no organisation (header {labels})"))
        if self.errors:
            raise Invalid.of(self.errors)
        country = self.template.country
        entity = {
            **self.entity,
            "key": _key(str(name)),
            "country": country,
            "role": self.template.role,
            "regime": "uk_gdpr" if country == "GB" else "eu_gdpr",
            "national_law": country,
            "default_language": self.template.language
            if self.template.language in ("en", "da", "nb")
            else "en",
            "notes": "\n".join(self.entity_notes) or None,
            "recipients": list(self.shared.recipients.values()),
            "processors": list(self.shared.processors.values()),
            "transfers": list(self.shared.transfers.values()),
            "retention_rules": list(self.shared.retention.values()),
        }
        try:
            converted = msgspec.convert(entity, EntityIn)
        except msgspec.ValidationError as exc:
            raise Invalid.of([("file", f"the organisation's details: {exc}")]) from None
        converted.activities = self.activities
        return RegisterFile(entities=[converted])


def _key(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").upper()
    return (slug or "ENTITY")[:40].rstrip("-")


def read_template(data: bytes) -> Parsed:
    """The register an authority template holds; refused (422) when the workbook is none ropa reads.

    The package must have passed ``exports.read_xlsx.check_package`` first (see ``workbook``).
    """
    sheets = read_sheets(data)
    found = detect(sheets)
    if found is None:
        names = "; ".join(t.title for t in TEMPLATES)
        raise Invalid.of([("file", f"not a ropa export, nor a template ropa reads ({names})")])
    reader = _Reader(found)
    reader.fiches() if found.template.style == "fiche" else reader.table()
    register = reader.register()
    return Parsed(found.template, register, reader.unmapped, reader.origins)
