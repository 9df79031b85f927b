"""Bounds on a register file, checked before it is parsed: its size, its nesting, no YAML aliases.

A YAML alias makes a node appear again wherever it is named, so a few kilobytes of nested
aliases (a "billion laughs") expand to gigabytes once the file is converted or stored. The
register format never needs anchors or aliases (``ropa dump`` writes none), so a file with one
is refused, naming its line, before anything is built from it.
"""

from __future__ import annotations

import yaml

from ropa.errors import Invalid

MAX_FILE_BYTES = 64 * 1024 * 1024  # a register of tens of thousands of activities
MAX_DEPTH = 32  # the format nests 9 levels deep; vocabulary attributes may add a few

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def check_size(raw: bytes) -> None:
    if len(raw) > MAX_FILE_BYTES:
        reason = f"is {len(raw):,} bytes; a register file may hold at most {MAX_FILE_BYTES:,}"
        raise Invalid.of([("file", reason)])


def check_yaml(raw: bytes) -> None:
    """Refuse anchors, aliases and nesting past ``MAX_DEPTH``, reading the parser's events only."""
    check_size(raw)
    depth = 0
    try:
        for event in yaml.parse(raw, Loader=_Loader):
            line = event.start_mark.line + 1 if event.start_mark else 0
            anchor = getattr(event, "anchor", None)  # set on aliases and on anchored nodes
            if anchor is not None:
                kind = "alias" if isinstance(event, yaml.AliasEvent) else "anchor"
                where = f"line {line}: YAML {kind} '{anchor}'"
                raise Invalid.of([("file", f"{where}: register files may hold no anchors or aliases")])
            if isinstance(event, _OPEN):
                depth += 1
                if depth > MAX_DEPTH:
                    reason = f"line {line}: nested more than {MAX_DEPTH} levels deep"
                    raise Invalid.of([("file", reason)])
            elif isinstance(event, _CLOSE):
                depth -= 1
    except yaml.YAMLError as exc:
        raise Invalid.of([("file", f"not valid YAML: {exc}")]) from None
