"""Hostile register text for the PDF fetching tests: values that point at a trap server and at local
files holding a marker, in every free-text field of a record."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import msgspec.inspect as mi

MARKER = "LOCAL-FILE-MARKER-7f3a"  # in files the hostile text points at; must never reach a PDF
MARKER_SVG = (
    f'<svg xmlns="http://www.w3.org/2000/svg" width="80" height="9"><text y="8">{MARKER}</text></svg>'
)
# Fields whose text is a code, a key or a reference, not free text (their values are checked on input).
NOT_FREE_TEXT = {"id", "key", "language", "file"}


@dataclass
class Trap:
    """A loopback HTTP server that records every request, and local files holding MARKER."""

    port: int
    requests: list[str]
    svg: Path
    css: Path
    txt: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"


def payload(trap: Trap, tag: str) -> str:
    """Text that once broke out of the page header's CSS string, and every other trick at once."""
    return (
        f'{tag} "quoted" \'single\' back\\slash </style><img src="{trap.url("img-" + tag)}">'
        f" url({trap.svg.as_uri()}) url({trap.url('url-' + tag)}) @import url({trap.css.as_uri()});"
        f" {trap.txt.as_uri()} {trap.url('plain-' + tag)}"
        f"\r; }} @top-center {{ content: url({trap.svg.as_uri()}) url({trap.url('css-' + tag)}) }} x {{"
        f'\n"; }}\f\\"\u2028\\A </style>\x01\x08\x0b\x1b\x7f end-{tag}'
    )


def hostile_url(trap: Trap, tag: str) -> str:
    """What a URL field accepts (http(s), no spaces), made as hostile as that allows."""
    return f"{trap.url('link-' + tag)}\"');}}url({trap.svg.as_uri()})</style><img>\\{tag}"


@dataclass
class Hostile:
    trap: Trap
    values: dict[str, str] = field(default_factory=dict)  # tag -> the value put in the register
    paths: dict[str, str] = field(default_factory=dict)  # tag -> where it was put

    def text(self, path: str) -> str:
        tag = f"H{len(self.values):03d}"
        self.paths[tag] = path
        self.values[tag] = payload(self.trap, tag)
        return self.values[tag]

    def url(self, path: str) -> str:
        tag = f"H{len(self.values):03d}"
        self.paths[tag] = path
        self.values[tag] = hostile_url(self.trap, tag)
        return self.values[tag]


def _free_text(t: mi.Type) -> tuple[bool, bool]:
    """(is a text field to fill, is a URL field) for a field's type."""
    check = t.extra.get("check") if isinstance(t, mi.Metadata) and t.extra else None
    while isinstance(t, mi.Metadata | mi.UnionType):
        if isinstance(t, mi.Metadata):
            t = t.type
        else:
            members = [m for m in t.types if not isinstance(m, mi.NoneType)]
            if len(members) != 1:
                return False, False
            t = members[0]
            if isinstance(t, mi.Metadata) and t.extra:
                check = t.extra.get("check", check)
    if not isinstance(t, mi.StrType):
        return False, False
    return (not t.pattern or check == "url"), check == "url"


def fill(value: Any, h: Hostile, path: str = "") -> Any:
    """The record with every free-text field (set or not) holding a hostile value of its own."""
    if isinstance(value, list):
        return [fill(v, h, f"{path}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, msgspec.Struct):
        return value
    info = mi.type_info(type(value))
    assert isinstance(info, mi.StructType)
    changes: dict[str, Any] = {}
    for f in info.fields:
        current = getattr(value, f.name)
        where = f"{path}.{f.name}"
        text, url = _free_text(f.type)
        item = f.type.type if isinstance(f.type, mi.Metadata) else f.type
        if text and f.name not in NOT_FREE_TEXT:
            changes[f.name] = h.url(where) if url else h.text(where)
        elif isinstance(current, list) and isinstance(item, mi.ListType) and _free_text(item.item_type)[0]:
            changes[f.name] = [h.text(f"{where}[{i}]") for i in range(max(len(current), 1))]
        elif isinstance(current, msgspec.Struct | list):
            changes[f.name] = fill(current, h, where)
    return msgspec.structs.replace(value, **changes)
