"""Offline verifier for a ropa audit-log export bundle; needs only Python 3.9+ and `cryptography`.

Usage:  python verify_bundle.py bundle.zip [--key 'name+hash+base64key'] [--checkpoint HELD ...]

Exit 0 with a summary when every check holds, 1 with the first failure. Give --key the key you
received out of band: the bundle's own pubkey.txt proves only self-consistency, not who signed.

A leaf hash is SHA-256(0x00 || RFC 8785 canonical leaf); the canonical body must hash to
leaf.body_sha256. Lines are written {"seq":S,"leaf":L,"body":B} with L and B already canonical, so
a first pass hashes them verbatim: if all then verifies, they are the committed bytes. If anything
fails, a second pass re-canonicalises every entry and its verdict is reported. A full export
(seq 0..N-1) recomputes the RFC 6962 root; a partial one checks an RFC 9162 inclusion proof per
entry (proofs.json: {"tree_size": N, "inclusion": {"<seq>": [hex, ...]}}). consistency.json
([{"old_checkpoint": note, "proof": [hex, ...]}]) proves no earlier checkpoint was rewritten.
--checkpoint HELD names a checkpoint the recipient kept (an earlier bundle's checkpoint.txt, or the
"<tree size> <root>" of an export footer): the bundle's tree must extend it.

Obtain this file out of band, never from a bundle, and compare its SHA-256 with the published one.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import json
import re
import sys
import zipfile
from binascii import hexlify
from collections.abc import Iterable, Iterator
from operator import add
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "ropa-audit-bundle/1"
EMPTY_ROOT = hashlib.sha256(b"").digest()
SAFE_INT = 2**53 - 1  # RFC 8785 numbers are IEEE doubles; larger ints have no canonical form
_sha256 = hashlib.sha256


class BundleError(Exception):
    """A check failed; `seq` names the entry when one is to blame."""

    def __init__(self, reason: str, seq: int | None = None) -> None:
        self.reason, self.seq = reason, seq
        super().__init__(f"seq {seq}: {reason}" if seq is not None else reason)


def _number(text: str) -> int:
    if not text.lstrip("-").isdigit() or abs(value := int(text)) > SAFE_INT:
        raise ValueError(f"number {text} is not allowed (no floats, |int| <= 2**53-1)")
    return value


_decode = json.JSONDecoder(parse_float=_number, parse_int=_number, parse_constant=_number).decode
_encode_sorted = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_encode_as_is = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# Python sorts keys by code point, JCS by UTF-16 code unit: they can differ only at U+E000 and above.
_UTF16_ORDER_RISK = re.compile("[\ue000-\U0010ffff]")


def parse_json(text: str | bytes) -> Any:
    """json.loads that rejects floats, NaN/Infinity and integers outside +-(2**53-1)."""
    return _decode(text.decode("utf-8") if isinstance(text, bytes) else text)


def _utf16_sorted(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _utf16_sorted(v[k]) for k in sorted(v, key=lambda k: k.encode("utf-16-be"))}
    return [_utf16_sorted(x) for x in v] if isinstance(v, list) else v


def canonical(v: Any) -> bytes:
    """RFC 8785 bytes of a parse_json value; the C encoder already escapes strings as JCS does."""
    s = _encode_sorted(v)
    if not s.isascii() and _UTF16_ORDER_RISK.search(s):
        s = _encode_as_is(_utf16_sorted(v))
    return s.encode("utf-8")


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def root_from_leaf_hashes(hashes: Iterable[bytes]) -> tuple[int, bytes]:
    """(size, RFC 6962 root) of a stream of leaf hashes, keeping only the right frontier."""
    stack: list[bytes] = []
    size = 0
    for h in hashes:
        size += 1
        m = size
        while not m & 1:  # one merge per trailing zero bit of the new size: ~1 hash per leaf
            h = _sha256(b"\x01" + stack.pop() + h).digest()
            m >>= 1
        stack.append(h)
    root = stack.pop() if stack else EMPTY_ROOT
    while stack:
        root = node_hash(stack.pop(), root)
    return size, root


def _climb(fn: int, sn: int, start: bytes, path: list[bytes]) -> tuple[bytes, bytes, int]:
    """The loop shared by RFC 9162 2.1.3.2 step 4 (which uses only sr) and 2.1.4.2 step 6."""
    fr = sr = start
    for c in path:
        if sn == 0:
            return fr, sr, -1  # proof too long
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr, sr, sn


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> None:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size or any(len(h) != 32 for h in (leaf, root, *proof)):
        raise BundleError(f"bad inclusion proof input for tree size {size}", index)
    _, r, sn = _climb(index, size - 1, leaf, proof)
    if sn != 0 or r != root:
        raise BundleError("inclusion proof does not verify against the checkpoint root", index)


def verify_consistency(m: int, n: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> None:
    """RFC 9162 section 2.1.4.2; an empty old tree needs an empty proof and the empty root."""
    failed = BundleError(f"checkpoint at size {m} is not consistent with size {n} (history was rewritten)")
    if not 0 <= m <= n or any(len(h) != 32 for h in (old_root, new_root, *proof)):
        raise failed
    if m in (0, n) or not proof:  # only equal sizes or an empty old tree need no proof
        if proof or m not in (0, n) or old_root != (new_root if m else EMPTY_ROOT):
            raise failed
        return
    path = ([old_root] if m & (m - 1) == 0 else []) + list(proof)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr, sr, sn = _climb(fn, sn, path[0], path[1:])
    if sn != 0 or fr != old_root or sr != new_root:
        raise failed


def _b64(text: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error
        raw = None
    if raw is None or base64.b64encode(raw).decode() != text:  # one spelling per byte string
        raise BundleError(f"invalid base64 {text[:16]!r}")
    return raw


def open_checkpoint(note: str, vkey: str) -> tuple[str, int, bytes, list[str]]:
    """(origin, size, root, extension lines) if vkey signed the note; other signers are ignored."""
    m = re.fullmatch(r"([^\s+]+)\+([0-9a-f]{8})\+(\S+)", vkey.strip())  # sumdb/note verifier key
    if not m or len(raw := _b64(m[3])) != 33 or raw[0] != 1:
        raise BundleError("malformed Ed25519 verifier key (name+keyhash+base64)")
    name, khash, key = m[1], bytes.fromhex(m[2]), Ed25519PublicKey.from_public_bytes(raw[1:])
    if _sha256(name.encode() + b"\n" + raw).digest()[:4] != khash:
        raise BundleError("verifier key hash does not match the key")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n") or re.search("[\x00-\x09\x0b-\x1f]", note):
        raise BundleError("malformed checkpoint note")
    text, signed = note[: split + 1], False
    for line in note[split + 2 : -1].split("\n"):
        sig_name, _, sig64 = line[2:].partition(" ")
        if not line.startswith("\u2014 ") or not re.fullmatch(r"[^\s+]+", sig_name) or len(_b64(sig64)) < 5:
            raise BundleError("malformed signature line in checkpoint note")
        raw = _b64(sig64)
        if sig_name == name and raw[:4] == khash:
            try:
                key.verify(raw[4:], text.encode("utf-8"))
            except InvalidSignature:
                raise BundleError(f"invalid checkpoint signature for key {name}+{khash.hex()}") from None
            signed = True
    if not signed:
        raise BundleError(f"checkpoint is not signed by key {name}+{khash.hex()}")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not all(lines) or not re.fullmatch("0|[1-9][0-9]*", lines[1]):
        raise BundleError("malformed checkpoint body")
    if len(root := _b64(lines[2])) != 32:
        raise BundleError("checkpoint root is not 32 bytes")
    return lines[0], int(lines[1]), root, lines[3:]


def _hexes(items: Any, seq: int | None = None) -> list[bytes]:
    try:
        return [bytes.fromhex(x) for x in items]
    except (TypeError, ValueError):
        raise BundleError("proof must be a list of hex strings", seq) from None


def _digits(text: bytes) -> int:
    if not text.isdigit() or (len(text) > 1 and text[:1] == b"0"):
        raise ValueError("not a canonical sequence number")
    return int(text)


def _fast_entry(line: bytes) -> tuple[int, int, str, bytes, bytes]:
    """(seq, leaf seq, leaf body_sha256, leaf bytes, body bytes) by slicing the exporter's layout.

    The exporter writes ``{"seq":S,"leaf":L,"body":B}`` with L and B canonical, so no JSON parse
    is needed: in canonical JSON a quote inside a string is escaped, hence ``,"body":`` and
    ``"body_sha256":"`` only occur where they are keys. The leaf bytes are what the signed root
    commits to, so a line that does not follow the layout fails the root check, and the caller
    then re-checks every entry the slow, exact way.
    """
    line = line.rstrip(b"\n")
    if not line.startswith(b'{"seq":') or not line.endswith(b"}"):
        raise ValueError("not in the exporter's layout")
    i = line.find(b",", 7)
    seq = _digits(line[7:i])
    if not line.startswith(b',"leaf":{', i):
        raise ValueError("not in the exporter's layout")
    j = line.find(b',"body":', i + 8)
    lb, bb = line[i + 8 : j], line[j + 8 : -1]
    k = lb.find(b'"body_sha256":"')
    s = lb.find(b',"seq":')
    if j < 0 or k < 0 or s < 0 or lb[k + 79 : k + 80] != b'"':
        raise ValueError("not in the exporter's layout")
    end = lb.find(b",", s + 7)
    leaf_seq = _digits(lb[s + 7 : end if end > 0 else -1])
    return seq, leaf_seq, lb[k + 15 : k + 79].decode("ascii"), lb, bb


_READ = 1 << 20  # entries.jsonl is read, and checked, about a megabyte of whole lines at a time
_BLOCK_HEIGHT = 10  # a full export's leaf hashes are folded in perfect subtrees of 2**10 leaves
_digest = type(_sha256()).digest  # unbound, so that map() calls it with no Python code per node
_BODY_KEY = b',"body":'
_SHA_KEY = b'"body_sha256":"'


def _level_up(level: list[bytes]) -> list[bytes]:
    """The parents of an even number of sibling nodes: SHA-256(0x01 || left || right) each."""
    return list(map(_digest, map(_sha256, map(add, map(b"\x01".__add__, level[0::2]), level[1::2]))))


def _pieces(zf: zipfile.ZipFile, digest: Any) -> Iterator[list[bytes]]:
    """The lines of entries.jsonl, a megabyte at a time, hashed into digest as read.

    A last line without its newline is kept, as _lines keeps it.
    """
    tail = b""
    with zf.open("entries.jsonl") as member:
        while chunk := member.read(_READ):
            digest.update(chunk)
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            if lines:
                yield lines
    if tail:
        yield [tail]


def _leaf_hashes(lines: list[bytes], first: int) -> list[bytes] | None:
    """The leaf hashes of consecutive lines from seq `first`, or None if a line is not as expected.

    Every line must read ``{"seq":S,"leaf":{L,"body":B}`` with S the next seq, the first
    ``,"body":`` ending the leaf, ``,"seq":S,`` in the leaf, and the 64 hex digits (and a quote)
    after the leaf's first ``"body_sha256":"`` being B's SHA-256 (compared for all the lines at
    once). A line costs a few bytes methods, two slices and two hashes: no parse, no call of ours.
    """
    sha = _sha256
    digests: list[bytes] = []
    hexes: list[bytes] = []
    hashes: list[bytes] = []
    add_digest, add_hex, add_hash = digests.append, hexes.append, hashes.append
    seq = first
    for line in lines:
        head = b'{"seq":%d,"leaf":{' % seq
        n = len(head)
        j = line.find(_BODY_KEY, n)
        k = line.find(_SHA_KEY, n, j)
        if (
            not line.startswith(head)
            or line[-1] != 125  # "}"
            or j < 0
            or k < 0
            or line.rfind(b',"seq":%d,' % seq, n, j) < 0  # leaf.seq, near the leaf's end
        ):
            return None
        add_digest(sha(line[j + 8 : -1]).digest())
        add_hex(line[k + 15 : k + 80])
        add_hash(sha(b"\x00" + line[n - 1 : j]).digest())
        seq += 1
    if b"".join(hexes) != hexlify(b"".join(digests), b'"', 32) + b'"':
        return None  # a body does not match its leaf's body_sha256
    return hashes


def _fast_full_root(zf: zipfile.ZipFile, want_sha: str, count: int) -> bytes | None:
    """The root over a full export, checked as the exporter wrote it, or None at the first doubt.

    The common case, a bundle just as the exporter wrote it, is checked here without a JSON parse
    (_leaf_hashes). In canonical JSON a quote inside a string is escaped, so the keys it looks for
    cannot be forged by string contents; and the leaf bytes are what the signed root commits to,
    so a line that does not follow the layout fails the root check. Anything unexpected returns
    None and the caller runs the exact checks, which then name the entry at fault. The leaf hashes
    are folded in perfect subtrees of 2**_BLOCK_HEIGHT leaves, a level of each at a time (map, so
    no Python code per node), and those subtrees' roots as root_from_leaf_hashes folds leaves.
    """
    digest = _sha256()
    stack: list[bytes] = []  # as in root_from_leaf_hashes, but of whole blocks
    pending: list[bytes] = []  # leaf hashes not yet in a whole block
    block = 1 << _BLOCK_HEIGHT
    seq = blocks = 0
    for lines in _pieces(zf, digest):
        hashes = _leaf_hashes(lines, seq)
        if hashes is None:
            return None
        seq += len(lines)
        pending += hashes
        whole = len(pending) - len(pending) % block
        if whole:
            level = pending[:whole]
            del pending[:whole]
            for _ in range(_BLOCK_HEIGHT):
                level = _level_up(level)
            for h in level:
                blocks += 1
                m = blocks
                while not m & 1:
                    h = _sha256(b"\x01" + stack.pop() + h).digest()
                    m >>= 1
                stack.append(h)
    if seq != count or digest.hexdigest() != want_sha or not seq:
        return None
    size = blocks << _BLOCK_HEIGHT
    for h in pending:  # fewer than a block: leaf by leaf, as root_from_leaf_hashes does
        size += 1
        m = size
        while not m & 1:
            h = _sha256(b"\x01" + stack.pop() + h).digest()
            m >>= 1
        stack.append(h)
    root = stack.pop()
    while stack:
        root = node_hash(stack.pop(), root)
    return root


def _lines(zf: zipfile.ZipFile, digest: Any) -> Iterator[bytes]:
    """The lines of entries.jsonl, read and hashed a megabyte at a time (not a call per line)."""
    tail = b""
    with zf.open("entries.jsonl") as member:
        while chunk := member.read(1 << 20):
            digest.update(chunk)
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            yield from lines
    if tail:
        yield tail


def _entries(zf: zipfile.ZipFile, want_sha: str, first: int, last: int, exact: bool) -> Iterator[bytes]:
    """Leaf hash of each entry once its own checks pass; the member is hashed in the same pass."""
    digest, expected = _sha256(), first
    for line in _lines(zf, digest):
        try:
            if exact:
                entry = _decode(line.decode("utf-8").rstrip("\n"))
                seq, leaf, body = entry["seq"], entry["leaf"], entry["body"]
                lb, bb = canonical(leaf), canonical(body)
                leaf_seq, body_sha = (
                    leaf.get("seq") if isinstance(leaf, dict) else None,
                    leaf.get("body_sha256"),
                )
            else:
                seq, leaf_seq, body_sha, lb, bb = _fast_entry(line)
        except (ValueError, KeyError, TypeError, UnicodeError, AttributeError) as exc:
            raise BundleError(f"malformed entry ({exc})", expected) from None
        if type(seq) is not int or seq != expected:
            raise BundleError(f"found seq {seq!r} here: an entry is missing, inserted or moved", expected)
        if type(leaf_seq) is not int or leaf_seq != seq:
            raise BundleError("leaf.seq does not match the entry's seq", seq)
        if _sha256(bb).hexdigest() != body_sha:
            raise BundleError("body does not match leaf.body_sha256 (body altered)", seq)
        yield _sha256(b"\x00" + lb).digest()
        expected += 1
    if expected != last + 1:
        raise BundleError(f"entries stop before to_seq {last}: entries missing at the end", expected)
    if digest.hexdigest() != want_sha:
        raise BundleError("manifest: sha256 of entries.jsonl does not match")


_HEAD = re.compile(
    r"(?<![0-9])([0-9]{1,18})\s*(?:\u00b7|:|,)?\s*([A-Za-z0-9+/]{43}=|[0-9a-f]{64})(?![A-Za-z0-9+/=])"
)


def _held(text: str, vkey: str, origin: str, source: str) -> tuple[int, bytes]:
    """(size, root) of a checkpoint the recipient kept: a signed note, or '<size> <root>' from a footer."""
    if "\n\n\u2014 " in text:
        h_origin, h_size, h_root, _ = open_checkpoint(text, vkey)
        if h_origin != origin:
            raise BundleError(f"{source} is a checkpoint of another log ({h_origin})")
        return h_size, h_root
    m = _HEAD.search(text)
    if m is None:
        raise BundleError(f"{source}: neither a signed checkpoint nor '<tree size> <root>'")
    return int(m[1]), bytes.fromhex(m[2]) if len(m[2]) == 64 else _b64(m[2])


def verify(path: str, key: str | None = None, held: Iterable[tuple[str, str]] = ()) -> str:
    """Run every check on the bundle at `path`; return a summary or raise BundleError.

    `held` are (text, name) of checkpoints the recipient kept: the bundle's log must extend each."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        if len(set(names)) != len(names) or "manifest.json" not in names:
            raise BundleError("bundle must contain manifest.json and no duplicate file names")
        man = parse_json(zf.read("manifest.json"))
        files = man.get("files") if isinstance(man, dict) else None
        if not isinstance(files, dict) or man.get("format") != FORMAT:
            raise BundleError(f"manifest: format is not {FORMAT}")
        if set(files) != set(names) - {"manifest.json"} or "entries.jsonl" not in files:
            odd = sorted(set(names) ^ set(files) ^ {"manifest.json"}) or ["entries.jsonl"]
            raise BundleError(f"manifest: file list does not match the bundle ({', '.join(odd)})")
        for name in sorted(files):
            if name != "entries.jsonl" and _sha256(zf.read(name)).hexdigest() != files[name]:
                raise BundleError(f"manifest: sha256 of {name} does not match")
        vkey = zf.read("pubkey.txt").decode("utf-8").strip()
        if key is not None and key.strip() != vkey:
            raise BundleError("pubkey.txt does not match the --key you supplied: do not trust this bundle")
        origin, size, root, ext = open_checkpoint(zf.read("checkpoint.txt").decode("utf-8"), vkey)
        proofs = parse_json(zf.read("proofs.json"))
        if (man.get("origin"), man.get("tree_size"), proofs.get("tree_size")) != (origin, size, size):
            raise BundleError("manifest or proofs.json disagree with the checkpoint on origin or tree size")
        first, last = (0, -1) if man.get("to_seq") is None else (man.get("from_seq"), man["to_seq"])
        in_tree = type(first) is type(last) is int and 0 <= first <= last < size
        if man.get("to_seq") is not None and not in_tree:
            raise BundleError(f"manifest: seq range {first}..{last} is not inside tree size {size}")
        full, inclusion = first == 0 and last == size - 1, proofs.get("inclusion") or {}

        def check_entries(exact: bool) -> None:
            leaves = _entries(zf, files["entries.jsonl"], first, last, exact)
            if full and root_from_leaf_hashes(leaves)[1] != root:
                raise BundleError(f"Merkle root over seq 0..{last} differs from the checkpoint root")
            for seq, h in enumerate(leaves, first):  # already exhausted for a full export
                verify_inclusion(h, seq, size, _hexes(inclusion.get(str(seq)), seq), root)

        if not (full and _fast_full_root(zf, files["entries.jsonl"], size) == root):
            try:
                check_entries(exact=False)
            except BundleError:
                check_entries(exact=True)  # re-canonicalising every entry gives the definitive verdict
        sizes = []
        for item in parse_json(zf.read("consistency.json")) if "consistency.json" in files else []:
            o_origin, o_size, o_root, _ = open_checkpoint(item["old_checkpoint"], vkey)
            if o_origin != origin:
                raise BundleError(f"older checkpoint is for another log ({o_origin})")
            verify_consistency(o_size, size, o_root, root, _hexes(item["proof"]))
            sizes.append(str(o_size))
        for text, source in held:
            h_size, h_root = _held(text, vkey, origin, source)
            if h_size > size:
                raise BundleError(
                    f"{source} holds tree size {h_size} but this bundle's log has {size} entries: the log "
                    f"was rolled back (entries seq {size}..{h_size - 1} removed), or this bundle is older "
                    "than your checkpoint",
                    size,
                )
            if h_size == size and h_root != root:
                raise BundleError(f"{source}: another root at the same tree size (a fork)", max(size - 1, 0))
            if h_size < size:
                given = [
                    open_checkpoint(item["old_checkpoint"], vkey)
                    for item in (
                        parse_json(zf.read("consistency.json")) if "consistency.json" in files else []
                    )
                ]
                if any(g[1] == h_size for g in given):
                    if not any(g[1] == h_size and g[2] == h_root for g in given):
                        raise BundleError(
                            f"{source}: the log at tree size {h_size} had another root; entries up to seq "
                            f"{h_size - 1} were rewritten",
                            h_size - 1,
                        )
                elif full:
                    prefix = itertools.islice(_entries(zf, files["entries.jsonl"], 0, last, False), h_size)
                    if root_from_leaf_hashes(prefix)[1] != h_root:
                        raise BundleError(
                            f"{source}: entries seq 0..{h_size - 1} differ from the log you saw at tree size "
                            f"{h_size}: history was rewritten",
                            h_size - 1,
                        )
                else:
                    raise BundleError(
                        f"{source}: this bundle has no consistency proof from tree size {h_size}; ask for "
                        f"one (ropa audit export --consistency-from {h_size})"
                    )
            sizes.append(f"{h_size} (yours)")
    how = "given with --key" if key else "FROM THE BUNDLE: confirm it out of band"
    scope = "full export, root recomputed" if full else "partial export, inclusion proofs verified"
    return (
        f"OK {FORMAT} {origin}: tree size {size}, root {root.hex()} {' '.join(ext)}\n"
        f"  signed by {'+'.join(vkey.split('+')[:2])} (key {how})\n  entries seq {first}..{last}: {scope}\n"
        f"  consistent with older checkpoints at sizes: {', '.join(sizes) or 'none supplied'}"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="verify_bundle.py", description=__doc__.splitlines()[0])
    parser.add_argument("bundle", help="path to the export bundle (.zip)")
    parser.add_argument("--key", help="verifier key received out of band: name+hash+base64")
    parser.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="HELD",
        help="a checkpoint you kept (earlier checkpoint.txt, or '<size> <root>' from an export); repeatable",
    )
    args = parser.parse_args(argv)
    try:
        held = []
        for name in args.checkpoint:
            with open(name, "rb") as handle:
                held.append((handle.read(65536).decode("utf-8"), name))
        print(verify(args.bundle, args.key, held))
        return 0
    except (BundleError, zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError, OSError) as exc:
        print(f"FAIL: {exc}" if isinstance(exc, BundleError) else f"FAIL: {type(exc).__name__}: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
