"""RFC 6962 / RFC 9162 Merkle tree over SHA-256: hashing, compact range, proofs and their verification."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

from audit.errors import VerificationError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

# (level, idx) names the complete subtree over leaves [idx * 2**level, (idx + 1) * 2**level).
Node = tuple[int, int]
# Batch lookup of complete-subtree hashes (one DB query); level 0 is the leaf hash itself.
GetNode = Callable[[list[Node]], Mapping[Node, bytes]]
# (level, idx, hash) of an internal node that an append made complete.
Completed = tuple[int, int, bytes]

_sha256 = hashlib.sha256


class ProofError(VerificationError):
    """An inclusion or consistency proof does not verify."""


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the 0x00/0x01 prefixes stop a node from posing as a leaf."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


def _fold(hashes: Sequence[bytes]) -> bytes:
    # RFC 6962 splits at the largest power of two below n, so the complete subtrees of a range
    # nest to the right and its hash is a right fold over them.
    acc = hashes[-1] if hashes else EMPTY_ROOT
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def root_from_leaf_hashes(hashes: Iterable[bytes]) -> tuple[int, bytes]:
    """Stream leaf hashes into (size, root) keeping only the O(log n) right frontier."""
    stack: list[bytes] = []
    push, pop, sha = stack.append, stack.pop, _sha256
    size = 0
    for h in hashes:
        size += 1
        # One merge per trailing zero bit of the new size, about one hash per leaf on average;
        # hashing inline rather than via node_hash keeps the loop close to raw hashlib speed.
        m = size
        while not m & 1:
            h = sha(b"\x01" + pop() + h).digest()
            m >>= 1
        push(h)
    return size, _fold(stack)


def _subtree_nodes(lo: int, hi: int) -> list[Node]:
    """Split [lo, hi) into maximal aligned complete subtrees, left to right."""
    out: list[Node] = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        if lo:
            level = min(level, (lo & -lo).bit_length() - 1)
        out.append((level, lo >> level))
        lo += 1 << level
    return out


def frontier_nodes(size: int) -> list[Node]:
    """The complete subtrees that make up the compact range [0, size), largest first."""
    return _subtree_nodes(0, size)


class CompactRange:
    """The right frontier of the tree: all the state an integrator needs to append and get the root."""

    def __init__(self) -> None:
        self._size = 0
        self._frontier: list[bytes] = []

    @classmethod
    def from_nodes(cls, size: int, frontier_hashes: Sequence[bytes]) -> CompactRange:
        """Restore from `frontier()` as persisted next to a checkpoint of `size` leaves."""
        if size < 0 or len(frontier_hashes) != size.bit_count():
            raise ValueError(f"a compact range of size {size} has one hash per set bit of the size")
        if any(len(h) != HASH_SIZE for h in frontier_hashes):
            raise ValueError("frontier hashes must be 32 bytes")
        cr = cls()
        cr._size, cr._frontier = size, list(frontier_hashes)
        return cr

    @property
    def size(self) -> int:
        return self._size

    def frontier(self) -> list[bytes]:
        """Hashes of `frontier_nodes(size)`, largest subtree first."""
        return list(self._frontier)

    def root(self) -> bytes:
        return _fold(self._frontier)

    def append(self, leaf: bytes) -> list[Completed]:
        """Add one leaf hash; return every internal node (level >= 1) it completed, lowest first."""
        if len(leaf) != HASH_SIZE:
            raise ValueError("leaf hash must be 32 bytes")
        index, h, level = self._size, leaf, 0
        completed: list[Completed] = []
        while (index >> level) & 1:
            level += 1
            h = node_hash(self._frontier.pop(), h)
            completed.append((level, index >> level, h))
        self._frontier.append(h)
        self._size = index + 1
        return completed

    def extend(self, leaves: Iterable[bytes]) -> list[Completed]:
        """Append a batch; the nodes completed by all of it, in creation order."""
        return [node for leaf in leaves for node in self.append(leaf)]


def _split(n: int) -> int:
    """Largest power of two strictly below n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """RFC 6962 PATH(index, D[0:size]) as the leaf range of each element, bottom-up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} outside tree of size {size}")
    out: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = lo + _split(hi - lo)
        out.append((k, hi) if index < k else (lo, k))
        lo, hi = (lo, k) if index < k else (k, hi)
    return out[::-1]


def _consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """RFC 6962 PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true) as leaf ranges, bottom-up."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to {new_size}")
    if old_size in (0, new_size):
        return []
    out: list[tuple[int, int]] = []
    lo, hi, whole = 0, new_size, True
    while old_size != hi:
        k = lo + _split(hi - lo)
        if old_size <= k:
            out.append((k, hi))
            hi = k
        else:
            out.append((lo, k))
            lo, whole = k, False
    if not whole:  # SUBPROOF(m, D[m], false) contributes MTH(D[m]) itself
        out.append((lo, hi))
    return out[::-1]


def _needed(ranges: Iterable[tuple[int, int]]) -> list[Node]:
    return list(dict.fromkeys(node for lo, hi in ranges for node in _subtree_nodes(lo, hi)))


def needed_nodes_inclusion(index: int, size: int) -> list[Node]:
    """The nodes `inclusion_proof(index, size, get_node)` will ask `get_node` for."""
    return _needed(_inclusion_ranges(index, size))


def needed_nodes_consistency(old_size: int, new_size: int) -> list[Node]:
    """The nodes `consistency_proof(old_size, new_size, get_node)` will ask `get_node` for."""
    return _needed(_consistency_ranges(old_size, new_size))


def _build(ranges: list[tuple[int, int]], get_node: GetNode) -> list[bytes]:
    needed = _needed(ranges)
    got = get_node(needed) if needed else {}
    if missing := [n for n in needed if n not in got]:
        raise ValueError(f"get_node did not return nodes {missing}")
    return [_fold([got[n] for n in _subtree_nodes(lo, hi)]) for lo, hi in ranges]


def inclusion_proof(index: int, size: int, get_node: GetNode) -> list[bytes]:
    """Audit path of leaf `index` in the tree of `size` leaves, bottom-up (RFC 6962 §2.1.1)."""
    return _build(_inclusion_ranges(index, size), get_node)


def consistency_proof(old_size: int, new_size: int, get_node: GetNode) -> list[bytes]:
    """Proof that the tree of `new_size` leaves extends the one of `old_size` (RFC 6962 §2.1.2)."""
    return _build(_consistency_ranges(old_size, new_size), get_node)


class InMemoryTree:
    """Every complete subtree hash in memory: a `GetNode` for tests and for in-memory exports."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._range = CompactRange()
        self._levels: list[list[bytes]] = [[]]
        for h in leaf_hashes:
            self.append(h)

    @property
    def size(self) -> int:
        return self._range.size

    def append(self, leaf: bytes) -> None:
        completed = self._range.append(leaf)
        self._levels[0].append(leaf)
        for level, _, h in completed:  # nodes complete left to right, so idx == len(row)
            if level == len(self._levels):
                self._levels.append([])
            self._levels[level].append(h)

    def __call__(self, nodes: list[Node]) -> dict[Node, bytes]:
        """The `GetNode` interface; unknown or not yet complete nodes are left out."""
        levels = self._levels
        return {(lv, i): levels[lv][i] for lv, i in nodes if lv < len(levels) and 0 <= i < len(levels[lv])}

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ValueError(f"size {size} outside 0..{self.size}")
        return _fold([self._levels[lv][i] for lv, i in frontier_nodes(size)])

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self.size if size is None else size, self)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return consistency_proof(old_size, self.size if new_size is None else new_size, self)


def _shift_while_even(fn: int, sn: int) -> tuple[int, int]:
    # RFC 9162: "right-shift both fn and sn equally until either LSB(fn) is set or fn is 0".
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2: raise ProofError unless `proof` puts `leaf` at `index` under (size, root)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index outside tree of size {size}", seq=index)
    if any(len(h) != HASH_SIZE for h in (leaf, root, *proof)):
        raise ProofError("hash is not 32 bytes", seq=index)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long", seq=index)
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            fn, sn = _shift_while_even(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or r != root:
        raise ProofError("inclusion proof does not lead to the root", seq=index)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2: raise ProofError unless (new_size, new_root) extends (old_size, old_root).

    Cases the RFC leaves open follow transparency-dev/merkle, except that an empty old tree must
    have the empty root: an empty tree has exactly one root, and any other claim is a lie.
    """
    if not 0 <= old_size <= new_size:
        raise ProofError(f"tree sizes go backwards ({old_size} -> {new_size})")
    if any(len(h) != HASH_SIZE for h in (old_root, new_root, *proof)):
        raise ProofError("hash is not 32 bytes")
    if old_size in (0, new_size):
        if proof:
            raise ProofError(f"consistency proof from size {old_size} to {new_size} must be empty")
        if old_root != (EMPTY_ROOT if old_size == 0 else new_root):
            raise ProofError(f"two different roots for tree size {old_size}")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = [old_root, *proof] if old_size & (old_size - 1) == 0 else list(proof)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            fn, sn = _shift_while_even(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != old_root or sr != new_root:
        raise ProofError(f"tree at size {new_size} does not extend the checkpointed tree at size {old_size}")
