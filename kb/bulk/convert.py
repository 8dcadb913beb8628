"""Downloaded JSON-lines files -> one Parquet table per dataset, and diffs applied to it.

Parquet is what every query reads: columnar, compressed, typed once. A table is written into a
fresh folder beside the old one and swapped in only when complete, so an interrupted conversion
or update leaves the previous table (and ``state.json``) as they were.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from kb.bulk.schema import PRIMARY_KEY, RAW, columns, typed_select
from kb.errors import UsageError
from kb.sources.datasets.local import LocalDatasets


@dataclass
class Conversion:
    dataset: str
    release: str
    rows: int
    seconds: float
    raw_bytes: int
    parquet_bytes: int


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())


def _swap_in(fresh: Path, target: Path) -> None:
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


def convert(engine, local: LocalDatasets, name: str) -> Conversion | None:
    """Convert one downloaded dataset; None when its Parquet table is already current."""
    if name not in RAW:
        raise UsageError(f"kb cannot convert the {name!r} dataset (it reads {', '.join(RAW)})")
    state = local.state.get(name)
    if state is None or not state.release:
        raise UsageError(f"the {name} dataset is not downloaded: run `kb datasets pull {name}`")
    if state.parquet_release and (state.parquet_release >= state.release or not state.complete):
        return None  # converted (and perhaps updated past the downloaded release)
    if not state.complete:
        raise UsageError(f"the {name} download is incomplete: run `kb datasets pull {name}` again")
    files = local.raw_files(name)
    started = time.monotonic()
    engine.view_json("raw_" + _ident(name), files, RAW[name])
    target = local.parquet_dir(name)
    fresh = target.with_name(target.name + ".new")
    rows = engine.write_parquet(typed_select(name, "raw_" + _ident(name)), fresh)
    _swap_in(fresh, target)
    state.parquet_release, state.parquet_rows = state.release, rows
    local.save()
    return Conversion(name, state.release, rows, time.monotonic() - started,
                      sum(f.stat().st_size for f in files), folder_bytes(target))


def apply_diff(engine, local: LocalDatasets, name: str, to_release: str,
               update_files: list[Path], delete_files: list[Path]) -> int:
    """Apply one diff to the dataset's Parquet table: every record in the update files replaces
    (or adds) the record with its primary key, every key in the delete files goes; rows after."""
    key = PRIMARY_KEY[name]
    table = _ident(name)
    engine.view_parquet("cur_" + table, local.parquet_dir(name))
    engine.view_json("upd_raw_" + table, update_files, RAW[name])
    engine.materialize("upd_" + table, typed_select(name, "upd_raw_" + table))
    engine.view_json("del_raw_" + table, delete_files, {key: "scalar"})
    engine.materialize("del_" + table, f"SELECT DISTINCT TRY_CAST({key} AS BIGINT) AS {key} "
                                       f"FROM del_raw_{table} WHERE TRY_CAST({key} AS BIGINT) IS NOT NULL")
    cols = ", ".join(columns(name))
    sql = (f"SELECT {cols} FROM cur_{table} c "
           f"WHERE NOT EXISTS (SELECT 1 FROM upd_{table} u WHERE u.{key} = c.{key}) "
           f"AND NOT EXISTS (SELECT 1 FROM del_{table} d WHERE d.{key} = c.{key}) "
           f"UNION ALL SELECT {cols} FROM upd_{table}")
    target = local.parquet_dir(name)
    fresh = target.with_name(target.name + ".new")
    rows = engine.write_parquet(sql, fresh)
    _swap_in(fresh, target)
    state = local.dataset(name)
    state.parquet_release, state.parquet_rows = to_release, rows
    local.save()
    return rows


def _ident(name: str) -> str:
    return name.replace("-", "_")
