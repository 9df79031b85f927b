"""docs/postgres-roles.sql: the application role can append to and read the log, nothing more."""

import asyncio
import subprocess
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from tests.conftest import ENGINE, ROOT, _pg_url

pytestmark = pytest.mark.skipif(
    ENGINE != "postgres", reason="roles exist only on PostgreSQL; this runs in the PostgreSQL pass"
)


def _as_role(url: str, role: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port or 5432}"))


async def _attempt(url: str, sql: str) -> str:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
        return "ok"
    except asyncpg.PostgresError as exc:
        return type(exc).__name__
    finally:
        await connection.close()


AUDIT_TABLES = ("audit_event", "audit_leaf", "audit_node", "audit_checkpoint", "migration")


async def _privileges(url: str, role: str) -> dict[str, tuple[bool, bool, bool, bool]]:
    """SELECT, INSERT, UPDATE, DELETE of the role on each public table but the audit log's."""
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT table_name, has_table_privilege($1, quote_ident(table_name), 'SELECT') AS s, "
            "has_table_privilege($1, quote_ident(table_name), 'INSERT') AS i, "
            "has_table_privilege($1, quote_ident(table_name), 'UPDATE') AS u, "
            "has_table_privilege($1, quote_ident(table_name), 'DELETE') AS d "
            "FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
            role,
        )
    finally:
        await connection.close()
    return {
        r["table_name"]: (r["s"], r["i"], r["u"], r["d"]) for r in rows if r["table_name"] not in AUDIT_TABLES
    }


def test_app_role_may_only_insert_and_select_audit_tables(demo_database):
    role = f"ropa_app_{uuid.uuid4().hex[:8]}"
    url = _pg_url(demo_database)
    subprocess.run(
        [
            "psql",
            url,
            "-q",
            "-v",
            f"app_role={role}",
            "-v",
            "app_password=x",
            "-f",
            "docs/postgres-roles.sql",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    app = _as_role(url, role)
    try:
        attempts = {
            "select": "SELECT count(*) FROM audit_event",
            "insert": "INSERT INTO audit_event (created_at, actor_id, actor_type, request_id, source_ref, "
            "action, legal_entity_id, entity_type, entity_id, outcome, reason, body, body_sha256) VALUES "
            "(now(), 'x', 'system', '', '', 'test.probe', '', 'test', '', 'success', '', '{}', '')",
            "update": "UPDATE audit_event SET reason = 'rewritten'",
            "delete": "DELETE FROM audit_leaf",
            "truncate": "TRUNCATE audit_checkpoint",
            "drop trigger": "DROP TRIGGER audit_event_no_mutation ON audit_event",
            "disable trigger": "ALTER TABLE audit_event DISABLE TRIGGER ALL",
            "register update": "UPDATE processing_activity SET name = name",
            "register delete": "DELETE FROM processing_activity",
        }
        results = {name: asyncio.run(_attempt(app, sql)) for name, sql in attempts.items()}
        assert results == {
            "select": "ok",
            "insert": "ok",
            "update": "InsufficientPrivilegeError",
            "delete": "InsufficientPrivilegeError",
            "truncate": "InsufficientPrivilegeError",
            "drop trigger": "InsufficientPrivilegeError",
            "disable trigger": "InsufficientPrivilegeError",
            "register update": "ok",
            "register delete": "InsufficientPrivilegeError",
        }
        # Every other table the migrations made (register, accounts, credentials, acceptances) is
        # read and written by the application, never deleted from: a table the script forgets breaks
        # sign-in or an API on a server run as this role.
        privileges = asyncio.run(_privileges(url, role))
        assert privileges, "the migrations made tables"
        assert {table: p for table, p in privileges.items() if p != (True, True, True, False)} == {}
        # The owner is stopped by the triggers even though it holds every privilege.
        assert asyncio.run(_attempt(url, "UPDATE audit_event SET reason = 'x'")) == "RaiseError"
    finally:
        asyncio.run(_attempt(url, f'DROP OWNED BY "{role}"'))
        asyncio.run(_attempt(url, f'DROP ROLE "{role}"'))
