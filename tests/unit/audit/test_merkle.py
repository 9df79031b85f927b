"""RFC 6962 Merkle tree: published test vectors, property tests and the compact range."""

from __future__ import annotations

import pytest

from audit.errors import VerificationError
from audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    InMemoryTree,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

# Test vectors from transparency-dev/merkle, proof/verify_test.go (`leaves`, `roots`,
# `inclusionProofs`, `consistencyProofs`), which carry over google/certificate-transparency's
# merkle_tree_test.cc; and rfc6962/rfc6962_test.go (TestRFC6962Hasher).
LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657")] + [
    bytes.fromhex("606162636465666768696a6b6c6d6e6f")
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf number, 1-based as in the Go file, tree size, proof)
INCLUSION = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        2,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
TREE = InMemoryTree(leaf_hash(x) for x in LEAVES)


def test_rfc6962_hasher_vectors() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert leaf_hash(b"L123456").hex() == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    assert (
        node_hash(b"N123", b"N456").hex()
        == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


@pytest.mark.parametrize("size", range(1, 9))
def test_published_roots(size: int) -> None:
    hashes = [leaf_hash(x) for x in LEAVES[:size]]
    assert root_from_leaf_hashes(hashes) == (size, bytes.fromhex(ROOTS[size - 1]))
    cr = CompactRange()
    cr.extend(hashes)
    assert cr.root().hex() == ROOTS[size - 1] == TREE.root(size).hex()


def test_empty_tree() -> None:
    assert root_from_leaf_hashes([]) == (0, EMPTY_ROOT)
    assert CompactRange().root() == EMPTY_ROOT == InMemoryTree().root()


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION)
def test_published_inclusion_proofs(leaf: int, size: int, proof: list[str]) -> None:
    index, root, lh = leaf - 1, bytes.fromhex(ROOTS[size - 1]), leaf_hash(LEAVES[leaf - 1])
    expected = [bytes.fromhex(p) for p in proof]
    assert TREE.inclusion_proof(index, size) == expected
    verify_inclusion(lh, index, size, expected, root)
    # Port of corruptInclusionProof in the same Go file: each probe must fail.
    probes = [
        (lh, index - 1, size, expected, root),
        (lh, index + 1, size, expected, root),
        (lh, index ^ 2, size, expected, root),
        (lh, index, size * 2, expected, root),
        (lh, index, size // 2, expected, root),
        (b"WrongLeaf".ljust(32), index, size, expected, root),
        (lh, index, size, expected, EMPTY_ROOT),
        (lh, index, size, expected, SOME_HASH),
        (lh, index, size, [*expected, b""], root),
        (lh, index, size, [*expected, root], root),
        (lh, index, size, [b"", *expected], root),
        (lh, index, size, [root, *expected], root),
    ]
    for i in range(len(expected)):
        flipped = list(expected)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((lh, index, size, flipped, root))
    if expected:
        probes.append((lh, index, size, expected[:-1], root))
    if len(expected) > 1:
        probes.append((lh, index, size, [expected[0], SOME_HASH, *expected[1:]], root))
    for probe in probes:
        with pytest.raises(ProofError):
            verify_inclusion(*probe)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_published_consistency_proofs(old: int, new: int, proof: list[str]) -> None:
    root1, root2 = bytes.fromhex(ROOTS[old - 1]), bytes.fromhex(ROOTS[new - 1])
    expected = [bytes.fromhex(p) for p in proof]
    assert TREE.consistency_proof(old, new) == expected
    verify_consistency(old, new, root1, root2, expected)
    if not expected:
        return
    # Port of corruptConsistencyProof in the same Go file.
    probes = [
        (old - 1, new, root1, root2, expected),
        (old + 1, new, root1, root2, expected),
        (old ^ 2, new, root1, root2, expected),
        (old, new * 2, root1, root2, expected),
        (old, new // 2, root1, root2, expected),
        (old, new, b"WrongRoot".ljust(32), root2, expected),
        (old, new, root1, b"WrongRoot".ljust(32), expected),
        (old, new, root2, root1, expected),
        (old, new, root1, root2, []),
        (old, new, root1, root2, [*expected, b""]),
        (old, new, root1, root2, [*expected, root1]),
        (old, new, root1, root2, [*expected, root2]),
        (old, new, root1, root2, [b"", *expected]),
        (old, new, root1, root2, [root1, *expected]),
        (old, new, root1, root2, [root2, *expected]),
        (old, new, root1, root2, [expected[0], *expected]),
        (old, new, root1, root2, expected[:-1]),
    ]
    for i in range(len(expected)):
        flipped = list(expected)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((old, new, root1, root2, flipped))
    for probe in probes:
        with pytest.raises(ProofError):
            verify_consistency(*probe)


def test_consistency_edge_cases() -> None:
    r = bytes.fromhex(ROOTS[0])
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 5, EMPTY_ROOT, SOME_HASH, [])
    verify_consistency(1, 1, r, r, [])
    bad = [
        (1, 0, r, r, []),  # time travel
        (2, 1, r, r, []),
        (1, 2, r, SOME_HASH, []),  # empty proof
        (1, 1, r, SOME_HASH, []),  # two roots for one size
        (1, 1, r, r, [EMPTY_ROOT]),  # same size, non-empty proof
        (0, 1, EMPTY_ROOT, SOME_HASH, [EMPTY_ROOT]),
        (0, 3, SOME_HASH, SOME_HASH, []),  # stricter than Go: an empty tree has one root
    ]
    for probe in bad:
        with pytest.raises(ProofError):
            verify_consistency(*probe)


def test_inclusion_edge_cases() -> None:
    h = leaf_hash(b"data")
    verify_inclusion(h, 0, 1, [], h)
    for leaf, index, size, root in [
        (h, 0, 1, b""),
        (b"", 0, 1, h),
        (h, 0, 0, h),
        (h, 1, 1, h),
        (h, -1, 1, h),
    ]:
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, size, [], root)


def test_proof_error_is_a_verification_error_naming_the_seq() -> None:
    with pytest.raises(VerificationError) as info:
        verify_inclusion(leaf_hash(b"x"), 3, 8, [], SOME_HASH)
    assert info.value.seq == 3 and str(info.value).startswith("seq 3: ")


def test_compact_range_rejects_bad_state() -> None:
    with pytest.raises(ValueError):
        CompactRange.from_nodes(3, [SOME_HASH])
    with pytest.raises(ValueError):
        CompactRange.from_nodes(1, [b"short"])
    with pytest.raises(ValueError):
        CompactRange().append(b"short")


def test_proof_generation_rejects_bad_arguments_and_missing_nodes() -> None:
    with pytest.raises(ValueError):
        inclusion_proof(8, 8, TREE)
    with pytest.raises(ValueError):
        consistency_proof(5, 4, TREE)
    with pytest.raises(ValueError):
        inclusion_proof(0, 8, lambda nodes: {})
    with pytest.raises(ValueError):
        TREE.root(9)
