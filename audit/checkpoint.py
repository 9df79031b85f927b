"""C2SP tlog-checkpoint bodies in C2SP signed notes, signed with Ed25519 (golang.org/x/mod/sumdb/note)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit.errors import VerificationError

_ALG_ED25519 = b"\x01"
_SIG_PREFIX = "\u2014 "  # em dash + space, as in the Go implementation
_SIZE_RE = re.compile(r"0|[1-9][0-9]*")
_TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?Z")
_CONTROL_RE = re.compile(r"[\x00-\x09\x0b-\x1f]")
_MAX_SIGNATURES = 100  # the Go parser's cap, so a hostile note cannot make us verify forever


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: the log `origin` had `size` leaves with Merkle root `root`."""

    origin: str
    size: int
    root: bytes
    timestamp: str | None = None  # RFC 3339 UTC, carried in a `time ...` extension line


def is_valid_key_name(name: str) -> bool:
    """Key names are non-empty with no whitespace and no '+', which delimits verifier keys."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_hash(name: str, public_key: bytes) -> bytes:
    """First 4 bytes of SHA-256(name || 0x0A || 0x01 || raw Ed25519 public key)."""
    return hashlib.sha256(name.encode() + b"\n" + _ALG_ED25519 + public_key).digest()[:4]


def verifier_key_string(name: str, public_key: bytes) -> str:
    """`<name>+<8 hex key hash>+<base64(0x01 || public key)>`."""
    return f"{name}+{key_hash(name, public_key).hex()}+{base64.b64encode(_ALG_ED25519 + public_key).decode()}"


def _b64(text: str, what: str) -> bytes:
    # validate=True plus a round trip rejects stray characters and non-canonical padding bits,
    # so one byte string has exactly one accepted spelling.
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VerificationError(f"malformed {what}: invalid base64") from exc
    if base64.b64encode(raw).decode() != text:
        raise VerificationError(f"malformed {what}: non-canonical base64")
    return raw


def parse_verifier_key(vkey: str) -> tuple[str, bytes, Ed25519PublicKey]:
    """Split a verifier key string into (name, 4-byte key hash, public key); VerificationError if bad."""
    name, _, rest = vkey.strip().partition("+")
    hash_hex, _, key_b64 = rest.partition("+")
    if not is_valid_key_name(name) or not re.fullmatch(r"[0-9a-f]{8}", hash_hex):
        raise VerificationError("malformed verifier key")
    raw = _b64(key_b64, "verifier key")
    if len(raw) != 33 or raw[:1] != _ALG_ED25519:
        raise VerificationError("verifier key is not an Ed25519 key")
    if key_hash(name, raw[1:]) != bytes.fromhex(hash_hex):
        raise VerificationError("verifier key hash does not match the key")
    return name, bytes.fromhex(hash_hex), Ed25519PublicKey.from_public_bytes(raw[1:])


class Signer:
    """An Ed25519 private key with the note key name it signs under."""

    def __init__(self, private_key: Ed25519PrivateKey, name: str) -> None:
        if not is_valid_key_name(name):
            raise ValueError(f"invalid key name {name!r}: no spaces or '+'")
        self.name = name
        self._key = private_key
        self.public_key = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_hash = key_hash(name, self.public_key)

    @classmethod
    def generate(cls, name: str) -> Signer:
        return cls(Ed25519PrivateKey.generate(), name)

    @classmethod
    def from_pem(cls, pem: bytes, name: str) -> Signer:
        """Load an unencrypted PKCS#8 PEM Ed25519 key; ValueError for anything else."""
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("signing key must be Ed25519")
        return cls(key, name)

    @classmethod
    def from_signer_key(cls, skey: str) -> Signer:
        """Load Go's `PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>`, checking the key hash."""
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise ValueError("malformed signer key")
        try:
            raw = base64.b64decode(parts[4], validate=True)
        except binascii.Error as exc:
            raise ValueError("malformed signer key") from exc
        if len(raw) != 33 or raw[:1] != _ALG_ED25519:
            raise ValueError("signer key is not an Ed25519 seed")
        signer = cls(Ed25519PrivateKey.from_private_bytes(raw[1:]), parts[2])
        if signer.key_hash.hex() != parts[3]:
            raise ValueError("signer key hash does not match the key")
        return signer

    def to_pem(self) -> bytes:
        return self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def public_key_pem(self) -> bytes:
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def verifier_key(self) -> str:
        return verifier_key_string(self.name, self.public_key)

    def sign_note(self, text: str) -> str:
        """Signed note: text (ending in a newline), a blank line, one signature line."""
        if not text.endswith("\n"):
            raise ValueError("note text must end with a newline")
        sig = self._key.sign(text.encode())
        return f"{text}\n{_SIG_PREFIX}{self.name} {base64.b64encode(self.key_hash + sig).decode()}\n"


def load_signer(name: str, pem: bytes) -> Signer:
    """The integrator's signer from PEM bytes the caller read from a file or an env var."""
    return Signer.from_pem(pem, name)


def format_body(cp: Checkpoint) -> str:
    """`<origin>\\n<size>\\n<base64 root>\\n` plus `time <timestamp>\\n` when set."""
    if not cp.origin or "\n" in cp.origin or _CONTROL_RE.search(cp.origin):
        raise ValueError("origin must be a non-empty single line")
    if cp.size < 0 or len(cp.root) != 32:
        raise ValueError("checkpoint needs size >= 0 and a 32-byte root")
    if cp.timestamp is not None and not _TIME_RE.fullmatch(cp.timestamp):
        raise ValueError(f"timestamp {cp.timestamp!r} is not RFC 3339 UTC (…Z)")
    body = f"{cp.origin}\n{cp.size}\n{base64.b64encode(cp.root).decode()}\n"
    return body + (f"time {cp.timestamp}\n" if cp.timestamp is not None else "")


def sign_checkpoint(cp: Checkpoint, signer: Signer) -> str:
    """The full signed note text for `cp`."""
    return signer.sign_note(format_body(cp))


def open_note(note: str, verifier_key: str) -> str:
    """Return the note text if it carries a valid signature by `verifier_key`; other signers are ignored.

    Follows golang.org/x/mod/sumdb/note Open: a bad signature by our key is fatal, while signatures
    by unknown keys (witnesses, a rotated-in key) are skipped, as C2SP signed-note requires.
    """
    name, khash, public_key = parse_verifier_key(verifier_key)
    try:
        note.encode()
    except UnicodeEncodeError as exc:
        raise VerificationError("malformed note: not UTF-8") from exc
    if _CONTROL_RE.search(note):
        raise VerificationError("malformed note: control character")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise VerificationError("malformed note: no signature block")
    text, sig_block = note[: split + 1], note[split + 2 :]
    lines = sig_block[:-1].split("\n")
    if len(lines) > _MAX_SIGNATURES:
        raise VerificationError("malformed note: too many signatures")
    verified = False
    for line in lines:
        if not line.startswith(_SIG_PREFIX):
            raise VerificationError("malformed note: bad signature line")
        sig_name, _, sig_b64 = line[len(_SIG_PREFIX) :].partition(" ")
        raw = _b64(sig_b64, "note signature")
        if not is_valid_key_name(sig_name) or len(raw) < 5:
            raise VerificationError("malformed note: bad signature line")
        if sig_name != name or raw[:4] != khash:
            continue
        try:
            public_key.verify(raw[4:], text.encode())
        except InvalidSignature as exc:
            raise VerificationError(f"invalid signature for key {name}+{khash.hex()}") from exc
        verified = True
    if not verified:
        raise VerificationError(f"note is not signed by key {name}+{khash.hex()}")
    return text


def parse_body(text: str) -> Checkpoint:
    """Parse checkpoint note text; only our `time` extension line is accepted."""
    lines = text[:-1].split("\n") if text.endswith("\n") else []
    if len(lines) < 3 or not all(lines):
        raise VerificationError("malformed checkpoint: needs origin, size and root lines")
    origin, size_s, root_s, *extensions = lines
    if not _SIZE_RE.fullmatch(size_s):
        raise VerificationError("malformed checkpoint: bad tree size")
    root = _b64(root_s, "checkpoint root")
    if len(root) != 32:
        raise VerificationError("malformed checkpoint: root is not 32 bytes")
    timestamp: str | None = None
    for ext in extensions:
        # A signed line we do not understand is more likely an error than a feature.
        if not ext.startswith("time ") or timestamp is not None:
            raise VerificationError(f"malformed checkpoint: unexpected line {ext!r}")
        timestamp = ext[5:]
        if not _TIME_RE.fullmatch(timestamp):
            raise VerificationError("malformed checkpoint: bad time line")
    return Checkpoint(origin=origin, size=int(size_s), root=root, timestamp=timestamp)


def parse_and_verify(note_text: str, verifier_key: str) -> Checkpoint:
    """Verify the signature by `verifier_key`, then parse; VerificationError on any problem."""
    return parse_body(open_note(note_text, verifier_key))
