"""Export bundles: build, verify offline with the standalone verifier, and catch every tamper kind."""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import verify_bundle as vb
from audit.bundle import build_bundle, needed_nodes_for_bundle
from audit.canonical import canonical_json, sha256_hex
from audit.checkpoint import Checkpoint, Signer, parse_and_verify, sign_checkpoint
from audit.errors import VerificationError
from audit.merkle import (
    InMemoryTree,
    ProofError,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

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
        assert zf.read("verify_bundle.py") == Path(vb.__file__).read_bytes()
    assert names == {"manifest.json", *manifest["files"]}
    assert {"entries.jsonl", "checkpoint.txt", "pubkey.txt", "proofs.json", "consistency.json"} <= names
    assert {"verify_bundle.py", "VERIFY.md", "report.csv"} <= names
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


@pytest.mark.parametrize("kind", FULL_TAMPERS)
def test_tampering_with_a_full_bundle_is_detected(tmp_path: Path, kind: str) -> None:
    changes, message = FULL_TAMPERS[kind]
    code, out = run(tmp_path, rewrite(full_bundle(), changes), "--key", KEY)
    assert code == 1 and out.startswith("FAIL: ") and message in out, out


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
    bundle = rewrite(full_bundle(), {"entries.jsonl": lambda d: d.replace(b'{"body"', b'{ "body"')}, False)
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


def test_standalone_verifier_runs_outside_the_project(tmp_path: Path) -> None:
    bundle = full_bundle()
    (tmp_path / "bundle.zip").write_bytes(bundle)
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        (tmp_path / "verify_bundle.py").write_bytes(zf.read("verify_bundle.py"))
    plain = [sys.executable, "verify_bundle.py", "bundle.zip", "--key", KEY]
    done = subprocess.run(plain, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("OK "), done.stdout + done.stderr
    # The venv has an editable install of this project, so also run with our packages blocked.
    blocked = (
        "import runpy, sys; sys.modules['audit'] = sys.modules['ropa'] = None; "
        f"sys.argv = ['verify_bundle.py', 'bundle.zip', '--key', {KEY!r}]; "
        "runpy.run_path('verify_bundle.py', run_name='__main__')"
    )
    (tmp_path / "bundle.zip").write_bytes(rewrite(bundle, {"entries.jsonl": lines_op(lambda ls: ls[:-1])}))
    done = subprocess.run([sys.executable, "-I", "-c", blocked], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1 and "seq 9: entries stop" in done.stdout, done.stdout + done.stderr


def test_standalone_verifier_imports_only_stdlib_and_cryptography() -> None:
    tree = ast.parse(Path(vb.__file__).read_text())
    roots = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert roots - set(sys.stdlib_module_names) == {"cryptography"}


# --- the standalone verifier agrees with audit.merkle and audit.checkpoint --------------------------


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=8), max_size=70), st.data())
def test_verifier_merkle_code_agrees_with_audit_merkle(leaves: list[bytes], data: st.DataObject) -> None:
    hashes = [leaf_hash(x) for x in leaves]
    assert [vb.leaf_hash(x) for x in leaves] == hashes
    assert vb.root_from_leaf_hashes(hashes) == root_from_leaf_hashes(hashes)
    if not hashes:
        return
    tree, n = InMemoryTree(hashes), len(hashes)
    i, m = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n))
    proofs = [tree.inclusion_proof(i), data.draw(st.lists(st.sampled_from(hashes), max_size=8))]
    for proof in proofs:
        for index in {i, (i + 1) % n}:
            assert _ok(verify_inclusion, hashes[i], index, n, proof, tree.root()) == _ok(
                vb.verify_inclusion, hashes[i], index, n, proof, tree.root()
            )
    c_proofs = [tree.consistency_proof(m), data.draw(st.lists(st.sampled_from(hashes), max_size=8))]
    for proof in c_proofs:
        for old_root in {tree.root(m), hashes[0]}:
            args = (m, n, old_root, tree.root(), proof)
            assert _ok(verify_consistency, *args) == _ok(vb.verify_consistency, *args)


def _ok(fn: Callable[..., Any], *args: Any) -> bool:
    try:
        fn(*args)
    except (VerificationError, vb.BundleError):
        return False
    return True


def test_verifier_note_code_agrees_with_audit_checkpoint() -> None:
    for cp in [
        Checkpoint(ORIGIN, 0, hashlib.sha256().digest()),
        Checkpoint(ORIGIN, 10, TREE.root(), CREATED),
    ]:
        note = sign_checkpoint(cp, SIGNER)
        origin, size, root, ext = vb.open_checkpoint(note, KEY)
        assert parse_and_verify(note, KEY) == cp == Checkpoint(origin, size, root, cp.timestamp)
        assert ext == ([f"time {CREATED}"] if cp.timestamp else [])
        raw = note.encode()
        for i in range(len(raw)):
            try:
                mutated = (raw[:i] + bytes([raw[i] ^ 1]) + raw[i + 1 :]).decode()
            except UnicodeDecodeError:
                continue
            assert _ok(vb.open_checkpoint, mutated, KEY) is False
            assert _ok(parse_and_verify, mutated, KEY) is False
    peter = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    assert vb.parse_key(peter)[:2] == ("PeterNeumann", bytes.fromhex("c74f20a3"))
