"""Start-up self-check: the append-only triggers must be in place on every audit table."""

from __future__ import annotations

from audit import db
from audit.tables import TABLES, AuditEvent

AUDIT_TABLES = tuple(t._meta.tablename for t in TABLES)


def expected_triggers(postgres: bool) -> set[str]:
    ops = ("no_mutation", "no_truncate") if postgres else ("no_update", "no_delete")
    return {f"{table}_{op}" for table in AUDIT_TABLES for op in ops}


async def missing_triggers() -> list[str]:
    """Names of append-only triggers that are absent or disabled; empty when all is well."""
    postgres = db.is_postgres()
    if postgres:
        rows = await AuditEvent.raw(
            "SELECT tgname AS name FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"
        )
    else:
        rows = await AuditEvent.raw("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    present = {r["name"] for r in rows}
    return sorted(expected_triggers(postgres) - present)


class AuditTriggersMissing(RuntimeError):
    pass


async def require_triggers() -> None:
    if missing := await missing_triggers():
        raise AuditTriggersMissing(
            "refusing to start: the audit log is not append-only; missing triggers: " + ", ".join(missing)
        )
