"""Layouts as data: YAML files that choose, order and name the activity fields an export shows.

Built-in layouts live in ``exports/layouts/``; more are read from the directory named by
``ROPA_EXPORT_LAYOUT_DIR``. Adding one needs no code: a file with an ``id``, a ``title`` and
``columns`` of field ids (``exports/fields.py``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import msgspec

from exports.fields import FIELDS, Field, Value
from exports.i18n import Texts
from exports.view import View
from ropa.errors import LayoutError
from ropa.i18n import EXPORT_LANGUAGES
from ropa.porting.schemas import ActivityIn, EntityIn
from ropa.rules.authorities import regime

BUILTIN = Path(__file__).with_name("layouts")


class Column(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    field: str
    # True, or the activity role ("controller", "processor") for which the column is required.
    required: bool | Literal["controller", "processor"] = False
    heading: dict[str, str] = {}


class Layout(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id: str
    title: dict[str, str]
    authority_country: str | None = None
    style: Literal["table", "fiche"] = "table"
    # An internal-audit layout: its exports include every kind of internal material and are never
    # sent to an authority (``ExportRequest.purpose``).
    internal: bool = False
    columns: list[Column]

    def shown(self, include: Iterable[str]) -> Layout:
        """The layout without the columns of internal material the export does not include."""
        kept = [c for c in self.columns if FIELDS[c.field].internal in (None, *include)]
        return self if len(kept) == len(self.columns) else msgspec.structs.replace(self, columns=kept)

    def heading(self, column: Column, t: Texts) -> str:
        return column.heading.get(t.lang) or t(f"field.{column.field}")

    def basis(self, t: Texts, role: str, entity: EntityIn) -> str:
        """The provision the record is kept under, for activities or an entity of ``role``: Art. 30 of
        the law the entity is under (``ropa.rules.authorities.regime``), whatever the layout; an ICO
        layout of an entity under the EU GDPR cites the EU regulation, as its record is kept under it."""
        key = "basis.processor" if role == "processor" else "basis.controller"
        return t(f"{key}.uk_gdpr") if regime(entity) == "uk_gdpr" else t(key)

    def name(self, t: Texts) -> str:
        return self.title.get(t.lang) or self.title.get("en") or self.id


def _check(layout: Layout, source: Path) -> Layout:
    for index, column in enumerate(layout.columns):
        if column.field not in FIELDS:
            raise LayoutError(f"{source}: columns[{index}].field: no field '{column.field}'")
        if unknown := set(column.heading) - set(EXPORT_LANGUAGES):
            raise LayoutError(f"{source}: columns[{index}].heading: unknown language {sorted(unknown)}")
    if not layout.columns:
        raise LayoutError(f"{source}: columns: empty")
    return layout


def _load_dir(directory: Path) -> dict[str, Layout]:
    found: dict[str, Layout] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            layout = msgspec.yaml.decode(path.read_bytes(), type=Layout)
        except msgspec.ValidationError as exc:
            raise LayoutError(f"{path}: {exc}") from None
        found[layout.id] = _check(layout, path)
    return found


@functools.cache
def layouts() -> dict[str, Layout]:
    found = _load_dir(BUILTIN)
    extra = os.environ.get("ROPA_EXPORT_LAYOUT_DIR")
    if extra:
        found.update(_load_dir(Path(extra)))
    return found


@dataclass(frozen=True)
class Cell:
    column: Column
    field: Field
    heading: str
    values: list[Value]


def cells(layout: Layout, activity: ActivityIn, view: View) -> list[Cell]:
    return [
        Cell(c, FIELDS[c.field], layout.heading(c, view.t), FIELDS[c.field].get(activity, view))
        for c in layout.columns
    ]


def is_required(column: Column, activity: ActivityIn) -> bool:
    if column.required is True:
        return True
    if column.required is False:
        return False
    # Joint controllers are controllers for the record's purposes (Art. 26, 30(1)).
    role = "controller" if activity.role == "joint_controller" else activity.role
    return column.required == role


@dataclass(frozen=True, slots=True)
class Gap:
    activity_key: str
    activity_name: str
    field: str
    heading: str


def gaps(layout: Layout, view: View) -> list[Gap]:
    """The fields this layout requires that are empty, activity by activity."""
    found = []
    for activity in view.activities:
        for column in layout.columns:
            if is_required(column, activity) and not FIELDS[column.field].get(activity, view):
                found.append(Gap(activity.key, activity.name, column.field, layout.heading(column, view.t)))
    return found
