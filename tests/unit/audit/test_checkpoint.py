"""C2SP checkpoints in Ed25519 signed notes: Go sumdb/note vectors, round trips and tampering."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from audit.checkpoint import (
    Checkpoint,
    Signer,
    format_body,
    key_hash,
    load_signer,
    open_note,
    parse_and_verify,
    parse_verifier_key,
    sign_checkpoint,
)
from audit.errors import VerificationError

# Vectors from golang.org/x/mod, sumdb/note/note_test.go (TestNewVerifier, TestSign, TestOpen).
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_B64 = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
ENOCH_B64 = "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ="
PETER_SIG = f"\u2014 PeterNeumann {PETER_B64}\n"
ENOCH_SIG = f"\u2014 EnochRoot {ENOCH_B64}\n"

ORIGIN = "ropa.example.org/audit/v1"
ROOT = hashlib.sha256(b"some root").digest()


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer.generate(ORIGIN)


def test_go_key_hash_and_verifier_key() -> None:
    peter = Signer.from_signer_key(PETER_SKEY)
    assert peter.key_hash == bytes.fromhex("c74f20a3") == key_hash("PeterNeumann", peter.public_key)
    assert peter.verifier_key() == PETER_VKEY
    name, khash, _ = parse_verifier_key(PETER_VKEY)
    assert (name, khash.hex()) == ("PeterNeumann", "c74f20a3")


def test_go_signature_is_reproduced_byte_for_byte() -> None:
    # Ed25519 is deterministic, so our signer must produce exactly the note Go's note.Sign did.
    assert Signer.from_signer_key(PETER_SKEY).sign_note(TEXT) == TEXT + "\n" + PETER_SIG


def test_go_notes_open_and_unknown_signers_are_ignored() -> None:
    assert open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, PETER_VKEY) == TEXT
    assert open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, ENOCH_VKEY) == TEXT
    with pytest.raises(VerificationError, match="not signed by key EnochRoot"):
        open_note(TEXT + "\n" + PETER_SIG, ENOCH_VKEY)
    with pytest.raises(VerificationError, match="invalid signature"):
        open_note(TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:], PETER_VKEY)


@pytest.mark.parametrize(
    "msg",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + f"\u2014 Bad Name {PETER_B64}",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG * 101,
        TEXT + "\n" + PETER_SIG.replace("\u2014", "-"),
        "\ud800" + TEXT + "\n" + PETER_SIG,
    ],
)
def test_go_malformed_notes_are_rejected(msg: str) -> None:
    with pytest.raises(VerificationError):
        open_note(msg, PETER_VKEY)


def test_go_verifier_key_manglings_are_rejected() -> None:
    # Port of TestNewVerifier: every proper substring and every single-byte bump must fail.
    bad = [PETER_VKEY[i:j] for i in range(len(PETER_VKEY) + 1) for j in range(i + 1, len(PETER_VKEY) + 1)]
    bad = [k for k in bad if k != PETER_VKEY]
    bad += [PETER_VKEY[:i] + chr(ord(c) + 1) + PETER_VKEY[i + 1 :] for i, c in enumerate(PETER_VKEY)]
    bad += [
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",  # wrong length
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # unknown algorithm
    ]
    for key in bad:
        with pytest.raises(VerificationError):
            parse_verifier_key(key)


@pytest.mark.parametrize("timestamp", [None, "2026-03-01T12:00:00Z", "2026-03-01T12:00:00.123456Z"])
def test_sign_and_verify_round_trip(signer: Signer, timestamp: str | None) -> None:
    cp = Checkpoint(ORIGIN, 1234, ROOT, timestamp)
    note = sign_checkpoint(cp, signer)
    assert parse_and_verify(note, signer.verifier_key()) == cp
    body = f"{ORIGIN}\n1234\n{base64.b64encode(ROOT).decode()}\n"
    assert format_body(cp) == body + (f"time {timestamp}\n" if timestamp else "")
    assert note.startswith(format_body(cp) + "\n\u2014 " + ORIGIN + " ")


def test_empty_tree_checkpoint(signer: Signer) -> None:
    cp = Checkpoint(ORIGIN, 0, hashlib.sha256(b"").digest())
    assert parse_and_verify(sign_checkpoint(cp, signer), signer.verifier_key()) == cp


def test_wrong_key_is_rejected(signer: Signer) -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 5, ROOT), signer)
    with pytest.raises(VerificationError, match="not signed by key"):
        parse_and_verify(note, Signer.generate(ORIGIN).verifier_key())
    with pytest.raises(VerificationError, match="not signed by key"):
        parse_and_verify(note, Signer.generate("other.example").verifier_key())


def test_every_flipped_byte_is_detected(signer: Signer) -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 5, ROOT, "2026-03-01T12:00:00Z"), signer)
    raw = note.encode()
    for i in range(len(raw)):
        for bit in (0x01, 0x20):
            mutated = raw[:i] + bytes([raw[i] ^ bit]) + raw[i + 1 :]
            try:
                text = mutated.decode()
            except UnicodeDecodeError:
                continue  # a transport would have rejected it before us
            with pytest.raises(VerificationError):
                parse_and_verify(text, signer.verifier_key())


@pytest.mark.parametrize(
    "body",
    [
        f"{ORIGIN}\n5\n",  # no root line
        f"{ORIGIN}\n05\n{base64.b64encode(ROOT).decode()}\n",  # leading zero
        f"{ORIGIN}\n-5\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n5\n{base64.b64encode(ROOT[:31]).decode()}\n",  # short root
        f"{ORIGIN}\n5\n{base64.b64encode(ROOT).decode().rstrip('=')}\n",  # unpadded base64
        f"{ORIGIN}\n5\n{base64.b64encode(ROOT).decode()}\nextension\n",  # unknown extension
        f"{ORIGIN}\n5\n{base64.b64encode(ROOT).decode()}\ntime yesterday\n",
        f"{ORIGIN}\n5\n{base64.b64encode(ROOT).decode()}\n" + "time 2026-01-01T00:00:00Z\n" * 2,
        f"\n5\n{base64.b64encode(ROOT).decode()}\n",  # empty origin
    ],
)
def test_malformed_checkpoint_bodies_are_rejected_even_when_signed(signer: Signer, body: str) -> None:
    with pytest.raises(VerificationError, match="malformed"):
        parse_and_verify(signer.sign_note(body), signer.verifier_key())


def test_format_body_refuses_what_it_could_not_parse() -> None:
    for cp in [
        Checkpoint("", 1, ROOT),
        Checkpoint("a\nb", 1, ROOT),
        Checkpoint(ORIGIN, -1, ROOT),
        Checkpoint(ORIGIN, 1, ROOT[:5]),
        Checkpoint(ORIGIN, 1, ROOT, "2026-03-01 12:00:00+01:00"),
    ]:
        with pytest.raises(ValueError):
            format_body(cp)


def test_pem_round_trip_and_loading(signer: Signer) -> None:
    again = load_signer(ORIGIN, signer.to_pem())
    assert again.verifier_key() == signer.verifier_key()
    public = serialization.load_pem_public_key(signer.public_key_pem())
    assert (
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == signer.public_key
    )
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError):
        load_signer(ORIGIN, ec_pem)
    with pytest.raises(ValueError):
        load_signer(ORIGIN, b"not a pem")


@pytest.mark.parametrize("name", ["", "has space", "a+b", "tab\tname"])
def test_invalid_key_names(name: str) -> None:
    with pytest.raises(ValueError):
        Signer.generate(name)


def test_signer_key_must_match_its_hash() -> None:
    with pytest.raises(ValueError):
        Signer.from_signer_key(PETER_SKEY.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(ValueError):
        Signer.from_signer_key("PRIVATE+KEY+PeterNeumann+c74f20a3")
