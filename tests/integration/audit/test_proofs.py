"""Proofs served by the API verify offline against signed checkpoints and the published key."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from audit.checkpoint import parse_and_verify
from audit.db import node_id
from audit.errors import VerificationError
from audit.merkle import verify_consistency, verify_inclusion
from ropa.settings import get_settings
from tests.integration.audit.support import (
    checkpoints,
    create_processors,
    create_record,
    integrate,
    leaves,
    sql,
    tamper,
    verify,
)

PROBLEM = "application/problem+json"


@pytest.fixture
def signed(client: Any) -> list[dict[str, Any]]:
    """Three checkpoints (sizes not powers of two, and a power of two) over the vocabulary log."""
    integrate()
    entity = str(create_record("entity", key="ACME-DK", legal_name="Acme Danmark ApS", country="DK").id)
    for n in range(2):
        create_record("processor", entity=entity, key=f"P-{n}", name=f"Vendor {n}")
    integrate()
    create_processors(entity, [f"P-{n}" for n in range(2, 2 + 256 - len(leaves()))])  # 256 entries
    integrate()
    cps = checkpoints()
    assert [c["tree_size"] for c in cps][-1] == 256 and len(cps) == 3
    return cps


def _key(client: Any) -> str:
    published = client.get("/api/audit/public-key").json()
    assert published["pem"].startswith("-----BEGIN PUBLIC KEY-----")
    return str(published["verifier_key"])


def test_latest_checkpoint_verifies_with_the_published_key(client: Any, signed: list[dict[str, Any]]) -> None:
    latest = client.get("/api/audit/checkpoints/latest").json()
    cp = parse_and_verify(latest["note"], _key(client))
    assert (cp.origin, cp.size, cp.root.hex()) == (get_settings().audit_origin, 256, latest["root"])
    assert latest["tree_size"] == 256 and bytes.fromhex(latest["root"]) == signed[-1]["root_hash"]
    forged = latest["note"].replace("\n256\n", "\n255\n")
    with pytest.raises(VerificationError, match="invalid signature"):
        parse_and_verify(forged, _key(client))


def test_inclusion_proof_of_every_entry_verifies(client: Any, signed: list[dict[str, Any]]) -> None:
    key = _key(client)
    heads = [parse_and_verify(c["note"], key) for c in signed]
    for row in leaves():
        leaf_hash = hashlib.sha256(b"\x00" + row["leaf_bytes"].encode()).digest()
        for head in heads:  # every seq against the latest head; a sample against the older ones
            if row["seq"] >= head.size or (
                head is not heads[-1] and row["seq"] % 9 and row["seq"] != head.size - 1
            ):
                continue
            served = client.get(
                "/api/audit/proofs/inclusion", params={"seq": row["seq"], "tree_size": head.size}
            )
            assert served.status_code == 200, served.text
            body = served.json()
            assert (body["seq"], body["tree_size"], body["leaf_hash"]) == (
                row["seq"],
                head.size,
                leaf_hash.hex(),
            )
            verify_inclusion(
                leaf_hash, row["seq"], head.size, [bytes.fromhex(h) for h in body["proof"]], head.root
            )
    latest = client.get("/api/audit/proofs/inclusion", params={"seq": 0}).json()
    assert latest["tree_size"] == 256  # without tree_size: the current tree


def test_inclusion_proof_does_not_fit_another_leaf(client: Any, signed: list[dict[str, Any]]) -> None:
    root = signed[-1]["root_hash"]
    body = client.get("/api/audit/proofs/inclusion", params={"seq": 100, "tree_size": 256}).json()
    other = bytes.fromhex(client.get("/api/audit/proofs/inclusion", params={"seq": 101}).json()["leaf_hash"])
    with pytest.raises(VerificationError):
        verify_inclusion(other, 100, 256, [bytes.fromhex(h) for h in body["proof"]], root)


def test_consistency_proofs_between_checkpoints_verify(client: Any, signed: list[dict[str, Any]]) -> None:
    key = _key(client)
    heads = [parse_and_verify(c["note"], key) for c in signed]
    for old in heads:
        for new in heads:
            if old.size > new.size:
                continue
            served = client.get(
                "/api/audit/proofs/consistency", params={"first": old.size, "second": new.size}
            )
            assert served.status_code == 200, served.text
            body = served.json()
            assert (body["first"], body["second"]) == (old.size, new.size)
            proof = [bytes.fromhex(h) for h in body["proof"]]
            verify_consistency(old.size, new.size, old.root, new.root, proof)
            if old.size < new.size:  # the same proof does not bless a different old root
                with pytest.raises(VerificationError):
                    verify_consistency(old.size, new.size, new.root, new.root, proof)


def test_an_entry_is_served_with_its_leaf_and_body(client: Any, signed: list[dict[str, Any]]) -> None:
    row = leaves()[200]
    entry = client.get("/api/audit/entries/200").json()
    assert entry["leaf_hash"] == row["leaf_hash"].hex() and entry["leaf"]["seq"] == 200
    event = sql("SELECT body, body_sha256 FROM audit_event WHERE event_id = {}", row["event_id"])[0]
    assert hashlib.sha256(event["body"].encode()).hexdigest() == entry["leaf"]["body_sha256"]
    # A migrated database starts with one event per built-in vocabulary term and the seed's own.
    before = sql(
        "SELECT COUNT(*) AS n FROM audit_event WHERE entity_type <> 'processor' AND event_id < {}",
        row["event_id"],
    )
    assert entry["body"]["after"]["key"] == "P-" + str(200 - int(before[0]["n"]))


BAD = [
    ("/api/audit/proofs/inclusion", {"seq": 256}, 422),  # seq >= size
    ("/api/audit/proofs/inclusion", {"seq": 5, "tree_size": 5}, 422),
    ("/api/audit/proofs/inclusion", {"seq": 0, "tree_size": 0}, 400),
    ("/api/audit/proofs/inclusion", {"seq": 0, "tree_size": 257}, 422),  # beyond the log
    ("/api/audit/proofs/inclusion", {"seq": -1}, 400),
    ("/api/audit/proofs/inclusion", {"seq": "x"}, 400),
    ("/api/audit/proofs/inclusion", {}, 400),
    ("/api/audit/proofs/consistency", {"first": 0, "second": 10}, 400),
    ("/api/audit/proofs/consistency", {"first": 11, "second": 10}, 422),
    ("/api/audit/proofs/consistency", {"first": 1, "second": 257}, 422),
    ("/api/audit/proofs/consistency", {"first": 1, "second": 0}, 400),
    ("/api/audit/entries/256", {}, 404),
]


def test_bad_proof_parameters_are_problems(client: Any, signed: list[dict[str, Any]]) -> None:
    for url, params, status in BAD:
        response = client.get(url, params=params)
        assert response.status_code == status, (url, params, response.text)
        assert response.headers["content-type"].startswith(PROBLEM), (url, params)
        assert response.json()["status"] == status


def test_no_checkpoint_yet_is_a_404_problem(client: Any) -> None:
    response = client.get("/api/audit/checkpoints/latest")
    assert response.status_code == 404 and response.headers["content-type"].startswith(PROBLEM)
    empty = client.get("/api/audit/proofs/inclusion", params={"seq": 0})  # nothing signed to prove against
    assert empty.status_code == 404 and empty.headers["content-type"].startswith(PROBLEM)


def test_a_corrupted_tree_node_is_caught_by_verify(client: Any, signed: list[dict[str, Any]]) -> None:
    tamper(("UPDATE audit_node SET hash = {} WHERE node_id = {}", (b"\x11" * 32, node_id((1, 0)))))
    body = client.get("/api/audit/proofs/inclusion", params={"seq": 2, "tree_size": 256}).json()
    with pytest.raises(VerificationError):  # what a regulator checking entry 2 now sees
        verify_inclusion(
            bytes.fromhex(body["leaf_hash"]),
            2,
            256,
            [bytes.fromhex(h) for h in body["proof"]],
            signed[-1]["root_hash"],
        )
    report = verify()
    assert not report.ok, report.summary()
