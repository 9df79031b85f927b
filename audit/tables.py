"""Piccolo tables of the audit log; every one of them is append-only (triggers in the migrations)."""

from piccolo.columns import BigInt, Bytea, Integer, Text, Timestamptz, Varchar
from piccolo.columns.column_types import BigSerial
from piccolo.table import Table


class AuditEvent(Table, tablename="audit_event"):
    """An event, written in the same transaction as the change it records."""

    event_id = BigSerial(primary_key=True)
    created_at = Timestamptz()
    actor_id = Varchar(length=80, help_text="Pseudonymous actor id, never a name or e-mail")
    actor_type = Varchar(length=16, help_text="user | token | system")
    request_id = Varchar(length=64)
    source_ref = Varchar(length=64, help_text="Keyed hash of the client address, never the address")
    action = Varchar(length=64, index=True)
    legal_entity_id = Varchar(length=36, index=True, help_text="The legal entity the event concerns")
    entity_type = Varchar(length=40)
    entity_id = Varchar(length=64)
    entity_version = Integer(null=True)
    outcome = Varchar(length=16)
    reason = Text()
    body = Text(help_text="Canonical JSON (RFC 8785) of before/after and details")
    body_sha256 = Varchar(length=64)


class AuditLeaf(Table, tablename="audit_leaf"):
    """The verifiable order: leaf seq of the Merkle tree, assigned by the single integrator."""

    seq = BigInt(primary_key=True)
    event_id = BigInt(unique=True)
    integrated_at = Timestamptz()
    leaf_bytes = Text(help_text="Canonical JSON of the event header and body hash")
    leaf_hash = Bytea()


class AuditNode(Table, tablename="audit_node"):
    """Hash of every complete subtree (level >= 1) so that proofs need O(log n) lookups."""

    node_id = BigInt(primary_key=True, help_text="level << 56 | index")
    hash = Bytea()


class AuditCheckpoint(Table, tablename="audit_checkpoint"):
    """A signed tree head in the C2SP tlog-checkpoint format."""

    tree_size = BigInt(primary_key=True)
    root_hash = Bytea()
    issued_at = Timestamptz()
    note = Text()
    key_id = Varchar(length=128)
    frontier = Text(help_text="JSON list of hex hashes of the compact range at tree_size")


TABLES = (AuditEvent, AuditLeaf, AuditNode, AuditCheckpoint)
