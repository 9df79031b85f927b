"""Field paths and stored values as a reader reads them: labels in the page's language.

A finding names the field it concerns by its path in the record (``purposes[0].lia_reference``)
and a diff lists the paths that changed, with the stored values (vocabulary keys such as
``eu_us_dpf``, nested objects). A page shows neither: a path becomes its fields' labels
("Purposes 1 › LIA reference"), and a value at a path the record's schema marks as a vocabulary
term becomes that term's label. The schema is read from the kind (``Kind.out``), so a new field
of a kind needs only its label (``field.*`` in fields.yaml, or ``wf.*`` in web.yaml).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import msgspec.inspect as mi

from ropa.i18n import Texts
from ropa.records.catalog import REGISTRY

# Fields whose values are words of the exports' catalogues (``status.draft``), not vocabulary terms.
ENUMS = {"status": "status", "role": "role", "kind": "retention_kind"}
SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
EMPTY: tuple[Any, ...] = (None, "", [], {})


def field_label(t: Texts, name: str) -> str:
    """One field's label: the exports' own (``field.*``), else the interface's (``wf.*``)."""
    for key in (f"field.{name}", f"wf.{name}"):
        if t.has(key):
            return t(key)
    return name.replace("_", " ")


def path_label(t: Texts, path: str | None) -> str:
    """``purposes[0].lia_reference`` as "Purposes 1 › LIA reference" in the reader's language."""
    if not path or path == "$":
        return ""
    parts: list[str] = []
    for name, index in SEGMENT.findall(path):
        if name:
            parts.append(field_label(t, name))
        elif parts:
            parts[-1] = f"{parts[-1]} {int(index) + 1}"
    return " › ".join(parts)


@functools.cache
def _info(kind: str) -> Any:
    found = REGISTRY.get(kind)
    return mi.type_info(found.out) if found else None


def _unwrap(info: Any) -> tuple[Any, str | None]:
    """A type without its metadata and optional None, and the vocabulary its metadata names."""
    vocabulary = None
    while True:
        if isinstance(info, mi.Metadata):
            vocabulary = (info.extra or {}).get("vocab") or vocabulary
            info = info.type
        elif isinstance(info, mi.UnionType):
            options = [o for o in info.types if not isinstance(o, mi.NoneType)]
            if len(options) != 1:
                return info, vocabulary
            info = options[0]
        else:
            return info, vocabulary


def _child(info: Any, name: str | None) -> Any:
    """The type of a struct's field (``name``) or of a list's items (``name`` None)."""
    info, _ = _unwrap(info)
    if name is None:
        return info.item_type if isinstance(info, mi.ListType) else None
    if isinstance(info, mi.StructType):
        return next((f.type for f in info.fields if f.encode_name == name), None)
    return None


def _type_at(kind: str, path: str) -> Any:
    info = _info(kind)
    for name, _index in SEGMENT.findall(path):
        if info is None:
            return None
        info = _child(info, name or None)
    return info


class Values:
    """Values of one kind of record, shown in a reader's language."""

    def __init__(self, t: Texts, kind: str) -> None:
        self.t = t
        self.kind = kind

    def __call__(self, path: str, value: Any) -> str:
        name = SEGMENT.findall(path)[-1][0] if path not in ("", "$") else ""
        if isinstance(value, str) and name in ENUMS and self.t.has(f"{ENUMS[name]}.{value}"):
            return self.t(f"{ENUMS[name]}.{value}")
        return self._show(_type_at(self.kind, path) if path not in ("", "$") else _info(self.kind), value)

    def _show(self, info: Any, value: Any) -> str:
        if value in EMPTY:
            return ""
        inner, vocabulary = _unwrap(info) if info is not None else (None, None)
        if isinstance(value, bool):
            return self.t.yes_no(value)
        if isinstance(value, str):
            return self.t.term(vocabulary, value) if vocabulary else value
        if isinstance(value, list):
            item = inner.item_type if isinstance(inner, mi.ListType) else None
            shown = [s for s in (self._show(item, v) for v in value) if s]
            joiner = ", " if all(not isinstance(v, dict) for v in value) else "; "
            return joiner.join(shown)
        if isinstance(value, dict):
            parts = []
            for name, v in value.items():
                s = self._show(_child(inner, name) if inner is not None else None, v)
                if s:
                    parts.append(f"{field_label(self.t, name)}: {s}")
            return " · ".join(parts)
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value, ensure_ascii=False)
