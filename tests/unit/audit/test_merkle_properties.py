"""Merkle tree properties: random trees against a naive RFC 6962 reference, proofs and the compact range."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    InMemoryTree,
    ProofError,
    consistency_proof,
    frontier_nodes,
    inclusion_proof,
    leaf_hash,
    needed_nodes_consistency,
    needed_nodes_inclusion,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)


def _mth(hashes: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH, written straight from the definition as an independent reference."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return node_hash(_mth(hashes[:k]), _mth(hashes[k:]))


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300), st.data())
def test_every_inclusion_proof_verifies_and_tampering_fails(size: int, data: st.DataObject) -> None:
    hashes = _leaves(size)
    tree, root = InMemoryTree(hashes), _mth(hashes)
    index = data.draw(st.integers(0, size - 1))
    proof = tree.inclusion_proof(index)
    assert len(proof) <= (size - 1).bit_length()  # G8: at most ceil(log2 n) hashes
    verify_inclusion(hashes[index], index, size, proof, root)
    if proof:
        i, bit = data.draw(st.integers(0, len(proof) - 1)), data.draw(st.integers(0, 255))
        flipped = list(proof)
        flipped[i] = (
            flipped[i][: bit // 8]
            + bytes([flipped[i][bit // 8] ^ (1 << bit % 8)])
            + flipped[i][bit // 8 + 1 :]
        )
        with pytest.raises(ProofError):
            verify_inclusion(hashes[index], index, size, flipped, root)
    other = data.draw(st.integers(0, size - 1).filter(lambda j: j != index)) if size > 1 else None
    if other is not None:
        with pytest.raises(ProofError):
            verify_inclusion(hashes[index], other, size, proof, root)
    # A checkpoint binds size and root together, so a wrong size comes with that size's root.
    wrong_size = data.draw(st.integers(index + 1, 2 * size + 1).filter(lambda n: n != size))
    with pytest.raises(ProofError):
        verify_inclusion(hashes[index], index, wrong_size, proof, _mth(_leaves(wrong_size)))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300), st.data())
def test_every_consistency_proof_verifies_and_tampering_fails(new: int, data: st.DataObject) -> None:
    hashes = _leaves(new)
    tree = InMemoryTree(hashes)
    old = data.draw(st.integers(0, new))
    old_root, new_root = _mth(hashes[:old]), _mth(hashes)
    proof = tree.consistency_proof(old)
    assert len(proof) <= 2 * (new - 1).bit_length()
    verify_consistency(old, new, old_root, new_root, proof)
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1))
        flipped = [*proof[:i], hashlib.sha256(proof[i]).digest(), *proof[i + 1 :]]
        with pytest.raises(ProofError):
            verify_consistency(old, new, old_root, new_root, flipped)
        with pytest.raises(ProofError):
            verify_consistency(old, new, _mth(_leaves(old + 1)[1:]), new_root, proof)
        with pytest.raises(ProofError):
            verify_consistency(old, new + 1, old_root, _mth(_leaves(new + 1)), proof)
    if 0 < old < new:
        forked = [*hashes[: old - 1], leaf_hash(b"forged"), *hashes[old:]]
        with pytest.raises(ProofError):
            verify_consistency(old, new, _mth(forked[:old]), new_root, proof)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 300))
def test_compact_range_matches_naive_mth_and_reports_every_complete_node(size: int) -> None:
    hashes = _leaves(size)
    cr = CompactRange()
    reported = {}
    for i, h in enumerate(hashes):
        for level, idx, node in cr.append(h):
            assert (level, idx) not in reported and (idx + 1) << level == i + 1  # completed by leaf i
            reported[(level, idx)] = node
        assert cr.size == i + 1
    assert cr.root() == _mth(hashes) == root_from_leaf_hashes(hashes)[1]
    expected = {
        (lv, idx): _mth(hashes[idx << lv : (idx + 1) << lv])
        for lv in range(1, size.bit_length() + 1)
        for idx in range(size >> lv)
    }
    assert reported == expected
    restored = CompactRange.from_nodes(size, cr.frontier())
    assert restored.root() == cr.root()
    assert cr.frontier() == [
        (reported | {(0, i): h for i, h in enumerate(hashes)})[n] for n in frontier_nodes(size)
    ]
    restored.append(leaf_hash(b"next"))
    assert restored.root() == _mth([*hashes, leaf_hash(b"next")])


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 300), st.data())
def test_needed_nodes_are_exactly_what_proofs_fetch_in_one_batch(size: int, data: st.DataObject) -> None:
    tree = InMemoryTree(_leaves(size))
    calls: list[list[tuple[int, int]]] = []

    def recording(nodes: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        calls.append(nodes)
        return tree(nodes)

    index, old = data.draw(st.integers(0, size - 1)), data.draw(st.integers(1, size))
    assert inclusion_proof(index, size, recording) == tree.inclusion_proof(index)
    assert consistency_proof(old, size, recording) == tree.consistency_proof(old)
    wanted = [needed_nodes_inclusion(index, size), needed_nodes_consistency(old, size)]
    assert calls == [w for w in wanted if w]
    for nodes in wanted:  # only complete subtrees, at most about 2 log n of them
        assert all((idx + 1) << lv <= size for lv, idx in nodes)
        assert len(nodes) <= 2 * size.bit_length()
