"""The two SQL engines behind ``kb datasets``: one small interface, so every query is written
once. ``duckdb`` (embedded, the default) runs in the kb process; ``spark`` runs wherever the
usual Spark settings point (``SPARK_MASTER``, spark-defaults.conf, or local)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

from kb.errors import UsageError

ENGINES = ("duckdb", "spark")


class Engine(Protocol):
    name: str

    def view_json(self, view: str, files: Sequence[Path], columns: dict[str, str]) -> None:
        """``view`` over gzipped JSON-lines files, every column a string (objects as JSON text)."""

    def view_parquet(self, view: str, folder: Path) -> None: ...

    def view_rows(self, view: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple]) -> None:
        """``view`` over a few rows from Python (``columns``: name and SQL type)."""

    def view(self, view: str, sql: str) -> None:
        """Name a query (computed when used)."""

    def materialize(self, view: str, sql: str) -> int:
        """Compute ``sql`` once and keep it as ``view``; returns its row count."""

    def write_parquet(self, sql: str, folder: Path) -> int:
        """Write the result of ``sql`` as Parquet files into ``folder`` (made afresh); rows written."""

    def rows(self, sql: str, batch: int = 10_000) -> Iterator[tuple]:
        """Stream the result of ``sql``, in its order."""

    def close(self) -> None: ...


def open_engine(name: str, **options) -> Engine:
    if name == "duckdb":
        from kb.bulk.engines.duckdb import DuckDBEngine

        return DuckDBEngine(**options)
    if name == "spark":
        from kb.bulk.engines.spark import SparkEngine

        return SparkEngine(**options)
    raise UsageError(f"--engine must be one of {', '.join(ENGINES)}, not {name!r}")
