"""The kinds of register record, each described once: table, schema, statuses, search text."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import msgspec
from piccolo.table import Table

from ropa.records.hooks import KindHooks
from ropa.records.parts import extend

if TYPE_CHECKING:
    from piccolo.columns import ForeignKey

    from ropa.tables import RecordColumns

    class RecordTable(RecordColumns, Table):
        """What the generic services know of a record's table: the shared columns, and ``entity`` on
        the tables of scoped kinds (only read where ``Kind.scoped`` says it is there)."""

        entity: ForeignKey[Any]
else:
    RecordTable = Table


def record_table(table: type[Table]) -> type[RecordTable]:
    """A register table as the generic services see it: it must have the shared record columns."""
    from ropa.tables import RecordColumns

    if not issubclass(table, RecordColumns):
        raise TypeError(f"{table.__name__} lacks the shared record columns (ropa.tables.RecordColumns)")
    return cast("type[RecordTable]", table)


def _texts(*values: Any) -> str:
    parts: list[str] = []
    for value in values:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            parts.extend(v for v in value if isinstance(v, str))
    return " ".join(parts).lower()


def default_search(data: Any) -> str:
    return _texts(data.key, data.name, getattr(data, "description", None), getattr(data, "notes", None))


@dataclasses.dataclass(frozen=True, eq=False)
class Kind:
    """One kind of record: what the generic services and controllers need to know about it."""

    name: str  # audit entity_type and reference kind, e.g. "activity"
    path: str  # URL segment, e.g. "activities"
    title: str  # OpenAPI tag and struct name, e.g. "Activity"
    table: type[RecordTable]
    data: type[msgspec.Struct]
    scoped: bool = True  # belongs to a legal entity
    retired_status: str = "retired"
    active_status: str = "active"
    display: Callable[[Any], str] = lambda data: str(data.name)
    search: Callable[[Any], str] = default_search
    checks: Callable[[Any], list[tuple[str, str]]] = lambda data: []
    # For kinds whose schema holds the status: how to read it, and how to retire a record.
    status_from_data: Callable[[Any], str] | None = None
    retire_data: Callable[[Any], Any] | None = None
    hooks: KindHooks = KindHooks()  # what the kind does beyond the generic services (hooks.py)
    write_perm: str = "register.write"  # the permission to create, update and retire one
    create_perm: str | None = None  # a stricter permission to create one, if any
    reactivates: bool = True  # a retired one may be brought back (kinds whose status is not data)
    create: Any = None
    update: Any = None
    out: Any = None
    page: Any = None
    summary: Any = None
    summary_page: Any = None

    @property
    def reactivatable(self) -> bool:
        """Has ``POST …/reactivate``: kinds whose status is data change it with ``PUT`` instead."""
        return self.reactivates and self.status_from_data is None

    @property
    def status_in_data(self) -> bool:
        """Activities carry ``status`` in their own schema; it is not added to the output."""
        return "status" in self.data.__struct_fields__

    def __post_init__(self) -> None:
        scope = [("entity", str)] if self.scoped else []
        status = [] if self.status_in_data else [("status", str, self.active_status)]
        set_ = object.__setattr__
        set_(self, "create", extend(self.data, f"{self.title}Create", *scope, ("id", str | None, None)))
        set_(self, "update", extend(self.data, f"{self.title}Update", ("version", int)))
        set_(
            self,
            "out",
            extend(
                self.data,
                self.title,
                ("id", str),
                *scope,
                ("version", int),
                *status,
                ("created_at", dt.datetime),
                ("updated_at", dt.datetime),
            ),
        )
        summary_fields = [
            ("id", uuid.UUID),
            *[(name, uuid.UUID) for name, _ in scope],
            ("key", str),
            ("name", str),
            ("status", str),
            ("version", int),
            ("updated_at", dt.datetime),
        ]
        set_(
            self,
            "summary",
            msgspec.defstruct(f"{self.title}Summary", summary_fields, module=self.data.__module__),
        )
        # A page says which view it is ("view": "full" or "summary", as asked for): an empty page
        # of either is otherwise the same JSON, and the schema's oneOf of the two would match twice.
        for attr, item, view in (("page", self.out, "full"), ("summary_page", self.summary, "summary")):
            page = msgspec.defstruct(
                f"{item.__name__}Page",
                [("items", list[item]), ("next_cursor", str | None, None)],  # type: ignore[valid-type]
                kw_only=True,
                module=self.data.__module__,
                tag_field="view",
                tag=view,
            )
            set_(self, attr, page)

    def owner(self, record_id: str, row: dict[str, Any] | None) -> str | None:
        """The legal entity a record belongs to: its entity column, itself for an entity, else none."""
        if self.scoped:
            return str(row["entity"]) if row else None
        return record_id if self.hooks.is_scope else None

    def status_of(self, data: Any) -> str:
        return self.status_from_data(data) if self.status_from_data else self.active_status


REGISTRY: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    REGISTRY[kind.name] = kind
    return kind
