"""``kb datasets update``: bring each local dataset from its release to the latest by applying
S2's diffs (download the update and delete files, then apply them in order to the Parquet
table), instead of downloading the whole dataset again."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field

from kb.bulk.convert import apply_diff, convert
from kb.bulk.engines import open_engine
from kb.bulk.schema import RAW
from kb.errors import UsageError
from kb.sources.datasets import api
from kb.sources.datasets.local import LocalDatasets, datasets_dir
from kb.sources.datasets.pull import download_diffs


@dataclass
class UpdateReport:
    datasets: dict[str, dict] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def update(settings, names: list[str] | None = None, *, engine: str = "duckdb", root=None,
           release: str = "latest", progress=None, engine_options: dict | None = None) -> UpdateReport:
    api.require_key(settings)
    local = LocalDatasets(root or datasets_dir(settings))
    names = names or [n for n in local.state if n in RAW]
    if not names:
        raise UsageError("no datasets to update: run `kb datasets pull papers citations` first")
    report = UpdateReport()
    db = open_engine(engine, **(engine_options or {}))
    try:
        for name in names:
            if name not in local.state or name not in RAW:
                raise UsageError(f"the {name} dataset is not downloaded: run `kb datasets pull {name}`")
            convert(db, local, name)
            start = local.release_of(name)
            end, steps = asyncio.run(download_diffs(settings, local, name, start, release, progress))
            rows = local.state[name].parquet_rows
            for diff, updates, deletes in steps:
                rows = apply_diff(db, local, name, diff.to_release, updates, deletes)
            if steps and local.state[name].parquet_release != end:
                local.state[name].parquet_release = end
                local.save()
            report.datasets[name] = {"from": start, "to": local.release_of(name), "diffs": len(steps),
                                     "rows": rows}
    finally:
        db.close()
    return report
