"""SQLite in a server process: a writer connection that commits writes in groups, readers that never wait."""

from ropa.sqlite.engine import RopaSQLiteEngine, create_private
from ropa.sqlite.writer import GROUP_LIMIT

__all__ = ["GROUP_LIMIT", "RopaSQLiteEngine", "create_private"]
