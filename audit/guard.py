"""Start-up self-check: the append-only triggers must be in place on every audit table."""

from __future__ import annotations

from audit import db
from audit.tables import TABLES, AuditEvent

AUDIT_TABLES = tuple(t._meta.tablename for t in TABLES)


def expected_triggers(postgres: bool) -> set[str]:
    ops = ("no_mutation", "no_truncate") if postgres else ("no_update", "no_delete")
    return {f"{table}_{op}" for table in AUDIT_TABLES for op in ops}


# A trigger counts only if it is on its own table, fires in normal sessions ('O' origin or
# 'A' always; not 'D' disabled or 'R' replica-only), and its body raises.
_PG_TRIGGERS = (
    "SELECT t.tgname AS name, c.relname AS tbl, p.prosrc AS body FROM pg_trigger t "
    "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
    "WHERE NOT t.tgisinternal AND t.tgenabled IN ('O', 'A')"
)
_SQLITE_TRIGGERS = "SELECT name, tbl_name AS tbl, sql AS body FROM sqlite_master WHERE type = 'trigger'"


def _blocks(body: str, postgres: bool) -> bool:
    text = " ".join(body.lower().split())
    if postgres:
        return "raise exception" in text and "return" not in text
    return "raise(abort" in text.replace(" ", "") and " when " not in text


async def missing_triggers() -> list[str]:
    """Append-only triggers that are absent, disabled, misplaced or toothless; empty when all is well."""
    postgres = db.is_postgres()
    rows = await AuditEvent.raw(_PG_TRIGGERS if postgres else _SQLITE_TRIGGERS)
    present = {
        r["name"] for r in rows if r["name"].startswith(f"{r['tbl']}_") and _blocks(r["body"], postgres)
    }
    return sorted(expected_triggers(postgres) - present)


class AuditTriggersMissing(RuntimeError):
    pass


async def require_triggers() -> None:
    if missing := await missing_triggers():
        raise AuditTriggersMissing(
            "refusing to start: the audit log is not append-only; missing triggers: " + ", ".join(missing)
        )
