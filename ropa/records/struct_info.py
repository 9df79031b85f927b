"""The fields of a record struct, as ``msgspec.inspect`` describes them, worked out once per process.

``msgspec.inspect.type_info(cls)`` translates the whole tree of types under ``cls`` on every call,
so asking it for each nested struct in turn (the walks that leave notes out, swap translations in
or share short texts) repeats that work for every level: a quarter of a second for the register's
types, paid again by every process. Here one call describes ``cls`` and files every struct type
met on the way, so a nested struct's fields are then a dictionary lookup.
"""

from __future__ import annotations

from typing import Any

import msgspec.inspect as mi

_FIELDS: dict[type, tuple[mi.Field, ...]] = {}


def struct_fields(cls: type) -> tuple[mi.Field, ...]:
    """The fields of the struct type ``cls``, each with its inspected type."""
    found = _FIELDS.get(cls)
    if found is None:
        _file(mi.type_info(cls))
        found = _FIELDS[cls]
    return found


def _file(info: Any) -> None:
    """File every struct type in ``info`` (a ``msgspec.inspect`` type) with its fields."""
    if isinstance(info, mi.StructType):
        if info.cls in _FIELDS:
            return
        _FIELDS[info.cls] = info.fields
        for field in info.fields:
            _file(field.type)
    elif isinstance(info, mi.Metadata):
        _file(info.type)
    elif isinstance(info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        _file(info.item_type)
    elif isinstance(info, mi.TupleType):
        for item in info.item_types:
            _file(item)
    elif isinstance(info, mi.DictType):
        _file(info.key_type)
        _file(info.value_type)
    elif isinstance(info, mi.UnionType):
        for option in info.types:
            _file(option)
