"""SQLModel statements on a store's own connection: the small typed tables on both backends.

Reading lists and the runs history are records a user reads and edits one at a time; they are
declared once as SQLModel classes (:mod:`kb.store.models`) and their statements are built with
SQLModel (``select(ReadingList).where(...)``, ``insert(ReadingList).values(...)``). Each is
compiled to kb's SQL (SQLite's spelling with ``?`` parameters, which the PostgreSQL connection
translates as it does every kb statement) and run on the store's own connection, so it takes
part in the store's transactions, its writer lock and a reader's snapshot: SQLAlchemy opens no
connection of its own. Rows come back as model instances; their ``model_dump()`` is the JSON.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.dialects import sqlite

_KB_SQL = sqlite.dialect(paramstyle="qmark")
Model = TypeVar("Model")


def compiled(statement) -> tuple[str, list]:
    """The statement in kb's SQL, and its parameters in order."""
    c = statement.compile(dialect=_KB_SQL)
    return str(c), [c.params[name] for name in (c.positiontup or ())]


def execute(conn, statement):
    """Run a SQLModel statement on a store connection (``store.conn`` or a transaction's)."""
    sql, params = compiled(statement)
    return conn.execute(sql, params)


def fetch(conn, statement, model: type[Model]) -> list[Model]:
    """The rows of a SQLModel select, as ``model`` instances (columns matched by name)."""
    return [model.model_validate({k: row[k] for k in row.keys()})
            for row in execute(conn, statement)]
