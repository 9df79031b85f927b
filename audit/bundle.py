"""Builds the regulator's export bundle (a ZIP) in the layout that audit/verify_bundle.py checks offline."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

from audit import verifier
from audit.canonical import canonical_json, sha256_hex
from audit.checkpoint import Checkpoint, parse_and_verify
from audit.errors import VerificationError
from audit.merkle import (
    CompactRange,
    GetNode,
    InMemoryTree,
    Node,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    needed_nodes_consistency,
    needed_nodes_inclusion,
    verify_consistency,
    verify_inclusion,
)

FORMAT = "ropa-audit-bundle/1"
RESERVED = frozenset(
    ("manifest.json", "entries.jsonl", "checkpoint.txt", "pubkey.txt", "proofs.json", "consistency.json")
    + ("verify_bundle.py", "VERIFY.md")
)
# A fixed member timestamp makes the ZIP a pure function of its inputs; created_at is in the manifest.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

Entry = tuple[int, dict[str, Any], Any]
"""(seq, leaf object, body object) of one log entry."""


def _is_full(from_seq: int | None, to_seq: int | None, tree_size: int) -> bool:
    return (to_seq is None and tree_size == 0) or (from_seq == 0 and to_seq == tree_size - 1)


def needed_nodes_for_bundle(
    from_seq: int | None, to_seq: int | None, tree_size: int, old_sizes: Iterable[int] = ()
) -> list[Node]:
    """Every node `build_bundle` will ask `get_node` for, so the caller can fetch them in one query."""
    nodes: list[Node] = []
    if to_seq is not None and from_seq is not None and not _is_full(from_seq, to_seq, tree_size):
        for seq in range(from_seq, to_seq + 1):
            nodes += needed_nodes_inclusion(seq, tree_size)
    for old in old_sizes:
        nodes += needed_nodes_consistency(old, tree_size)
    return list(dict.fromkeys(nodes))


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _hexes(hashes: Sequence[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def _write_entries(
    out: Any,
    digest: Any,
    entries: Iterable[Entry],
    first: int,
    last: int,
    on_leaf: Callable[[int, bytes], Any],
) -> None:
    """Write entries.jsonl, checking each entry as the verifier will, and report each leaf hash."""
    expected = first
    for seq, leaf, body in entries:
        if seq != expected or seq > last:
            raise VerificationError(f"expected seq {expected} in the export range {first}..{last}", seq=seq)
        if leaf.get("seq") != seq:
            raise VerificationError("leaf.seq does not match the entry's seq", seq=seq)
        leaf_bytes, body_bytes = canonical_json(leaf), canonical_json(body)
        if sha256_hex(body_bytes) != leaf.get("body_sha256"):
            raise VerificationError("body does not match leaf.body_sha256", seq=seq)
        on_leaf(seq, leaf_hash(leaf_bytes))
        # Canonical bytes verbatim, in this key order, let the verifier hash them without re-encoding.
        line = b'{"seq":%d,"leaf":%b,"body":%b}\n' % (seq, leaf_bytes, body_bytes)
        digest.update(line)
        out.write(line)
        expected += 1
    if expected != last + 1:
        raise VerificationError(f"entries stop before to_seq {last}", seq=expected)


def _verify_md(cp: Checkpoint, from_seq: int | None, to_seq: int | None) -> bytes:
    scope = "no entries" if to_seq is None else f"entries seq {from_seq}..{to_seq}"
    return f"""# Verifying this audit-log export

Log `{cp.origin}`, signed checkpoint at tree size {cp.size}; this bundle holds {scope}.

1. Get the log's verifier key (it looks like `name+1a2b3c4d+AX...`) from the organisation through
   a channel other than this bundle. `pubkey.txt` holds the key the bundle claims; it proves
   nothing on its own.
2. Get the verifier, `verify_bundle.py`, the same way: from the organisation (`ropa audit verifier
   -o verify_bundle.py` writes it) or from ropa's published source, never from a file that came
   with this bundle. Check that its SHA-256 is {verifier.sha256()}
   (the value ropa's README and every export cover print). A verifier that travels with what it
   judges can be replaced by one that always says OK, so this bundle carries none.
3. Install Python 3.9 or later and `pip install cryptography`, then run

       python verify_bundle.py THIS-BUNDLE.zip --key 'name+1a2b3c4d+AX...' [--checkpoint HELD]

   HELD is a checkpoint you kept from earlier: `checkpoint.txt` of an earlier bundle, or the
   "tree size and root" line of an earlier PDF or Excel export. The verifier then also proves
   that this log only grew since: nothing you saw before was removed, changed or reordered.
4. Keep `checkpoint.txt` of this bundle for next time.

Exit status 0 and a line starting with `OK` mean every check held. `FAIL:` names the first
problem and, where one entry is to blame, its seq.

What is checked: the SHA-256 of every file against `manifest.json`; the Ed25519 signature on
`checkpoint.txt` (C2SP tlog-checkpoint, signed note); for each entry in `entries.jsonl`, that seqs
are contiguous, that the RFC 8785 canonical body hashes to `leaf.body_sha256`, and that the leaf
is in the log (a full export recomputes the RFC 6962 Merkle root; a partial export checks the
inclusion proofs in `proofs.json`); that every earlier checkpoint in `consistency.json` is a
prefix of this one; and that every checkpoint given with --checkpoint is. Any RFC 6962
implementation can cross-check the hashes and proofs.
""".encode()


def build_bundle(
    entries: Iterable[Entry],
    *,
    from_seq: int | None,
    to_seq: int | None,
    checkpoint_note: str,
    verifier_key: str,
    created_at: str,
    get_node: GetNode | None = None,
    older_checkpoints: Sequence[str] = (),
    extra_files: Mapping[str, bytes] | None = None,
) -> bytes:
    """ZIP bytes of an export of `entries` (seq from_seq..to_seq inclusive, both None when empty).

    origin and tree size come from `checkpoint_note`, which must verify under `verifier_key`.
    Partial exports need `get_node` (see needed_nodes_for_bundle); a full export without it keeps
    the tree in memory. Every entry and proof is checked as the verifier will check it, so a
    database that no longer matches its checkpoints raises VerificationError instead of exporting.
    """
    cp = parse_and_verify(checkpoint_note, verifier_key)
    if (from_seq is None) != (to_seq is None) or (
        to_seq is not None and not (from_seq is not None and 0 <= from_seq <= to_seq < cp.size)
    ):
        raise ValueError(f"export range {from_seq}..{to_seq} is not inside tree size {cp.size}")
    full = _is_full(from_seq, to_seq, cp.size)
    if get_node is None and not full and (to_seq is not None or older_checkpoints):
        raise ValueError("a partial export needs get_node for its proofs")
    extra = dict(extra_files or {})
    if clash := RESERVED & extra.keys():
        raise ValueError(f"extra files use reserved names {sorted(clash)}")

    # A full export recomputes the root as the verifier will; without get_node the whole tree is
    # kept in memory so that the consistency proofs can be served from it.
    tree = InMemoryTree() if get_node is None else None
    nodes: GetNode = get_node if get_node is not None else cast(InMemoryTree, tree)
    frontier = CompactRange()
    partial: list[tuple[int, bytes]] = []

    def on_leaf(seq: int, h: bytes) -> None:
        if tree is not None:
            tree.append(h)
        elif full:
            frontier.append(h)
        else:
            partial.append((seq, h))

    first, last = (0, -1) if from_seq is None or to_seq is None else (from_seq, to_seq)
    buf = io.BytesIO()
    files: dict[str, str] = {}
    with zipfile.ZipFile(buf, "w") as zf:
        digest = hashlib.sha256()
        with zf.open(_member("entries.jsonl"), "w", force_zip64=True) as member:
            _write_entries(member, digest, entries, first, last, on_leaf)
        files["entries.jsonl"] = digest.hexdigest()
        if full and (tree.root() if tree is not None else frontier.root()) != cp.root:
            raise VerificationError(f"entries 0..{cp.size - 1} do not hash to the checkpoint root")
        inclusion: dict[str, list[str]] = {}
        for seq, h in partial:
            proof = inclusion_proof(seq, cp.size, nodes)
            verify_inclusion(h, seq, cp.size, proof, cp.root)
            inclusion[str(seq)] = _hexes(proof)

        consistency = []
        for note in older_checkpoints:
            old = parse_and_verify(note, verifier_key)
            if old.origin != cp.origin or old.size > cp.size:
                raise ValueError(f"older checkpoint ({old.origin}, {old.size}) cannot precede this one")
            proof = consistency_proof(old.size, cp.size, nodes)
            verify_consistency(old.size, cp.size, old.root, cp.root, proof)
            consistency.append({"old_checkpoint": note, "proof": _hexes(proof)})

        members: dict[str, bytes] = {
            "checkpoint.txt": checkpoint_note.encode(),
            "pubkey.txt": verifier_key.strip().encode() + b"\n",
            "proofs.json": canonical_json({"tree_size": cp.size, "inclusion": inclusion}),
            **({"consistency.json": canonical_json(consistency)} if consistency else {}),
            "VERIFY.md": _verify_md(cp, from_seq, to_seq),
            **extra,
        }
        for name, data in members.items():
            zf.writestr(_member(name), data)
            files[name] = sha256_hex(data)
        manifest = {
            "format": FORMAT,
            "origin": cp.origin,
            "created_at": created_at,
            "from_seq": from_seq,
            "to_seq": to_seq,
            "tree_size": cp.size,
            "files": dict(sorted(files.items())),
        }
        zf.writestr(_member("manifest.json"), json.dumps(manifest, indent=2).encode() + b"\n")
    return buf.getvalue()
