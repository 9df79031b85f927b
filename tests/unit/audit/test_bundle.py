"""Export bundles: build, verify offline with the standalone verifier, and catch every tamper kind."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from audit_bundle_support import (
    CREATED,
    KEY,
    LOG,
    OLDER,
    ORIGIN,
    SIGNER,
    TREE,
    entry_op,
    flip_signature,
    full_bundle,
    lines_op,
    make_log,
    note_for,
    partial_bundle,
    rewrite,
    run,
    tree_of,
)

from audit import verify_bundle as vb
from audit.bundle import build_bundle, needed_nodes_for_bundle
from audit.canonical import canonical_json
from audit.checkpoint import Checkpoint, Signer, sign_checkpoint
from audit.errors import VerificationError
from audit.merkle import ProofError


def test_full_bundle_verifies(tmp_path: Path) -> None:
    code, out = run(tmp_path, full_bundle(), "--key", KEY)
    assert code == 0, out
    assert "full export" in out and "sizes: 4, 7" in out and "given with --key" in out


def test_partial_and_empty_bundles_verify(tmp_path: Path) -> None:
    code, out = run(tmp_path, partial_bundle(), "--key", KEY)
    assert code == 0 and "seq 3..6: partial export" in out, out
    none = build_bundle(
        [],
        from_seq=None,
        to_seq=None,
        checkpoint_note=note_for(TREE, 10),
        verifier_key=KEY,
        created_at=CREATED,
        get_node=TREE,
    )
    assert run(tmp_path, none, "--key", KEY)[0] == 0
    empty_note = sign_checkpoint(Checkpoint(ORIGIN, 0, hashlib.sha256().digest()), SIGNER)
    empty = build_bundle(
        [], from_seq=None, to_seq=None, checkpoint_note=empty_note, verifier_key=KEY, created_at=CREATED
    )
    assert run(tmp_path, empty, "--key", KEY)[0] == 0


def test_without_key_the_summary_warns(tmp_path: Path) -> None:
    code, out = run(tmp_path, full_bundle())
    assert code == 0 and "FROM THE BUNDLE" in out


def test_bundle_is_deterministic_and_complete() -> None:
    bundle = full_bundle()
    assert bundle == full_bundle()
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        verify_md = zf.read("VERIFY.md").decode()
    assert names == {"manifest.json", *manifest["files"]}
    assert {"entries.jsonl", "checkpoint.txt", "pubkey.txt", "proofs.json", "consistency.json"} <= names
    assert {"VERIFY.md", "report.csv"} <= names
    # The judge does not travel with what it judges: the bundle carries no verifier, and its
    # instructions name the published verifier's hash.
    assert "verify_bundle.py" not in names
    assert hashlib.sha256(Path(vb.__file__).read_bytes()).hexdigest() in verify_md
    assert (manifest["from_seq"], manifest["to_seq"], manifest["tree_size"]) == (0, 9, 10)


FULL_TAMPERS: dict[str, tuple[dict[str, Callable[[bytes], bytes | None]], str]] = {  # kind: (change, message)
    "body byte": (
        {"entries.jsonl": entry_op(3, lambda e: e["body"]["after"].update(name="Løn"))},
        "seq 3: body",
    ),
    "leaf byte": (
        {"entries.jsonl": entry_op(4, lambda e: e["leaf"].update(actor_id="u:0000"))},
        "Merkle root",
    ),
    "leaf seq": ({"entries.jsonl": entry_op(4, lambda e: e["leaf"].update(seq=5))}, "seq 4: leaf.seq"),
    "deleted entry": ({"entries.jsonl": lines_op(lambda ls: ls[:5] + ls[6:])}, "seq 5: found seq 6"),
    "inserted entry": ({"entries.jsonl": lines_op(lambda ls: ls[:5] + ls[4:])}, "seq 5: found seq 4"),
    "reordered": (
        {"entries.jsonl": lines_op(lambda ls: ls[:2] + [ls[3], ls[2]] + ls[4:])},
        "seq 2: found seq 3",
    ),
    "truncated tail": ({"entries.jsonl": lines_op(lambda ls: ls[:8])}, "seq 8: entries stop before to_seq 9"),
    "not json": ({"entries.jsonl": lines_op(lambda ls: [*ls[:1], b"{oops\n", *ls[2:]])}, "seq 1: malformed"),
    "float": ({"entries.jsonl": entry_op(2, lambda e: e["body"].update(x=1.5))}, "seq 2: malformed"),
    "checkpoint size": (
        {"checkpoint.txt": lambda d: d.replace(b"\n10\n", b"\n11\n", 1)},
        "invalid checkpoint signature",
    ),
    "checkpoint sig": ({"checkpoint.txt": lambda d: flip_signature(d)}, "invalid checkpoint signature"),
    "unsigned": ({"checkpoint.txt": lambda d: d[: d.index(b"\n\n") + 1]}, "malformed checkpoint"),
    "manifest tree size": (
        {"manifest.json": lambda d: d.replace(b'"tree_size": 10', b'"tree_size": 9')},
        "tree size",
    ),
    "forged proofs": ({"proofs.json": lambda d: b'{"tree_size": 5}'}, "disagree with the checkpoint"),
}


FULL_TAMPERS |= {  # raw byte edits keep the exporter's line layout, so the fast pass sees them first
    "raw body byte": ({"entries.jsonl": lambda d: d.replace(b"personale", b"personalE", 1)}, "seq 0: body"),
    "raw leaf byte": ({"entries.jsonl": lambda d: d.replace(b'"act-5"', b'"act-6"', 1)}, "Merkle root over"),
    "raw seq": ({"entries.jsonl": lambda d: d.replace(b'{"seq":7,', b'{"seq":8,', 1)}, "seq 7: found seq 8"),
}


@pytest.mark.parametrize("kind", FULL_TAMPERS)
def test_tampering_with_a_full_bundle_is_detected(tmp_path: Path, kind: str) -> None:
    changes, message = FULL_TAMPERS[kind]
    code, out = run(tmp_path, rewrite(full_bundle(), changes), "--key", KEY)
    assert code == 1 and out.startswith("FAIL: ") and message in out, out


def test_a_log_of_thousands_of_entries_verifies_and_a_tampered_entry_is_named(tmp_path: Path) -> None:
    # The fast pass hashes leaves in blocks of 1,024 and the rest one by one: root and tampering are
    # checked across both (2,500 entries: two whole blocks, then 452 leaves).
    log = make_log(2500)
    tree = tree_of(log)
    bundle = build_bundle(
        log,
        from_seq=0,
        to_seq=2499,
        checkpoint_note=note_for(tree, 2500),
        verifier_key=KEY,
        created_at=CREATED,
    )
    code, out = run(tmp_path, bundle, "--key", KEY)
    assert code == 0 and "tree size 2500" in out, out

    def edit(seq: int, old: bytes, new: bytes) -> Callable[[bytes], bytes]:
        return lines_op(lambda ls: [*ls[:seq], ls[seq].replace(old, new, 1), *ls[seq + 1 :]])

    for seq in (1500, 2300):
        body = rewrite(bundle, {"entries.jsonl": edit(seq, b"personale", b"personalE")})
        assert f"seq {seq}: body does not match" in run(tmp_path, body, "--key", KEY)[1]
        leaf = rewrite(bundle, {"entries.jsonl": edit(seq, f'"act-{seq}"'.encode(), b'"act-0"')})
        assert "Merkle root over seq 0..2499 differs" in run(tmp_path, leaf, "--key", KEY)[1]


def test_entries_in_another_json_layout_still_verify(tmp_path: Path) -> None:
    # Any JSON spelling of the same objects verifies: the second pass re-canonicalises (RFC 8785).
    def respell(data: bytes) -> bytes:
        objs = [json.loads(line) for line in data.splitlines()]
        return b"".join(json.dumps(o, sort_keys=True, indent=None).encode() + b"\n" for o in objs)

    def reorder_leaf_keys(data: bytes) -> bytes:
        out = []
        for line in data.splitlines():
            o = json.loads(line)
            leaf = json.dumps(dict(reversed(o["leaf"].items())), ensure_ascii=False, separators=(",", ":"))
            out.append(
                f'{{"seq":{o["seq"]},"leaf":{leaf},"body":'.encode() + canonical_json(o["body"]) + b"}\n"
            )
        return b"".join(out)

    for change in (respell, reorder_leaf_keys):
        for bundle in (full_bundle(), partial_bundle()):
            code, out = run(tmp_path, rewrite(bundle, {"entries.jsonl": change}), "--key", KEY)
            assert code == 0, out


def test_extra_file_slipped_past_the_manifest_is_detected(tmp_path: Path) -> None:
    bundle = rewrite(full_bundle(), {"evil.txt": lambda d: b"x"}, fix_manifest=False)
    assert run(tmp_path, bundle, "--key", KEY) == (
        1,
        "FAIL: manifest: file list does not match the bundle (evil.txt)\n",
    )


@pytest.mark.parametrize("member", ["checkpoint.txt", "VERIFY.md", "report.csv", "proofs.json"])
def test_manifest_hash_mismatch_is_detected(tmp_path: Path, member: str) -> None:
    bundle = rewrite(full_bundle(), {member: lambda d: d + b"\n"}, fix_manifest=False)
    assert run(tmp_path, bundle, "--key", KEY) == (1, f"FAIL: manifest: sha256 of {member} does not match\n")


def test_harmless_reformatting_of_entries_still_trips_the_manifest(tmp_path: Path) -> None:
    bundle = rewrite(full_bundle(), {"entries.jsonl": lambda d: d.replace(b'{"seq"', b'{ "seq"')}, False)
    assert run(tmp_path, bundle, "--key", KEY) == (
        1,
        "FAIL: manifest: sha256 of entries.jsonl does not match\n",
    )


def test_leaf_tampering_in_a_partial_bundle_names_the_seq(tmp_path: Path) -> None:
    bundle = rewrite(
        partial_bundle(), {"entries.jsonl": entry_op(1, lambda e: e["leaf"].update(actor_id="x"))}
    )
    code, out = run(tmp_path, bundle, "--key", KEY)
    assert code == 1 and "seq 4: inclusion proof does not verify" in out


def test_partial_bundle_without_proofs_fails(tmp_path: Path) -> None:
    bundle = rewrite(partial_bundle(), {"proofs.json": lambda d: b'{"tree_size": 10, "inclusion": {}}'})
    assert "seq 3: proof must be a list" in run(tmp_path, bundle, "--key", KEY)[1]


def test_wrong_key_is_rejected(tmp_path: Path) -> None:
    code, out = run(tmp_path, full_bundle(), "--key", Signer.generate(ORIGIN).verifier_key())
    assert code == 1 and "pubkey.txt does not match the --key" in out


def test_bundle_re_signed_by_an_impostor_is_rejected_with_the_real_key(tmp_path: Path) -> None:
    impostor = Signer.generate(ORIGIN)
    forged = build_bundle(
        LOG,
        from_seq=0,
        to_seq=9,
        checkpoint_note=note_for(TREE, 10, impostor),
        verifier_key=impostor.verifier_key(),
        created_at=CREATED,
    )
    assert run(tmp_path, forged)[0] == 0  # self-consistent ...
    code, out = run(tmp_path, forged, "--key", KEY)  # ... but not by the key the regulator holds
    assert code == 1 and "pubkey.txt does not match" in out
    spliced = rewrite(full_bundle(), {"checkpoint.txt": lambda d: note_for(TREE, 10, impostor).encode()})
    assert "checkpoint is not signed by key" in run(tmp_path, spliced, "--key", KEY)[1]


def test_forked_history_is_caught_by_an_older_checkpoint(tmp_path: Path) -> None:
    forked_log = make_log(10, fork_at=2)
    forked_tree = tree_of(forked_log)
    # The operator's exporter refuses outright ...
    with pytest.raises(ProofError):
        build_bundle(
            forked_log,
            from_seq=0,
            to_seq=9,
            checkpoint_note=note_for(forked_tree, 10),
            verifier_key=KEY,
            created_at=CREATED,
            older_checkpoints=[OLDER[1]],
        )
    # ... and a hand-made bundle pairing the rewritten log with the recipient's older checkpoint fails.
    forked = build_bundle(
        forked_log,
        from_seq=0,
        to_seq=9,
        checkpoint_note=note_for(forked_tree, 10),
        verifier_key=KEY,
        created_at=CREATED,
    )
    proof = [p.hex() for p in forked_tree.consistency_proof(7)]
    consistency = json.dumps([{"old_checkpoint": OLDER[1], "proof": proof}]).encode()
    code, out = run(tmp_path, rewrite(forked, {"consistency.json": lambda d: consistency}), "--key", KEY)
    assert code == 1 and "checkpoint at size 7 is not consistent with size 10" in out
    assert run(tmp_path, forked, "--key", KEY)[0] == 0  # without the older checkpoint nothing can tell


def test_exporter_refuses_inconsistent_input() -> None:
    note = note_for(TREE, 10)
    kw: dict[str, Any] = {"checkpoint_note": note, "verifier_key": KEY, "created_at": CREATED}
    bad_body = [(s, leaf, {"tampered": True} if s == 2 else body) for s, leaf, body in LOG]
    with pytest.raises(VerificationError, match="seq 2: body"):
        build_bundle(bad_body, from_seq=0, to_seq=9, **kw)
    with pytest.raises(VerificationError, match="checkpoint root"):
        build_bundle(make_log(10, fork_at=9), from_seq=0, to_seq=9, **kw)
    with pytest.raises(VerificationError, match="seq 9: entries stop"):
        build_bundle(LOG[:9], from_seq=0, to_seq=9, **kw)
    with pytest.raises(ValueError, match="needs get_node"):
        build_bundle(LOG[2:4], from_seq=2, to_seq=3, **kw)
    with pytest.raises(ValueError, match="not inside tree size"):
        build_bundle(LOG, from_seq=0, to_seq=10, **kw)
    with pytest.raises(ValueError, match="reserved"):
        build_bundle(LOG, from_seq=0, to_seq=9, extra_files={"VERIFY.md": b""}, **kw)
    with pytest.raises(VerificationError):
        build_bundle(LOG, from_seq=0, to_seq=9, **{**kw, "verifier_key": Signer.generate("x").verifier_key()})


def test_needed_nodes_for_bundle_are_enough_for_one_query() -> None:
    nodes = needed_nodes_for_bundle(3, 6, 10, [4, 7])
    cache = TREE(nodes)
    assert len(cache) == len(nodes)
    bundle = build_bundle(
        LOG[3:7],
        from_seq=3,
        to_seq=6,
        checkpoint_note=note_for(TREE, 10),
        verifier_key=KEY,
        created_at=CREATED,
        get_node=lambda wanted: cache,
        older_checkpoints=OLDER,
    )
    assert bundle == partial_bundle()
    assert needed_nodes_for_bundle(0, 9, 10) == []
