"""DuckDB, embedded: the default engine (no server, all cores, spills to disk when needed)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None,
                 temp_dir: Path | None = None):
        import duckdb

        self.con = duckdb.connect()
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute("SET memory_limit = ?", [memory_limit])
        if temp_dir:
            self.con.execute("SET temp_directory = ?", [str(temp_dir)])
        self.con.execute("SET preserve_insertion_order = false")

    def view_json(self, view: str, files: Sequence[Path], columns: dict[str, str]) -> None:
        if not files:
            self.view_rows(view, [(c, "STRING") for c in columns], [])
            return
        types = ", ".join(f"'{c}': '{'JSON' if kind == 'json' else 'VARCHAR'}'" for c, kind in columns.items())
        paths = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM read_json([{paths}], "
            f"format = 'newline_delimited', compression = 'gzip', columns = {{{types}}}, "
            "maximum_object_size = 1073741824)")

    def view_parquet(self, view: str, folder: Path) -> None:
        pattern = str(Path(folder) / "*.parquet").replace("'", "''")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM read_parquet('{pattern}')")

    def view_rows(self, view: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple]) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {view}")
        self.con.execute(f"DROP VIEW IF EXISTS {view}")
        self.con.execute(f"CREATE TEMP TABLE {view} ({', '.join(f'{c} {t}' for c, t in columns)})")
        if rows:
            marks = ", ".join("?" for _ in columns)
            self.con.executemany(f"INSERT INTO {view} VALUES ({marks})", [tuple(r) for r in rows])

    def view(self, view: str, sql: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {view}")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS {sql}")

    def materialize(self, view: str, sql: str) -> int:
        self.con.execute(f"DROP VIEW IF EXISTS {view}")
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {view} AS {sql}")
        return self.con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]

    def write_parquet(self, sql: str, folder: Path) -> int:
        folder = Path(folder)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        target = str(folder / "part-0.parquet").replace("'", "''")
        result = self.con.execute(f"COPY ({sql}) TO '{target}' (FORMAT PARQUET, COMPRESSION ZSTD)").fetchone()
        return int(result[0]) if result else 0

    def rows(self, sql: str, batch: int = 10_000) -> Iterator[tuple]:
        # on the one connection: temporary tables are private to it (so: one stream at a time)
        result = self.con.execute(sql)
        while True:
            chunk = result.fetchmany(batch)
            if not chunk:
                break
            yield from chunk

    def close(self) -> None:
        self.con.close()
