"""Shared fixtures for the bundle tests: a small signed log, bundles of it, and tampering tools."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from audit import verify_bundle as vb
from audit.bundle import build_bundle
from audit.canonical import canonical_json, sha256_hex
from audit.checkpoint import Checkpoint, Signer, sign_checkpoint
from audit.merkle import InMemoryTree, leaf_hash

ORIGIN = "ropa.example.org/audit/v1"
CREATED = "2026-03-01T12:00:00Z"
SIGNER = Signer.generate(ORIGIN)
KEY = SIGNER.verifier_key()

Entry = tuple[int, dict[str, Any], dict[str, Any]]


def make_log(n: int, fork_at: int | None = None) -> list[Entry]:
    entries = []
    for seq in range(n):
        name = "Løn og personale 😀" if seq != fork_at else "rewritten history"
        body = {"before": None, "after": {"name": name, "purposes": ["payroll"], "\uff61key": seq}}
        leaf = {
            "v": 1,
            "seq": seq,
            "integrated_at": f"2026-03-01T12:00:{seq:02d}.000000Z",
            "actor_id": "u:8f3c",
            "action": "activity.update",
            "entity_id": f"act-{seq}",
            "body_sha256": sha256_hex(canonical_json(body)),
        }
        entries.append((seq, leaf, body))
    return entries


def tree_of(entries: list[Entry]) -> InMemoryTree:
    return InMemoryTree(leaf_hash(canonical_json(leaf)) for _, leaf, _ in entries)


def note_for(tree: InMemoryTree, size: int, signer: Signer = SIGNER) -> str:
    return sign_checkpoint(Checkpoint(ORIGIN, size, tree.root(size), CREATED), signer)


LOG = make_log(10)
TREE = tree_of(LOG)
OLDER = [note_for(TREE, 4), note_for(TREE, 7)]


def full_bundle() -> bytes:
    return build_bundle(
        LOG,
        from_seq=0,
        to_seq=9,
        checkpoint_note=note_for(TREE, 10),
        verifier_key=KEY,
        created_at=CREATED,
        older_checkpoints=OLDER,
        extra_files={"report.csv": b"seq,action\n"},
    )


def partial_bundle() -> bytes:
    return build_bundle(
        LOG[3:7],
        from_seq=3,
        to_seq=6,
        checkpoint_note=note_for(TREE, 10),
        verifier_key=KEY,
        created_at=CREATED,
        get_node=TREE,
        older_checkpoints=OLDER,
    )


def run(tmp_path: Path, bundle: bytes, *args: str) -> tuple[int, str]:
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    out = io.StringIO()
    old, sys.stdout = sys.stdout, out
    try:
        code = vb.main([str(path), *args])
    finally:
        sys.stdout = old
    return code, out.getvalue()


def rewrite(
    bundle: bytes, changes: dict[str, Callable[[bytes], bytes | None]], fix_manifest: bool = True
) -> bytes:
    """Apply `changes` to members the way an attacker would, re-hashing the unsigned manifest."""
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    for name, change in changes.items():
        new = change(members.get(name, b""))
        if new is None:
            members.pop(name, None)
        else:
            members[name] = new
    if fix_manifest:
        manifest = json.loads(members["manifest.json"])
        manifest["files"] = {
            n: hashlib.sha256(d).hexdigest() for n, d in members.items() if n != "manifest.json"
        }
        members["manifest.json"] = json.dumps(manifest).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def flip_signature(note: bytes) -> bytes:
    head, _, b64 = note.rstrip(b"\n").rpartition(b" ")
    raw = bytearray(base64.b64decode(b64))
    raw[10] ^= 1  # inside the Ed25519 signature, past the 4-byte key hash
    return head + b" " + base64.b64encode(bytes(raw)) + b"\n"


def lines_op(op: Callable[[list[bytes]], list[bytes]]) -> Callable[[bytes], bytes]:
    return lambda data: b"".join(op(data.splitlines(keepends=True)))


def entry_op(seq: int, op: Callable[[dict[str, Any]], None]) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        lines = data.splitlines(keepends=True)
        entry = json.loads(lines[seq])
        op(entry)
        lines[seq] = json.dumps(entry, ensure_ascii=False).encode() + b"\n"
        return b"".join(lines)

    return change
