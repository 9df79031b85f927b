"""Append-only triggers on every audit table (both engines) and the query indexes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.table import Table

ID = "2026-11-22T00:15:57:000000"
VERSION = "1.38.0"
DESCRIPTION = "append-only triggers and query indexes"

AUDIT_TABLES = ("audit_event", "audit_leaf", "audit_node", "audit_checkpoint")

INDEX_COLUMNS = {
    "audit_event_entity_ix": "entity_type, entity_id, event_id",
    "audit_event_legal_entity_ix": "legal_entity_id, event_id",
    "audit_event_actor_ix": "actor_id, created_at, event_id",
    "audit_event_time_ix": "created_at, event_id",
    "audit_event_action_ix": "action, event_id",
}
INDEXES = [f"CREATE INDEX {name} ON audit_event ({columns})" for name, columns in INDEX_COLUMNS.items()]
DROP_INDEXES = [f"DROP INDEX {name}" for name in INDEX_COLUMNS]

SQLITE = [
    f"CREATE TRIGGER {t}_no_{op.lower()} BEFORE {op} ON {t} "
    f"BEGIN SELECT RAISE(ABORT, 'audit log is append-only ({op} on {t})'); END"
    for t in AUDIT_TABLES
    for op in ("UPDATE", "DELETE")
]

POSTGRES = [
    "CREATE OR REPLACE FUNCTION audit_block() RETURNS trigger LANGUAGE plpgsql AS "
    "$$BEGIN RAISE EXCEPTION 'audit log is append-only (% on %)', TG_OP, TG_TABLE_NAME; END$$",
    *(
        stmt
        for t in AUDIT_TABLES
        for stmt in (
            f"CREATE TRIGGER {t}_no_mutation BEFORE UPDATE OR DELETE ON {t} "
            "FOR EACH ROW EXECUTE FUNCTION audit_block()",
            f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_block()",
        )
    ),
]

SQLITE_BACKWARDS = [f"DROP TRIGGER {t}_no_{op.lower()}" for t in AUDIT_TABLES for op in ("UPDATE", "DELETE")]

POSTGRES_BACKWARDS = [
    *(f"DROP TRIGGER {t}_{kind} ON {t}" for t in AUDIT_TABLES for kind in ("no_mutation", "no_truncate")),
    "DROP FUNCTION audit_block()",
]


class _Raw(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        triggers = SQLITE if engine.engine_type == "sqlite" else POSTGRES
        for statement in [*INDEXES, *triggers]:
            await _Raw.raw(statement)

    async def undo() -> None:
        engine = engine_finder()
        assert engine is not None
        triggers = SQLITE_BACKWARDS if engine.engine_type == "sqlite" else POSTGRES_BACKWARDS
        for statement in [*triggers, *DROP_INDEXES]:
            await _Raw.raw(statement)

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
