"""The offline bundle verifier as published: its source bytes and their SHA-256.

Recipients obtain the verifier out of band (like the public key) and compare its hash with the one
the README and every export cover print; a copy travelling inside a bundle could be a forgery.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import resources

FILENAME = "verify_bundle.py"


def source() -> bytes:
    """The bytes of audit/verify_bundle.py, exactly as published."""
    return resources.files("audit").joinpath(FILENAME).read_bytes()


@functools.cache
def sha256() -> str:
    """Hex SHA-256 of the published verifier."""
    return hashlib.sha256(source()).hexdigest()
