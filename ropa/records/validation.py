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


@functools.cache
def _type_info(struct_type: type) -> Any:
    return mi.type_info(struct_type)


def inspect(value: msgspec.Struct) -> Findings:
    found = Findings()
    _walk(_type_info(type(value)), value, "", found)
    return found


def _walk(info: Any, value: Any, path: str, found: Findings) -> None:
    if value is None or value is msgspec.UNSET:  # an unset field (``translations``) holds nothing
        return
    if isinstance(info, mi.Metadata):
        extra = info.extra or {}
        if (check := extra.get("check")) and (error := CHECKS[check](value)):
            found.errors.append((path, error))
        if vocabulary := extra.get("vocab"):
            found.vocab.append((path, vocabulary, value))
        if kind := extra.get("ref"):
            found.refs.append((path, kind, value))
        _walk(info.type, value, path, found)
    elif isinstance(info, mi.StructType):
        for field in info.fields:
            child = f"{path}.{field.encode_name}" if path else field.encode_name
            _walk(field.type, getattr(value, field.name), child, found)
    elif isinstance(info, mi.ListType):
        for index, item in enumerate(value):
            _walk(info.item_type, item, f"{path}[{index}]", found)
    elif isinstance(info, mi.UnionType):
        for option in info.types:
            if not isinstance(option, mi.NoneType):
                _walk(option, value, path, found)
                return
