"""Start-up self-check: the append-only triggers must be in place on every audit table."""

from __future__ import annotations

from typing import Any

from audit import db
from audit.tables import TABLES, AuditEvent

AUDIT_TABLES = tuple(t._meta.tablename for t in TABLES)


def expected_triggers(postgres: bool) -> set[str]:
    ops = ("no_mutation", "no_truncate") if postgres else ("no_update", "no_delete")
    return {f"{table}_{op}" for table in AUDIT_TABLES for op in ops}


# A trigger counts only if it is on its own table, fires in normal sessions ('O' origin or
# 'A' always; not 'D' disabled or 'R' replica-only), unconditionally (no WHEN), BEFORE the
# operations it is named for, and its body raises. tgtype bits: 1 row, 2 before, 8 delete,
# 16 update, 32 truncate.
_PG_TRIGGERS = (
    "SELECT t.tgname AS name, c.relname AS tbl, p.prosrc AS body, t.tgtype AS tgtype FROM pg_trigger t "
    "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
    "WHERE NOT t.tgisinternal AND t.tgenabled IN ('O', 'A') AND t.tgqual IS NULL"
)
_PG_TYPE = {"no_mutation": 1 | 2 | 8 | 16, "no_truncate": 2 | 32}
_SQLITE_TRIGGERS = (
    "SELECT name, tbl_name AS tbl, sql AS body, 0 AS tgtype FROM sqlite_master WHERE type = 'trigger'"
)


def _blocks(row: dict[str, Any], postgres: bool) -> bool:
    name, table = row["name"], row["tbl"]
    if not name.startswith(f"{table}_"):
        return False
    text = " ".join(row["body"].lower().split())
    if postgres:
        bits = _PG_TYPE[name[len(table) + 1 :]] if name[len(table) + 1 :] in _PG_TYPE else -1
        return (
            bits > 0 and row["tgtype"] & bits == bits and "raise exception" in text and "return" not in text
        )
    operation = name[len(table) + 4 :]  # "<table>_no_update" -> "update"
    exact = f"create trigger {name} before {operation} on {table} begin select raise(abort,"
    return text.replace(", ", ",").startswith(exact)


async def missing_triggers() -> list[str]:
    """Append-only triggers that are absent, disabled, misplaced or toothless; empty when all is well."""
    postgres = db.is_postgres()
    rows = await AuditEvent.raw(_PG_TRIGGERS if postgres else _SQLITE_TRIGGERS)
    present = {r["name"] for r in rows if _blocks(r, postgres)}
    return sorted(expected_triggers(postgres) - present)


class AuditTriggersMissing(RuntimeError):
    pass


async def require_triggers() -> None:
    if missing := await missing_triggers():
        raise AuditTriggersMissing(
            "refusing to start: the audit log is not append-only; missing triggers: " + ", ".join(missing)
        )
