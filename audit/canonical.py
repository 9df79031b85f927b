"""Canonical JSON bytes (RFC 8785 JCS) and the SHA-256 hex digests that commit to them."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785

# The restricted value model shared with the standalone bundle verifier: it has no float
# support, so a float committed here would make every later export unverifiable.
_SCALARS = (str, int, bool, type(None))


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


def canonical_json(obj: Any) -> bytes:
    """RFC 8785 bytes of a dict/list/str/int/bool/None tree; ValueError for anything else."""
    _check(obj)
    try:
        return rfc8785.dumps(obj)
    except rfc8785.CanonicalizationError as exc:  # out-of-range ints, lone surrogates
        raise ValueError(str(exc)) from exc


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()
