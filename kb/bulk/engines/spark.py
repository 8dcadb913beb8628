"""Spark, for whoever has a cluster: the same SQL as DuckDB, through Spark SQL.

The master comes from the usual places: ``SPARK_MASTER`` (or ``MASTER``), else whatever
``spark-defaults.conf`` / ``PYSPARK_SUBMIT_ARGS`` say, else Spark's own default (local, every
core). The files must be readable at the same paths by every executor (a shared filesystem on a
cluster). Intermediate tables are cached, so each is computed once.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

from kb.errors import UsageError


class SparkEngine:
    name = "spark"

    def __init__(self, *, master: str | None = None, config: dict[str, str] | None = None,
                 session=None):
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise UsageError("--engine spark needs pyspark: pip install 'kb[spark]'") from None
        self._own = session is None
        if session is None:
            builder = SparkSession.builder.appName("kb datasets")
            master = master or os.environ.get("SPARK_MASTER") or os.environ.get("MASTER")
            if master:
                builder = builder.master(master)
            defaults = {"spark.ui.showConsoleProgress": "false", "spark.ui.enabled": "false"}
            if not master or master.startswith("local"):
                # one machine: a few shuffle partitions, not the 200 a cluster default assumes
                defaults["spark.sql.shuffle.partitions"] = str(max(2, (os.cpu_count() or 2)))
            for key, value in {**defaults, **(config or {})}.items():
                builder = builder.config(key, value)
            session = builder.getOrCreate()
            session.sparkContext.setLogLevel("ERROR")
        self.spark = session
        self._cached: dict[str, object] = {}

    def view_json(self, view: str, files: Sequence[Path], columns: dict[str, str]) -> None:
        from pyspark.sql.types import StringType, StructField, StructType

        schema = StructType([StructField(c, StringType()) for c in columns])
        if not files:
            self.spark.createDataFrame([], schema).createOrReplaceTempView(view)
            return
        df = self.spark.read.schema(schema).option("mode", "PERMISSIVE").json([str(f) for f in files])
        df.createOrReplaceTempView(view)

    def view_parquet(self, view: str, folder: Path) -> None:
        self.spark.read.parquet(str(folder)).createOrReplaceTempView(view)

    def view_rows(self, view: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple]) -> None:
        ddl = ", ".join(f"{c} {t}" for c, t in columns)
        self.spark.createDataFrame([tuple(r) for r in rows], ddl).createOrReplaceTempView(view)

    def view(self, view: str, sql: str) -> None:
        self.spark.sql(sql).createOrReplaceTempView(view)

    def materialize(self, view: str, sql: str) -> int:
        df = self.spark.sql(sql).cache()
        count = df.count()  # one job: computes the rows once and keeps them
        old = self._cached.pop(view, None)
        if old is not None:
            old.unpersist()
        self._cached[view] = df
        df.createOrReplaceTempView(view)
        return count

    def write_parquet(self, sql: str, folder: Path) -> int:
        folder = Path(folder)
        shutil.rmtree(folder, ignore_errors=True)
        self.spark.sql(sql).write.mode("overwrite").parquet(str(folder))
        return self.spark.read.parquet(str(folder)).count()

    def rows(self, sql: str, batch: int = 10_000) -> Iterator[tuple]:
        for row in self.spark.sql(sql).toLocalIterator(prefetchPartitions=True):
            yield tuple(row)

    def close(self) -> None:
        for df in self._cached.values():
            df.unpersist()
        self._cached.clear()
        if self._own:
            self.spark.stop()
