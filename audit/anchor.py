"""Trusted checkpoints kept outside the database, and the check that a log only ever grew from them.

Whoever can write the database can delete, reorder or re-sequence entries and let the integrator sign
the result; the signatures of the database's own checkpoints then prove nothing. A checkpoint held
elsewhere (the integrator's anchor file beside the key, a witness, a recipient's copy from a bundle or
an export footer) is what the log must extend: it is the transparency-log rule that a tree head, once
handed out, can only be followed by trees that contain it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
import re
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from audit.checkpoint import parse_and_verify
from audit.errors import VerificationError
from audit.merkle import Node, consistency_proof, needed_nodes_consistency, verify_consistency

# "<size> <root>" as printed in export footers and workbook properties: base64 (44 chars) or hex.
_HEAD_RE = re.compile(
    r"(?<![0-9])([0-9]{1,18})\s*(?:·|:|,)?\s*([A-Za-z0-9+/]{43}=|[0-9a-f]{64})(?![A-Za-z0-9+/=])"
)
MAX_HELD_BYTES = 64 * 1024


class LogInconsistent(VerificationError):
    """The log is shorter than, or not an append-only extension of, a checkpoint held outside it."""


@dataclasses.dataclass(frozen=True)
class Held:
    """A tree head someone holds: `size` leaves with Merkle `root`; `source` says where it came from."""

    size: int
    root: bytes
    source: str
    signed: bool


def parse_held(text: str, verifier_key: str, source: str, origin: str | None = None) -> Held:
    """A held checkpoint from a signed note (verified under `verifier_key`) or a `<size> <root>` line.

    The second form is what export footers and workbook properties print: unsigned, so it is exactly
    as trustworthy as the copy the holder kept.
    """
    if len(text) > MAX_HELD_BYTES:
        raise VerificationError(f"{source}: not a checkpoint (over {MAX_HELD_BYTES} bytes)")
    if "\n\n\u2014 " in text:
        cp = parse_and_verify(text, verifier_key)
        if origin is not None and cp.origin != origin:
            raise VerificationError(f"{source}: checkpoint of another log ({cp.origin})")
        return Held(cp.size, cp.root, source, True)
    match = _HEAD_RE.search(text)
    if match is None:
        raise VerificationError(f"{source}: neither a signed checkpoint nor '<tree size> <root>'")
    size, root_text = int(match[1]), match[2]
    try:
        root = (
            bytes.fromhex(root_text) if len(root_text) == 64 else base64.b64decode(root_text, validate=True)
        )
    except (binascii.Error, ValueError) as exc:
        raise VerificationError(f"{source}: malformed root") from exc
    return Held(size, root, source, False)


def read_held(path: str | Path, verifier_key: str, origin: str | None = None) -> Held:
    file = Path(path)
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_HELD_BYTES + 1)
    except OSError as exc:
        raise VerificationError(f"{file}: cannot read ({exc.strerror})") from exc
    try:
        text = data.decode()
    except UnicodeDecodeError as exc:
        raise VerificationError(f"{file}: not UTF-8") from exc
    return parse_held(text, verifier_key, str(file), origin)


async def check_extends(
    held: Held,
    size: int,
    root: bytes,
    fetch_nodes: Callable[[list[Node]], Awaitable[dict[Node, bytes]]],
) -> None:
    """Raise LogInconsistent unless the tree (`size`, `root`) is an append-only extension of `held`.

    The proof's nodes come from the untrusted store; only the two roots are trusted, which is all a
    consistency proof needs (RFC 9162 section 2.1.4).
    """
    if held.size > size:
        raise LogInconsistent(
            f"the log holds {size} entries but {held.source} holds a checkpoint at tree size {held.size}: "
            f"entries seq {size}..{held.size - 1} were removed (the log was rolled back)",
            size,
        )
    if held.size == size:
        if held.root != root:
            raise LogInconsistent(
                f"the log at tree size {size} has another root than the checkpoint in {held.source}: "
                f"history up to seq {size - 1} was rewritten (a fork)",
                max(size - 1, 0),
            )
        return
    try:
        nodes = await fetch_nodes(needed_nodes_consistency(held.size, size))
        proof = consistency_proof(held.size, size, lambda _wanted: nodes)
        verify_consistency(held.size, size, held.root, root, proof)
    except (VerificationError, LookupError, ValueError) as exc:
        raise LogInconsistent(
            f"the log at tree size {size} does not extend the checkpoint at tree size {held.size} in "
            f"{held.source}: entries up to seq {held.size - 1} were changed, deleted or reordered",
            held.size - 1,
        ) from exc


class AnchorFile:
    """The last checkpoint this integrator signed, as a signed note in a file outside the database,
    and beside it (`<path>.head`) the tree head of the last batch it integrated, as `<size> <root>`.

    The head covers entries integrated since the last checkpoint: their sequence numbers are shown
    in pages before any checkpoint covers them. Both are written atomically (temporary file, fsync,
    rename) with mode 0600 after the transaction commits; a crash in between leaves them one batch
    behind, which is safe.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.head_path = self.path.with_name(self.path.name + ".head")

    def exists(self) -> bool:
        return self.path.exists() or self.head_path.exists()

    def load(self, verifier_key: str, origin: str | None = None) -> list[Held]:
        """The anchored checkpoint and head, those that exist; VerificationError if one is bad."""
        held = [read_held(self.path, verifier_key, origin)] if self.path.exists() else []
        if self.head_path.exists():
            head = read_held(self.head_path, verifier_key, origin)
            held.append(dataclasses.replace(head, source=f"{self.head_path} (integrated, not yet signed)"))
        return held

    def store(self, note: str) -> None:
        write_private(self.path, note.encode())

    def adopt(self, note: str) -> bool:
        """Store ``note`` only if no anchored checkpoint exists yet, atomically: False if another
        server sharing the file stored one first (it is as new as this one, or newer)."""
        return write_private(self.path, note.encode(), exclusive=True)

    def store_head(self, size: int, root: bytes) -> None:
        write_private(self.head_path, f"{size} {root.hex()}\n".encode())


def write_private(path: Path, data: bytes, exclusive: bool = False) -> bool:
    """Replace `path` atomically with `data`, readable by the owner only. With `exclusive`, only
    create it: False (and nothing written) if it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        if exclusive:
            try:
                os.link(tmp, path)  # fails if the name exists: no window between a check and a write
            except FileExistsError:
                return False
            finally:
                Path(tmp).unlink(missing_ok=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return True
