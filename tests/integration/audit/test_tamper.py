"""The mutation suite: every kind of tampering with a committed log is caught, with its seq and reason."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
from typing import Any

import msgspec
import pytest

from audit.canonical import canonical_json, sha256_hex
from audit.checkpoint import Signer
from audit.errors import VerificationError
from audit.merkle import leaf_hash, root_from_leaf_hashes, verify_consistency
from audit.tables import AuditCheckpoint
from ropa.auditing import services as audit_services
from tests.conftest import run
from tests.integration.audit.support import (
    checkpoints,
    integrate,
    leaves,
    rebuilt_nodes,
    record_ids,
    relink,
    ropa_cli,
    signed_note,
    signer,
    sql,
    tamper,
    tree_size,
    update_record,
    verify,
)


@dataclasses.dataclass
class Log:
    sizes: list[int]  # tree sizes of the signed checkpoints, oldest first

    def event_id(self, seq: int) -> int:
        return int(sql("SELECT event_id FROM audit_leaf WHERE seq = {}", seq)[0]["event_id"])


@pytest.fixture
def log(demo_database: str) -> Log:
    """The demo register, checkpointed; then a few changes, checkpointed again. Verifies OK."""
    integrate()
    for n, processor in enumerate(record_ids("processor")[:4]):
        update_record("processor", processor, description=f"Reviewed by internal audit ({n})")
    integrate()
    sizes = [c["tree_size"] for c in checkpoints()]
    assert len(sizes) == 2 and sizes[1] == tree_size() > sizes[0] > 40
    report = verify()
    assert report.ok, report.error
    assert report.tree_size == sizes[1] and report.checkpoints == 2 and report.pending_events == 0
    return Log(sizes)


def assert_caught(seq: int | None, reason: str) -> None:
    report = verify()
    assert not report.ok, "tampering went unnoticed"
    assert report.error_seq == seq, report.summary()
    assert reason in (report.error or ""), report.summary()


def _body_of(event_id: int) -> str:
    return str(sql("SELECT body FROM audit_event WHERE event_id = {}", event_id)[0]["body"])


def test_changed_byte_in_leaf_bytes(log: Log) -> None:
    seq = 5
    data = leaves()[seq]["leaf_bytes"]
    assert '"outcome":"success"' in data
    tamper(
        (
            "UPDATE audit_leaf SET leaf_bytes = {} WHERE seq = {}",
            (data.replace('"success"', '"succesS"'), seq),
        )
    )
    assert_caught(seq, "leaf hash does not match the leaf bytes")


def test_changed_byte_in_event_body(log: Log) -> None:
    seq = 7
    event_id = log.event_id(seq)
    body = _body_of(event_id)
    tamper(("UPDATE audit_event SET body = {} WHERE event_id = {}", (body.replace("a", "b", 1), event_id)))
    assert_caught(seq, "event body was changed")


def test_body_and_its_hash_changed_together(log: Log) -> None:
    seq = 8
    event_id = log.event_id(seq)
    body = _body_of(event_id).replace("a", "b", 1)
    tamper(
        (
            "UPDATE audit_event SET body = {}, body_sha256 = {} WHERE event_id = {}",
            (body, sha256_hex(body.encode()), event_id),
        )
    )
    assert_caught(seq, "event field 'body_sha256' differs")


@pytest.mark.parametrize(
    ("column", "value"), [("action", "processor.delete"), ("actor_id", "u:someone-else")]
)
def test_changed_event_header_field(log: Log, column: str, value: str) -> None:
    seq = log.sizes[0] + 1  # one of the later updates
    tamper((f"UPDATE audit_event SET {column} = {{}} WHERE event_id = {{}}", (value, log.event_id(seq))))
    assert_caught(seq, f"event field '{column}' differs from what the log committed")


def test_deleted_event(log: Log) -> None:
    seq = 11
    event_id = log.event_id(seq)
    tamper(("DELETE FROM audit_event WHERE event_id = {}", (event_id,)))
    assert_caught(seq, f"event {event_id} was deleted")


def test_deleted_leaf_in_the_middle(log: Log) -> None:
    tamper("DELETE FROM audit_leaf WHERE seq = 10")
    assert_caught(10, "entry missing: the log jumps from seq 9 to 11")


@pytest.mark.parametrize("cut", [1, 3])
def test_deleted_leaves_at_the_tail(log: Log, cut: int) -> None:
    size = log.sizes[-1]
    tamper(("DELETE FROM audit_leaf WHERE seq >= {}", (size - cut,)))
    assert_caught(size - cut, f"the log was truncated: checkpoint at tree size {size}")


def test_two_leaves_swapped(log: Log) -> None:
    tamper(
        "UPDATE audit_leaf SET seq = -1 WHERE seq = 20",
        "UPDATE audit_leaf SET seq = 20 WHERE seq = 30",
        "UPDATE audit_leaf SET seq = 30 WHERE seq = -1",
    )
    assert_caught(20, "leaf says seq 30: entries were reordered")


def _insert_forged_event(copy_of: int) -> int:
    """A new event row, a copy of an existing one under the next free id; returns its id."""
    new_id = int(sql("SELECT MAX(event_id) AS m FROM audit_event")[0]["m"]) + 1
    columns = [c for c in sql("SELECT * FROM audit_event WHERE event_id = {}", copy_of)[0] if c != "event_id"]
    names = ", ".join(columns)
    copy = f"INSERT INTO audit_event (event_id, {names}) SELECT {{}}, {names} FROM audit_event "
    copy += "WHERE event_id = {}"
    sql(copy, new_id, copy_of)
    return new_id


def _shift_from(k: int, rewrite: bool) -> list[tuple[str, tuple]]:
    """Statements that move every leaf at seq >= k one place up (optionally re-committing its seq)."""
    statements: list[tuple[str, tuple]] = [
        ("UPDATE audit_leaf SET seq = seq + 1000000 WHERE seq >= {}", (k,))
    ]
    for row in reversed(leaves()[k:]):
        statements.append(
            ("UPDATE audit_leaf SET seq = {} WHERE seq = {}", (row["seq"] + 1, row["seq"] + 1000000))
        )
        if rewrite:
            statements += relink(
                row["seq"] + 1, {**msgspec.json.decode(row["leaf_bytes"]), "seq": row["seq"] + 1}
            )
    return statements


@pytest.mark.parametrize("careful", [False, True], ids=["naive", "leaves-recommitted"])
def test_inserted_leaf(log: Log, careful: bool) -> None:
    k = 12
    forged = _insert_forged_event(log.event_id(k - 1))
    leaf = {**msgspec.json.decode(leaves()[k - 1]["leaf_bytes"]), "seq": k, "event_id": forged}
    data = canonical_json(leaf)
    tamper(
        *_shift_from(k, rewrite=careful),
        (
            "INSERT INTO audit_leaf (seq, event_id, integrated_at, leaf_bytes, leaf_hash) "
            "SELECT {}, {}, integrated_at, {}, {} FROM audit_leaf WHERE seq = {}",
            (k, forged, data.decode(), leaf_hash(data), k - 1),
        ),
    )
    assert tree_size() == log.sizes[-1] + 1
    if careful:  # every entry checks out alone; only the signed root gives it away
        assert_caught(
            log.sizes[0] - 1, f"no longer matches the checkpoint signed at tree size {log.sizes[0]}"
        )
    else:
        assert_caught(k + 1, f"leaf says seq {k}: entries were reordered")


def test_forked_history_resigned_with_the_real_key(log: Log) -> None:
    held_by_regulator = checkpoints()[-1]  # published before the rewrite
    for processor in record_ids("processor")[4:7]:
        update_record("processor", processor, description="Later change")
    integrate(checkpoint=False)
    assert len(checkpoints()) == 2
    # Rewrite an early event as an insider with the signing key would: body, hash, leaf, nodes.
    seq = 3
    event_id = log.event_id(seq)
    body = _body_of(event_id).replace("a", "b", 1)
    digest = sha256_hex(body.encode())
    rows = leaves()
    leaf = {**msgspec.json.decode(rows[seq]["leaf_bytes"]), "body_sha256": digest}
    rows[seq]["leaf_hash"] = leaf_hash(canonical_json(leaf))
    hashes = [r["leaf_hash"] for r in rows]
    size, root = root_from_leaf_hashes(hashes)
    tamper(
        ("UPDATE audit_event SET body = {}, body_sha256 = {} WHERE event_id = {}", (body, digest, event_id)),
        *relink(seq, leaf),
        *rebuilt_nodes(hashes),
    )
    key = signer()
    run(
        AuditCheckpoint.insert(
            AuditCheckpoint(
                tree_size=size,
                root_hash=root,
                issued_at=dt.datetime.now(dt.UTC),
                note=signed_note(size, root, key),
                key_id=key.verifier_key(),
                frontier="[]",
            )
        ).run()
    )
    assert_caught(log.sizes[0] - 1, f"no longer matches the checkpoint signed at tree size {log.sizes[0]}")

    # Even with the older checkpoints gone from the database, the one the regulator holds
    # cannot be extended to the new head.
    tamper("DELETE FROM audit_checkpoint WHERE tree_size < " + str(size))
    proof = run(audit_services.consistency(held_by_regulator["tree_size"], size))
    with pytest.raises(VerificationError, match="does not extend the checkpointed tree"):
        verify_consistency(
            held_by_regulator["tree_size"],
            size,
            held_by_regulator["root_hash"],
            root,
            [bytes.fromhex(h) for h in proof["proof"]],
        )


def test_truncation_hidden_by_removing_its_checkpoint_is_exposed_to_the_holder(
    log: Log, demo_client: Any
) -> None:
    """The database alone cannot tell; whoever holds the removed checkpoint can (external anchoring)."""
    held = checkpoints()[-1]
    tamper(
        ("DELETE FROM audit_leaf WHERE seq >= {}", (log.sizes[0],)),
        ("DELETE FROM audit_checkpoint WHERE tree_size = {}", (held["tree_size"],)),
    )
    assert verify().tree_size == log.sizes[0] < held["tree_size"]
    asked = demo_client.get("/api/audit/proofs/consistency", params={"first": held["tree_size"]})
    assert asked.status_code == 422  # the log no longer reaches the size its signed head promised


def _set_note(size: int, note: str) -> None:
    tamper(("UPDATE audit_checkpoint SET note = {} WHERE tree_size = {}", (note, size)))


def test_checkpoint_with_a_flipped_signature_byte(log: Log) -> None:
    size = log.sizes[-1]
    note = checkpoints()[-1]["note"]
    text, _, sig_line = note.rstrip("\n").rpartition("\n")
    prefix, _, sig_b64 = sig_line.rpartition(" ")
    raw = bytearray(base64.b64decode(sig_b64))
    raw[10] ^= 0x01  # inside the Ed25519 signature, after the 4-byte key hash
    _set_note(size, f"{text}\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n")
    assert_caught(None, f"checkpoint at tree size {size}: invalid signature")


def test_checkpoint_signed_by_another_key(log: Log) -> None:
    size = log.sizes[-1]
    impostor = Signer.generate(signer().name)
    _set_note(size, signed_note(size, checkpoints()[-1]["root_hash"], impostor))
    assert_caught(None, f"checkpoint at tree size {size}: note is not signed by key")


def test_checkpoint_row_that_differs_from_its_note(log: Log) -> None:
    size = log.sizes[0]
    tamper(("UPDATE audit_checkpoint SET root_hash = {} WHERE tree_size = {}", (b"\x00" * 32, size)))
    assert_caught(None, f"checkpoint at tree size {size}: row differs from its signed note")


def test_cli_verify_exit_codes(log: Log, demo_database: str) -> None:
    good = ropa_cli(demo_database, "audit", "verify")
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.startswith(f"OK: {log.sizes[-1]} entries, root ")
    assert "2 signed checkpoints verified" in good.stdout
    tamper("DELETE FROM audit_leaf WHERE seq = 17")
    bad = ropa_cli(demo_database, "audit", "verify")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert bad.stdout.startswith("FAILED: seq 17: entry missing")
