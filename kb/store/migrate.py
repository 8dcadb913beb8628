"""Numbered schema migrations, applied in place.

Each file ``kb/store/migrations/NNNN_name.sql`` moves the schema from version NNNN-1 to NNNN; the
store's ``PRAGMA user_version`` records the last one applied. A migration runs in one
transaction together with the version bump, so a store is never left half-upgraded, and a
store made by any earlier kb opens in this one. Files are never edited once released: a change
is a new file.

PostgreSQL has its own spelling of each file, with the same number and name, in
``migrations/postgresql/`` (types, identity keys, the full-text index differ); its version lives
in the table ``kb_schema``. A test keeps the two sets in step, table by table and column by
column.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
DIALECTS = {"sqlite": (), "postgresql": ("postgresql",)}
#: Beside this module (kb is installed as files; importlib.resources would cost every
#: command, `kb similar` included, about 20 ms of imports to read them).
_FOLDER = Path(__file__).resolve().parent / "migrations"


def migrations(dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """All migrations shipped with kb for one dialect as (version, name, sql), in order."""
    folder = _FOLDER.joinpath(*DIALECTS[dialect])
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"kb migrations are not numbered 1..N without gaps: {versions}")
    return found


LATEST_VERSION = len(migrations())


def upgrade(conn: sqlite3.Connection, from_version: int, to_version: int = LATEST_VERSION) -> int:
    """Apply every migration after ``from_version`` up to ``to_version``; returns the new version."""
    for version, _name, sql in migrations():
        if from_version < version <= to_version:
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
            from_version = version
    return from_version
