"""An attacker who can write the database but does not hold the key: rollback, rewrite, reorder, fork.

Each of these leaves a log that is consistent with its own signed checkpoints (the old integrator
re-sequenced and re-signed what was left). What catches them is a checkpoint kept outside the
database: the integrator's anchor file, a witness directory, or a recipient's copy.
"""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audit import db as audit_db
from audit import verifier
from audit.anchor import AnchorFile, LogInconsistent
from audit.integrator import Integrator
from ropa.auditing.export import export_bundle
from ropa.auditing.integrator import make_integrator
from ropa.settings import get_settings
from tests.conftest import run
from tests.integration.audit.support import (
    checkpoints,
    integrate,
    leaves,
    record_ids,
    ropa_cli,
    signer,
    sql,
    tamper,
    tree_size,
    update_record,
    verify,
)


def anchored() -> Integrator:
    """The integrator the service runs: anchor file beside the key, witnesses from the settings."""
    return make_integrator(get_settings(), signer())


def sign_anchored() -> int:
    run(anchored().integrate_all(checkpoint=True))
    return tree_size()


def changes(count: int, tag: str) -> None:
    for n, processor in enumerate(record_ids("processor")[:count]):
        update_record("processor", processor, description=f"{tag} {n}")


def anchor_file() -> Path:
    return Path(get_settings().anchor_path)


def drop_anchor() -> None:
    """As on another host: neither the anchored checkpoint nor the integrated head is here."""
    anchor_file().unlink()
    anchor_file().with_name(anchor_file().name + ".head").unlink()


@pytest.fixture
def signed(demo_database: str, tmp_path: Path) -> Iterator[list[int]]:
    """The demo, then two rounds of changes, each signed by the service's integrator; and a witness
    directory that received every checkpoint. Returns the signed tree sizes."""
    witness = tmp_path / "witness"
    os.environ["ROPA_AUDIT_WITNESS_DIR"] = str(witness)
    get_settings.cache_clear()
    sizes = []
    for count, tag in ((2, "zeroth round"), (3, "first round"), (4, "second round")):
        changes(count, tag)
        sizes.append(sign_anchored())
    assert anchor_file().exists() and f"\n{sizes[-1]}\n" in anchor_file().read_text()
    assert len(list(witness.glob("checkpoint-*.txt"))) == 3
    assert verify().ok
    yield sizes
    os.environ.pop("ROPA_AUDIT_WITNESS_DIR", None)
    get_settings.cache_clear()


def _beyond(size: int) -> tuple[list[tuple[str, tuple[Any, ...]]], list[int]]:
    """Statements that cut the log back to its first `size` entries: leaves, their events, the
    subtree hashes that cover later leaves, and the later checkpoints."""
    cut = [r for r in leaves() if r["seq"] >= size]
    nodes = [
        r["node_id"]
        for r in sql("SELECT node_id FROM audit_node")
        if ((r["node_id"] & ((1 << 56) - 1)) + 1) << (r["node_id"] >> 56) > size
    ]
    statements: list[tuple[str, tuple[Any, ...]]] = [("DELETE FROM audit_leaf WHERE seq >= {}", (size,))]
    statements += [("DELETE FROM audit_node WHERE node_id = {}", (n,)) for n in nodes]
    statements.append(("DELETE FROM audit_checkpoint WHERE tree_size > {}", (size,)))
    return statements, [r["event_id"] for r in cut]


def roll_back_to(size: int) -> None:
    statements, events = _beyond(size)
    statements += [("DELETE FROM audit_event WHERE event_id = {}", (e,)) for e in events]
    tamper(*statements)


def cli_verify(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    return ropa_cli(database, "audit", "verify", *args)


def test_rollback_to_an_older_signed_size(signed: list[int], demo_database: str) -> None:
    old, last = signed[1], signed[2]
    roll_back_to(old)
    # What made this an attack: the log agrees with every checkpoint left in the database.
    assert verify().ok
    done = cli_verify(demo_database)
    assert done.returncode == 1
    assert f"FAILED: seq {old}: the log holds {old} entries" in done.stdout, done.stdout
    assert f"checkpoint at tree size {last}: entries seq {old}..{last - 1} were removed" in done.stdout
    # The service's integrator gives out no sequence number on it and signs nothing.
    integrator = anchored()
    with pytest.raises(LogInconsistent) as caught:
        run(integrator.integrate_all(checkpoint=True))
    assert caught.value.seq == old
    assert integrator.failure and "rolled back" in integrator.failure
    assert max(c["tree_size"] for c in checkpoints()) == old


def test_the_service_refuses_to_start_on_a_rolled_back_log(signed: list[int]) -> None:
    from litestar.testing import TestClient

    from ropa.app import create_app

    roll_back_to(signed[1])
    # The lifespan's error reaches the test wrapped in anyio's exception group.
    with pytest.raises(BaseException) as caught:
        with TestClient(create_app(pool=False, integrator=False)):
            pass
    errors = caught.value.exceptions if isinstance(caught.value, BaseExceptionGroup) else [caught.value]
    assert any(f"refusing to start: the log holds {signed[1]} entries" in str(e) for e in errors), errors


def test_a_running_service_halts_when_the_log_is_rolled_back(signed: list[int]) -> None:
    from litestar.testing import TestClient

    from ropa.app import create_app

    app = create_app(pool=False, integrator=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/health").status_code == 200
        roll_back_to(signed[1])
        with pytest.raises(LogInconsistent):
            run(app.state["integrator"].integrate_all())
        for path in ("/health", "/api/activities", "/api/audit/events"):
            answer = client.get(path)
            assert answer.status_code == 503, path
            assert answer.headers["content-type"] == "application/problem+json"
            assert "rolled back" in answer.json()["detail"]


@pytest.mark.parametrize("when", ["after", "before"])
@pytest.mark.parametrize("anchor", ["a shared anchor file", "no anchor file yet", "none yet, then shared"])
def test_a_log_another_server_grows_while_one_starts_is_not_called_rolled_back(
    signed: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, anchor: str, when: str
) -> None:
    """Several servers on one database: one starts while another integrates and signs, just ``when``
    the starting one reads the tree. The start check runs without the integrator's lock, so the tree
    may grow between its reads; a log that only grew must pass, whether the anchor is a file the
    servers share or adopted from the database, and an adopted anchor never replaces a newer one."""
    changes(5, "while a server starts")
    if anchor == "a shared anchor file":
        other = anchored()
    else:
        drop_anchor()
        elsewhere = AnchorFile(tmp_path / "elsewhere.checkpoint")
        shared = anchor == "none yet, then shared"
        other = anchored() if shared else Integrator(signer(), get_settings().audit_origin, anchor=elsewhere)
    real = audit_db.tree_size
    interleaved: list[int] = []

    async def another_server_signs() -> int:
        if when == "before" and not interleaved:
            interleaved.append(0)
            await other.integrate_all(checkpoint=True)
        size = await real()
        if when == "after" and not interleaved:  # once: the other integrator reads the tree size too
            interleaved.append(size)
            await other.integrate_all(checkpoint=True)
        return size

    monkeypatch.setattr(audit_db, "tree_size", another_server_signs)
    starting = anchored()
    run(starting.check_anchor())
    monkeypatch.undo()
    assert interleaved and starting.failure is None
    grown = tree_size()
    assert grown > signed[-1] and max(c["tree_size"] for c in checkpoints()) == grown
    if anchor == "no anchor file yet":
        assert f"\n{signed[-1]}\n" in anchor_file().read_text(), "the checkpoint read is the one adopted"
    else:
        assert f"\n{grown}\n" in anchor_file().read_text(), "the newer anchored checkpoint is kept"
    # And the service, started on it, runs and integrates.
    run(starting.integrate_all(checkpoint=True))
    assert verify().ok


def test_entries_integrated_but_not_yet_signed_keep_their_seq(signed: list[int], demo_database: str) -> None:
    """Pages show seqs before a checkpoint covers them: the integrated head holds those too."""
    last = signed[-1]
    changes(3, "not signed yet")
    run(anchored().integrate_all(checkpoint=False))
    size = tree_size()
    assert size == last + 3 and max(c["tree_size"] for c in checkpoints()) == last
    head = anchor_file().with_name(anchor_file().name + ".head").read_text()
    assert head.startswith(f"{size} ")
    # The unsigned tail removed, and one other event integrated in its place by an old integrator.
    roll_back_to(last)
    changes(1, "in their place")
    integrate(checkpoint=False)
    assert verify().ok
    done = cli_verify(demo_database)
    assert done.returncode == 1 and f"FAILED: seq {last + 1}: the log holds {last + 1} entries" in done.stdout
    assert "integrated, not yet signed" in done.stdout, done.stdout
    with pytest.raises(LogInconsistent):
        run(anchored().integrate_all(checkpoint=True))


def _delete_and_resequence(seq: int) -> int:
    """Delete the event at `seq`, then let an integrator that keeps no anchor (as ropa did before)
    re-sequence the rest and sign; new work then takes the log past its old size. Returns the new size."""
    statements, _ = _beyond(seq)
    victim = int(sql("SELECT event_id FROM audit_leaf WHERE seq = {}", seq)[0]["event_id"])
    tamper(*statements, ("DELETE FROM audit_event WHERE event_id = {}", (victim,)))
    integrate()  # the old integrator: re-sequences seq.. and signs with the real key
    changes(6, "after the rewrite")
    integrate()
    assert verify().ok, "the rewritten log is consistent with the checkpoints in the database"
    return tree_size()


def test_mid_log_delete_resequenced_and_resigned(signed: list[int], demo_database: str) -> None:
    first, middle, last = signed
    k = (middle + last) // 2
    assert _delete_and_resequence(k) >= last
    done = cli_verify(demo_database)
    assert done.returncode == 1
    # The first seq that may differ is named: the anchor and the witness held the log at `last`;
    # the database's own checkpoint at `middle` still matches, so the change lies in middle..last-1.
    expected = f"entries seq {middle}..{last - 1} differ from the checkpoint at tree size {last}"
    assert f"FAILED: seq {middle}: {expected}" in done.stdout, done.stdout
    assert middle <= k <= last - 1
    # The service's integrator refuses to go on from it.
    with pytest.raises(LogInconsistent):
        run(anchored().integrate_all(checkpoint=True))


def test_reordered_entries_resequenced_and_resigned(signed: list[int], demo_database: str) -> None:
    first, middle, last = signed
    a, b = middle + 1, middle + 2
    ids = [int(sql("SELECT event_id FROM audit_leaf WHERE seq = {}", s)[0]["event_id"]) for s in (a, b)]
    statements, _ = _beyond(a)
    swap = [
        ("UPDATE audit_event SET event_id = {} WHERE event_id = {}", (-ids[0], ids[0])),
        ("UPDATE audit_event SET event_id = {} WHERE event_id = {}", (ids[0], ids[1])),
        ("UPDATE audit_event SET event_id = {} WHERE event_id = {}", (ids[1], -ids[0])),
    ]
    tamper(*statements, *swap)
    integrate()
    assert tree_size() == last and verify().ok
    done = cli_verify(demo_database)
    assert done.returncode == 1
    assert f"FAILED: seq {middle}: entries seq {middle}..{last - 1} differ" in done.stdout, done.stdout


def test_fork_at_the_same_size_is_refused_by_the_witness_and_caught(
    signed: list[int], demo_database: str, tmp_path: Path
) -> None:
    first, middle, last = signed
    statements, events = _beyond(middle)
    # Drop the last round and write another in its place: same number of entries, other history.
    tamper(*statements, *[("DELETE FROM audit_event WHERE event_id = {}", (e,)) for e in events])
    changes(4, "a different second round")
    integrate()
    assert tree_size() == last and verify().ok
    witness = get_settings().audit_witness_dir
    done = ropa_cli(demo_database, "audit", "witness", "--dir", witness)
    assert done.returncode == 1 and "REFUSED" in done.stdout and "fork" in done.stdout, done.stdout
    done = cli_verify(demo_database)
    assert done.returncode == 1
    assert f"FAILED: seq {middle}: entries seq {middle}..{last - 1} differ" in done.stdout, done.stdout


def test_witness_directory_alone_catches_a_rollback(signed: list[int], demo_database: str) -> None:
    """Without the anchor file (another host, say), the witnessed checkpoints still hold."""
    roll_back_to(signed[1])
    drop_anchor()
    done = cli_verify(demo_database)
    assert done.returncode == 1 and f"seq {signed[1]}:" in done.stdout and "witness" in done.stdout, (
        done.stdout
    )


def test_verify_with_a_checkpoint_the_holder_kept(
    signed: list[int], demo_database: str, tmp_path: Path
) -> None:
    first, middle, last = signed
    note = next(c["note"] for c in checkpoints() if c["tree_size"] == last)
    kept = tmp_path / "checkpoint.txt"
    kept.write_text(note)
    footer = tmp_path / "footer.txt"  # as printed in an export footer: tree size and base64 root
    root = next(c["root_hash"] for c in checkpoints() if c["tree_size"] == last)
    footer.write_text(f"Checkpoint {last} · {base64.b64encode(root).decode()}\n")
    drop_anchor()
    os.environ.pop("ROPA_AUDIT_WITNESS_DIR")  # only what the holder kept
    get_settings.cache_clear()
    # The log as it is extends both.
    for held in (kept, footer):
        done = cli_verify(demo_database, "--checkpoint", str(held))
        assert done.returncode == 0 and "extends 1 checkpoints held" in done.stdout, done.stdout
    roll_back_to(middle)
    for held in (kept, footer):
        done = ropa_cli(demo_database, "audit", "verify", "--checkpoint", str(held))
        assert done.returncode == 1 and f"FAILED: seq {middle}:" in done.stdout, done.stdout
        assert str(held) in done.stdout


def _published_verifier(tmp_path: Path, bundle: bytes, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "verify_bundle.py").write_bytes(verifier.source())
    (tmp_path / "bundle.zip").write_bytes(bundle)
    return subprocess.run(
        [sys.executable, "verify_bundle.py", "bundle.zip", "--key", signer().verifier_key(), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_bundle_verifier_checks_the_recipients_checkpoint(signed: list[int], tmp_path: Path) -> None:
    first, middle, last = signed
    earlier = run(export_bundle(signer(), anchored()))
    with zipfile.ZipFile(io.BytesIO(earlier)) as zf:
        (tmp_path / "kept.txt").write_bytes(zf.read("checkpoint.txt"))
    held = int((tmp_path / "kept.txt").read_text().split("\n")[1])
    # An honest later bundle, full or partial with its consistency proof, extends it.
    changes(2, "later")
    later = run(export_bundle(signer(), anchored()))
    done = _published_verifier(tmp_path, later, "--checkpoint", "kept.txt")
    assert done.returncode == 0 and f"{held} (yours)" in done.stdout, done.stdout
    partial = run(export_bundle(signer(), anchored(), held, None, [held]))
    done = _published_verifier(tmp_path, partial, "--checkpoint", "kept.txt")
    assert done.returncode == 0, done.stdout
    # The database rewritten in the middle and re-signed by an integrator without the anchor:
    # the next full bundle verifies on its own, but not against what the recipient kept.
    k = (middle + last) // 2
    _delete_and_resequence(k)
    forged = run(export_bundle(signer(), Integrator(signer(), get_settings().audit_origin)))
    assert _published_verifier(tmp_path, forged).returncode == 0
    done = _published_verifier(tmp_path, forged, "--checkpoint", "kept.txt")
    assert done.returncode == 1
    assert f"FAIL: seq {held - 1}: kept.txt:" in done.stdout and "rewritten" in done.stdout, done.stdout


def test_bundle_verifier_reports_a_rollback_against_the_kept_checkpoint(
    signed: list[int], tmp_path: Path
) -> None:
    first, middle, last = signed
    note = next(c["note"] for c in checkpoints() if c["tree_size"] == last)
    (tmp_path / "kept.txt").write_text(note)
    roll_back_to(middle)
    bundle = run(export_bundle(signer(), Integrator(signer(), get_settings().audit_origin)))
    size = run(audit_db.tree_size())
    assert size < last
    done = _published_verifier(tmp_path, bundle, "--checkpoint", "kept.txt")
    assert done.returncode == 1
    assert (
        f"FAIL: seq {size}: kept.txt holds tree size {last}" in done.stdout and "rolled back" in done.stdout
    )


def test_published_verifier_command_prints_the_hash_the_readme_names(
    demo_database: str, tmp_path: Path
) -> None:
    out = tmp_path / "verify_bundle.py"
    done = ropa_cli(demo_database, "audit", "verifier", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == verifier.source()
    assert f"SHA-256 {verifier.sha256()}" in done.stdout
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    assert verifier.sha256() in readme, "README.md must print the published verifier's SHA-256"
