"""Every migration can be undone: backwards to nothing, then forwards again, gives the same schema.

The hand-written migrations make indexes, triggers and a function by raw SQL, which Piccolo cannot
undo by itself; each says how in its backwards step. Here every migration is undone one at a time
and redone once (which fails if its undo left an index or trigger behind), the apps are taken back
to nothing, and migrating forwards again gives the schema the template had and a register that works.
"""

from __future__ import annotations

import uuid

import pytest
from piccolo.apps.migrations.commands.backwards import run_backwards
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration

from audit import log as audit_log
from audit.tables import AuditEvent
from ropa.db import is_postgres, write_transaction
from ropa.tables import VocabularyTerm
from ropa.vocabulary.services import builtin_terms, ensure_terms
from tests.conftest import run

APPS = ("ropa", "audit")  # the order `ropa migrate` runs them in; backwards runs the other way

SQLITE_SCHEMA = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
POSTGRES_SCHEMA = [
    "SELECT 'table' AS type, tablename AS name FROM pg_tables WHERE schemaname = 'public'",
    "SELECT 'index' AS type, indexname AS name, indexdef AS sql FROM pg_indexes WHERE schemaname = 'public'",
    "SELECT 'trigger' AS type, tgname AS name, tgrelid::regclass::text AS tbl_name FROM pg_trigger "
    "WHERE NOT tgisinternal",
    "SELECT 'function' AS type, proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = 'public'",
]
# What is left of a database whose migrations are all undone: Piccolo's own record of them.
PICCOLO_ONLY = {"migration", "migration_pkey", "migration_id_seq"}


async def _schema() -> set[tuple[str, ...]]:
    queries = POSTGRES_SCHEMA if is_postgres() else [SQLITE_SCHEMA]
    found: set[tuple[str, ...]] = set()
    for query in queries:
        for row in await Migration.raw(query):
            found.add(tuple(str(value) for value in row.values()))
    return found


async def _ran(app: str) -> list[str]:
    return list(await Migration.get_migrations_which_ran(app_name=app))


async def _forwards(app: str, up_to: str = "all") -> None:
    response = await run_forwards(app_name=app, migration_id=up_to, fake=False)
    assert response.success, response.message


async def _backwards_one(app: str) -> None:
    # Piccolo forgets an undone migration by its name alone, whatever its app, and ropa and audit
    # each have a migration named 2026-11-22T00:15:57:000000: keep the other app's record of it.
    others = await Migration.select().where(Migration.app_name != app)
    response = await run_backwards(app_name=app, migration_id="1", auto_agree=True)
    assert response.success, response.message
    kept = {(row["app_name"], row["name"]) for row in await Migration.select()}
    if lost := [row for row in others if (row["app_name"], row["name"]) not in kept]:
        await Migration.insert(*(Migration(**row) for row in lost))


async def _backwards_all(app: str) -> None:
    while await _ran(app):
        await _backwards_one(app)


async def _round_trip() -> tuple[set[tuple[str, ...]], set[tuple[str, ...]], set[tuple[str, ...]]]:
    migrated = await _schema()
    for app in reversed(APPS):
        while ran := await _ran(app):
            await _backwards_one(app)
            assert await _ran(app) == ran[:-1]
            await _forwards(app, ran[-1])  # redoing it fails if the undo left its index or trigger behind
            assert await _ran(app) == ran
            await _backwards_one(app)
    emptied = await _schema()
    for app in APPS:
        await _forwards(app)
    return migrated, emptied, await _schema()


def test_migrations_undo_to_nothing_and_redo_to_the_same_schema(database: str) -> None:
    migrated, emptied, remigrated = run(_round_trip())

    assert {row[1] for row in emptied} <= PICCOLO_ONLY
    assert remigrated == migrated
    names = {row[1] for row in migrated}
    assert {"legal_entity_registration_uq", "processor_key_id", "audit_event_entity_ix"} <= names
    assert any(name.startswith("audit_event_no_") for name in names)  # the append-only triggers


async def _use_the_register() -> tuple[int, str]:
    async with write_transaction():
        created = await ensure_terms(builtin_terms())
    term = await VocabularyTerm.select().first()
    assert term is not None
    twin = {**term, "id": uuid.uuid4()}
    try:
        async with write_transaction():
            await VocabularyTerm.insert(VocabularyTerm(**twin))
        refused = ""
    except Exception as exc:  # each engine names its own unique violation
        refused = type(exc).__name__
    async with write_transaction():
        await audit_log.record("test.event", entity_type="test", entity_id="1", details={})
    with pytest.raises(Exception, match="append-only"):
        async with write_transaction():
            await AuditEvent.delete(force=True)
    return created, refused


def test_a_register_migrated_again_works(database: str) -> None:
    async def go() -> tuple[int, str]:
        for app in reversed(APPS):
            await _backwards_all(app)
        for app in APPS:
            await _forwards(app)
        return await _use_the_register()

    created, refused = run(go())

    assert created > 0  # the built-in vocabularies load into the new tables
    assert refused in ("IntegrityError", "UniqueViolationError")  # the unique key index is back
