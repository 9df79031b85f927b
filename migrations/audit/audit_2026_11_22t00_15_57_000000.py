"""Append-only triggers on every audit table (both engines) and the query indexes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.table import Table

ID = "2026-11-22T00:15:57:000000"
VERSION = "1.38.0"
DESCRIPTION = "append-only triggers and query indexes"

AUDIT_TABLES = ("audit_event", "audit_leaf", "audit_node", "audit_checkpoint")

INDEXES = [
    "CREATE INDEX audit_event_entity_ix ON audit_event (entity_type, entity_id, event_id)",
    "CREATE INDEX audit_event_legal_entity_ix ON audit_event (legal_entity_id, event_id)",
    "CREATE INDEX audit_event_actor_ix ON audit_event (actor_id, created_at, event_id)",
    "CREATE INDEX audit_event_time_ix ON audit_event (created_at, event_id)",
    "CREATE INDEX audit_event_action_ix ON audit_event (action, event_id)",
]

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

    manager.add_raw(run)
    return manager
