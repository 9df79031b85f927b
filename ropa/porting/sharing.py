"""One string object per distinct short text of a register read (an export, a page, a dump).

Decoding gives every string its own object. A register repeats its short texts across records:
vocabulary keys, references to documents, processors, recipients, transfers and retention rules,
source field names, language codes, rights. Sharing them (``sys.intern``) as each record is read
keeps a register of many activities several kilobytes an activity smaller. Long texts (names,
descriptions, quotes) are left as they are: they rarely repeat.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

import msgspec
from msgspec import inspect

from ropa.records.struct_info import struct_fields

SHORT = 40  # characters: keys are at most 64, but the ones that repeat are short

# What a field holds: a text, a list of texts, a list of structs, a struct.
TEXT, TEXTS, STRUCTS, STRUCT = range(4)


def _bare(t: Any) -> Any:
    """``X | None`` and ``Annotated[X, Meta(...)]`` as ``X``; anything else as it is."""
    if isinstance(t, inspect.UnionType):
        others = [x for x in t.types if not isinstance(x, inspect.NoneType)]
        if len(others) == 1:
            t = others[0]
    return _bare(t.type) if isinstance(t, inspect.Metadata) else t


@functools.cache
def _plan(cls: type[msgspec.Struct]) -> tuple[tuple[str, int], ...]:
    plan = []
    frozen = cls.__struct_config__.frozen
    for f in struct_fields(cls):
        t = _bare(f.type)
        if isinstance(t, inspect.StrType):
            if not frozen:
                plan.append((f.name, TEXT))
        elif isinstance(t, inspect.ListType):
            item = _bare(t.item_type)
            if isinstance(item, inspect.StrType):
                plan.append((f.name, TEXTS))
            elif isinstance(item, inspect.StructType):
                plan.append((f.name, STRUCTS))
        elif isinstance(t, inspect.StructType):
            plan.append((f.name, STRUCT))
    return tuple(plan)


@functools.cache
def _sharer(
    cls: type[msgspec.Struct],
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """``_plan`` split by what each field holds: texts, lists of texts, lists of structs, structs."""
    plan = _plan(cls)
    return tuple(
        tuple(name for name, holds in plan if holds == kind) for kind in (TEXT, TEXTS, STRUCTS, STRUCT)
    )  # type: ignore[return-value]


def share_short_texts(record: msgspec.Struct) -> None:
    """Replace the short texts of ``record`` (and of the structs it holds) by shared objects.

    An unset field (``translations``) is ``UNSET``, an empty one ``None``: neither is a ``str``,
    a ``list`` or a ``Struct``, so both are passed over."""
    intern, short, struct = sys.intern, SHORT, msgspec.Struct
    texts, lists, structs, singles = _sharer(type(record))
    for name in texts:
        value = getattr(record, name)
        if value.__class__ is str and len(value) <= short:
            setattr(record, name, intern(value))
    for name in lists:
        value = getattr(record, name)
        if value:
            value[:] = [intern(v) if len(v) <= short else v for v in value]
    for name in structs:
        for item in getattr(record, name) or ():
            share_short_texts(item)
    for name in singles:
        value = getattr(record, name)
        if isinstance(value, struct):
            share_short_texts(value)
