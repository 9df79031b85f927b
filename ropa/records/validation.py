"""Checks msgspec cannot express, reported with each field's path (``purposes[0].legal_bases[1]``).

The constraint types in :mod:`ropa.constraints` carry tags in ``Meta.extra``: ``check`` names a
format check run here, ``vocab`` a controlled vocabulary and ``ref`` another record of the
same entity. :func:`inspect` walks a decoded struct once, runs the format checks and collects
the vocabulary keys and references, which the service resolves against the database.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import email_validator
import isodate
import msgspec
import msgspec.inspect as mi
import pycountry


def _country(value: str) -> str | None:
    return None if pycountry.countries.get(alpha_2=value) else f"'{value}' is not an ISO 3166-1 country code"


def _email(value: str) -> str | None:
    try:
        email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        return f"not a valid e-mail address: {exc}"
    return None


def _duration(value: str) -> str | None:
    try:
        parsed = isodate.parse_duration(value)
    except (isodate.ISO8601Error, ValueError, OverflowError):
        return f"'{value}' is not an ISO 8601 duration such as P14M"
    zero = isodate.Duration() if isinstance(parsed, isodate.Duration) else type(parsed)()
    return "a retention duration must be longer than zero" if parsed == zero else None


def _url(value: str) -> str | None:
    return None if "." in value.split("/")[2] or "localhost" in value else f"'{value}' has no host name"


CHECKS: dict[str, Callable[[str], str | None]] = {
    "country": _country,
    "email": _email,
    "duration": _duration,
    "url": _url,
}


@dataclasses.dataclass
class Findings:
    errors: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    vocab: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)  # path, vocabulary, key
    refs: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)  # path, kind, key


Walker = Callable[[Any, str, Findings], None]


def inspect(value: msgspec.Struct) -> Findings:
    found = Findings()
    if walk := _walker(type(value)):
        walk(value, "", found)
    return found


@functools.cache
def _walker(struct_type: type) -> Walker | None:
    """The walk of one record type, worked out once from its type: it visits only the fields that
    can hold a tagged value (a check, a vocabulary key or a reference), and None when none can."""
    return _compile(mi.type_info(struct_type), {})


def _compile(info: Any, seen: dict[int, Walker | None]) -> Walker | None:
    key = id(info)
    if key in seen:  # a type that contains itself: its walk is looked up when it runs
        return lambda value, path, found: (walk := seen[key]) and walk(value, path, found)
    seen[key] = None
    seen[key] = walk = _compiled(info, seen)
    return walk


def _compiled(info: Any, seen: dict[int, Walker | None]) -> Walker | None:
    if isinstance(info, mi.Metadata):
        return _tagged(info, _compile(info.type, seen))
    if isinstance(info, mi.StructType):
        fields = [(f.name, f.encode_name, w) for f in info.fields if (w := _compile(f.type, seen))]
        return _struct(fields) if fields else None
    if isinstance(info, mi.ListType):
        item = _compile(info.item_type, seen)
        return _items(item) if item else None
    if isinstance(info, mi.UnionType):
        for option in info.types:
            if not isinstance(option, mi.NoneType):
                return _compile(option, seen)
    return None


def _absent(value: Any) -> bool:
    return value is None or value is msgspec.UNSET  # an unset field (``translations``) holds nothing


def _tagged(info: mi.Metadata, inner: Walker | None) -> Walker | None:
    extra = info.extra or {}
    check = CHECKS[extra["check"]] if extra.get("check") else None
    vocabulary, kind = extra.get("vocab"), extra.get("ref")
    if not (check or vocabulary or kind):
        return inner

    def walk(value: Any, path: str, found: Findings) -> None:
        if _absent(value):
            return
        if check and (error := check(value)):
            found.errors.append((path, error))
        if vocabulary:
            found.vocab.append((path, vocabulary, value))
        if kind:
            found.refs.append((path, kind, value))
        if inner:
            inner(value, path, found)

    return walk


def _struct(fields: list[tuple[str, str, Walker]]) -> Walker:
    def walk(value: Any, path: str, found: Findings) -> None:
        if _absent(value):
            return
        for name, encoded, inner in fields:
            inner(getattr(value, name), f"{path}.{encoded}" if path else encoded, found)

    return walk


def _items(item: Walker) -> Walker:
    def walk(value: Any, path: str, found: Findings) -> None:
        if _absent(value):
            return
        for index, element in enumerate(value):
            item(element, f"{path}[{index}]", found)

    return walk
