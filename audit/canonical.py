"""Canonical JSON bytes (RFC 8785 JCS) and the SHA-256 hex digests that commit to them."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import msgspec
import rfc8785

# The restricted value model shared with the standalone bundle verifier: it has no float
# support, so a float committed here would make every later export unverifiable.
_SCALARS = (str, int, bool, type(None))
# Integers beyond 2**53 (16+ digits outside a string) are not exact in RFC 8785's number model.
# Two patterns, the value's start and after a separator: one alternation with ``^`` costs twice as much.
_HUGE_INT = re.compile(rb"[:,\[]-?\d{16}")
_HUGE_INT_FIRST = re.compile(rb"-?\d{16}")
# Every byte value below 0xF0: what ``bytes.translate`` deletes to leave the lead bytes of 4-byte UTF-8.
_BELOW_F0 = bytes(range(0xF0))


def _check(obj: Any) -> None:
    if isinstance(obj, _SCALARS):
        return
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise ValueError(f"object key {key!r} is not a string")
            _check(value)
        return
    if isinstance(obj, list | tuple):
        for item in obj:
            _check(item)
        return
    raise ValueError(f"{type(obj).__name__} is not allowed in canonical JSON (no floats)")


def _no_float(text: str) -> Any:
    raise ValueError(f"float {text} is not allowed in canonical JSON")


_FLOAT_CHECK = msgspec.json.Decoder(float_hook=_no_float)


def canonical_json(obj: Any) -> bytes:
    """RFC 8785 bytes of a dict/list/str/int/bool/None tree; ValueError for anything else.

    msgspec with sorted keys writes the same bytes as RFC 8785 for this value model (same
    escapes, no floats) ten times faster, except that RFC 8785 orders keys by UTF-16 code units:
    the two orders differ only when text holds characters beyond the BMP (4-byte UTF-8). Such
    values, and anything msgspec would accept but RFC 8785 refuses, take the reference path.
    """
    try:
        fast = msgspec.json.encode(obj, order="sorted")
        # Reading the bytes back must give the value itself: msgspec would quietly turn bytes,
        # int keys or dates into strings, which the reference path refuses.
        if _FLOAT_CHECK.decode(fast) != obj:
            fast = b""
    except (TypeError, ValueError, msgspec.EncodeError, msgspec.DecodeError):
        fast = b""
    if (
        fast
        and (fast.isascii() or not fast.translate(None, _BELOW_F0))  # no 4-byte UTF-8: the orders agree
        and not _HUGE_INT.search(fast)
        and not _HUGE_INT_FIRST.match(fast)
    ):
        return fast
    _check(obj)
    try:
        return rfc8785.dumps(obj)
    except rfc8785.CanonicalizationError as exc:  # out-of-range ints, lone surrogates
        raise ValueError(str(exc)) from exc


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()
