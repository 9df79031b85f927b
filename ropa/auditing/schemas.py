"""The audit API's answers, typed: what the OpenAPI document states and what the routes return."""

from __future__ import annotations

from typing import Any

import msgspec


class AuditEventOut(msgspec.Struct, kw_only=True):
    """One event as internal audit reads it: the leaf's header fields, the time, the body."""

    event_id: int
    seq: int | None = None  # the leaf's position once the integrator has ordered it, else null
    created_at: str
    actor_id: str
    actor_type: str
    request_id: str
    source_ref: str
    action: str
    legal_entity_id: str
    entity_type: str
    entity_id: str
    entity_version: int | None
    outcome: str
    reason: str
    body_sha256: str
    body: dict[str, Any]


class EventPage(msgspec.Struct, kw_only=True):
    items: list[AuditEventOut]
    next_cursor: int | None


class CheckpointOut(msgspec.Struct, kw_only=True):
    tree_size: int
    root: str  # hex SHA-256
    issued_at: str  # ISO 8601 with zone
    note: str  # the signed note (C2SP signed-note format)


class InclusionProofOut(msgspec.Struct, kw_only=True):
    seq: int
    tree_size: int
    leaf_hash: str
    proof: list[str]
    checkpoint: str | None  # the signed note at tree_size, if one was signed there


class ConsistencyProofOut(msgspec.Struct, kw_only=True):
    first: int
    second: int
    proof: list[str]
    first_checkpoint: str | None
    second_checkpoint: str | None


class EntryOut(msgspec.Struct, kw_only=True):
    seq: int
    leaf: dict[str, Any]  # the leaf as committed: header fields, times and the body's hash
    leaf_hash: str
    body: dict[str, Any] | None


class VerifyReportOut(msgspec.Struct, kw_only=True):
    ok: bool
    tree_size: int
    root: str
    checkpoints: int
    latest_checkpoint: str | None
    held_checked: int
    pending_events: int
    seconds: float
    error_seq: int | None
    error: str | None


class PublicKeyOut(msgspec.Struct, kw_only=True):
    verifier_key: str  # signed-note verifier key
    pem: str  # the Ed25519 public key, PEM
