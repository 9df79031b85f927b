"""The standalone bundle verifier runs outside the project and agrees with audit.merkle and checkpoint."""

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

from audit_bundle_support import (
    CREATED,
    KEY,
    ORIGIN,
    SIGNER,
    TREE,
    full_bundle,
    lines_op,
    make_log,
    note_for,
    rewrite,
    tree_of,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import verify_bundle as vb
from audit.bundle import build_bundle
from audit.checkpoint import Checkpoint, Signer, parse_and_verify, sign_checkpoint
from audit.errors import VerificationError
from audit.merkle import InMemoryTree, leaf_hash, root_from_leaf_hashes, verify_consistency, verify_inclusion


def test_standalone_verifier_runs_outside_the_project(tmp_path: Path) -> None:
    bundle = full_bundle()
    (tmp_path / "bundle.zip").write_bytes(bundle)
    (tmp_path / "verify_bundle.py").write_bytes(Path(vb.__file__).read_bytes())
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
        ((node.module or "") if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert roots - set(sys.stdlib_module_names) == {"cryptography"}


# --- the standalone verifier agrees with audit.merkle and audit.checkpoint --------------------------


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=8), max_size=70), st.data())
def test_verifier_merkle_code_agrees_with_audit_merkle(leaves: list[bytes], data: st.DataObject) -> None:
    hashes = [leaf_hash(x) for x in leaves]
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


def test_verifier_fast_pass_gives_the_signed_root_around_its_blocks() -> None:
    # The fast pass folds whole blocks of 1,024 leaf hashes a level at a time and the rest leaf by
    # leaf; a wrong root there would not fail a bundle (the exact pass would then run), only slow it.
    log = make_log(3001)
    tree = tree_of(log)
    for size in (1, 1023, 1024, 1025, 2048, 3001):
        bundle = build_bundle(
            log[:size],
            from_seq=0,
            to_seq=size - 1,
            checkpoint_note=note_for(tree, size),
            verifier_key=KEY,
            created_at=CREATED,
        )
        with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
            entries_sha = json.loads(zf.read("manifest.json"))["files"]["entries.jsonl"]
            assert vb._fast_full_root(zf, entries_sha, size) == tree.root(size)


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
    # golang.org/x/mod sumdb/note/note_test.go: a note Go signed opens under Go's verifier key.
    peter = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    go_note = "ropa.example.org/audit/v1\n0\n" + base64.b64encode(hashlib.sha256().digest()).decode() + "\n"
    peter_signer = Signer.from_signer_key(
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    )
    assert vb.open_checkpoint(peter_signer.sign_note(go_note), peter)[:2] == (ORIGIN, 0)
