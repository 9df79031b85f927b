"""ropa overrides parts of Piccolo that are not its public API (ropa/db.py, ropa/sqlite/engine.py):
transactions' ``_parent``/``context``/``connection``/``transaction`` attributes, the SQLite engine's
per-query connection and its ``connection_kwargs``. pyproject.toml pins Piccolo to the minor version
they were written against; this fails loudly, naming what moved, when an upgrade changes them."""

from __future__ import annotations

import inspect

import piccolo
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType

from ropa.db import RopaPostgresEngine, RopaPostgresTransaction
from ropa.sqlite.engine import RopaSQLiteEngine

REVIEWED = "1.38."  # the Piccolo minor version ropa's overrides were checked against


def test_piccolo_is_the_reviewed_minor_version() -> None:
    assert piccolo.__VERSION__.startswith(REVIEWED), (
        f"Piccolo {piccolo.__VERSION__} is installed; ropa/db.py and ropa/sqlite/engine.py override "
        f"its private internals as of {REVIEWED}x: review them, then update REVIEWED and the pin"
    )


def test_transaction_internals_ropa_relies_on_are_there() -> None:
    for cls in (PostgresTransaction, SQLiteTransaction):
        parameters = list(inspect.signature(cls.__init__).parameters)
        assert parameters[:3] == ["self", "engine", "allow_nested"] or parameters[:2] == ["self", "engine"], (
            cls,
            parameters,
        )
        for method in ("begin", "commit", "rollback", "get_connection", "__aenter__", "__aexit__"):
            assert callable(getattr(cls, method, None)), f"{cls.__name__}.{method} is gone"
    # The nested-transaction protocol: an inner transaction finds the outer one in the engine's
    # context variable and keeps it in _parent.
    for engine_cls in (PostgresEngine, SQLiteEngine):
        source = inspect.getsource(engine_cls)
        assert "current_transaction" in source, f"{engine_cls.__name__} no longer tracks current_transaction"
    for cls in (PostgresTransaction, SQLiteTransaction):
        source = inspect.getsource(cls)
        for attribute in ("self._parent", "self.context", "self.connection"):
            assert attribute in source, f"{cls.__name__} no longer sets {attribute}"
    assert {t.name for t in TransactionType} >= {"deferred", "immediate"}


def test_sqlite_engine_internals_ropa_relies_on_are_there() -> None:
    parameters = list(inspect.signature(SQLiteEngine._run_in_new_connection).parameters)
    assert parameters == ["self", "query", "args", "query_type", "table"], parameters
    assert "connection_kwargs" in inspect.getsource(SQLiteEngine.__init__)
    for name in ("run_querystring", "start_connection_pool", "close_connection_pool", "get_connection"):
        assert callable(getattr(SQLiteEngine, name, None)), f"SQLiteEngine.{name} is gone"


def test_ropa_engines_still_subclass_piccolo() -> None:
    assert issubclass(RopaPostgresEngine, PostgresEngine)
    assert issubclass(RopaPostgresTransaction, PostgresTransaction)
    assert issubclass(RopaSQLiteEngine, SQLiteEngine)
