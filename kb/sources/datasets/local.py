"""Where the bulk datasets live on disk, and what kb knows about them.

One folder (``KB_DATASETS_DIR``, default ``datasets/`` beside the store) holds:

* ``raw/<release>/<dataset>/<file>.gz`` — downloaded files (``<file>.gz.part`` while in flight);
* ``diffs/<from>-to-<to>/<dataset>/{updates,deletes}/<file>.gz`` — downloaded diff files;
* ``parquet/<dataset>/`` — the dataset as Parquet, at the release ``state.json`` names;
* ``state.json`` — per dataset: the release downloaded, its complete files and their sizes,
  and the release the Parquet table holds.

The state file is rewritten atomically after every completed file, so an interrupted pull
resumes from the files (and the bytes of the one in flight) already on disk.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import UsageError

# Datasets kb can convert and extract from (the others can be pulled, not converted).
KNOWN = ("papers", "citations", "abstracts", "tldrs", "embeddings-specter_v2")


def datasets_dir(settings) -> Path:
    if settings.datasets_dir is not None:
        return Path(settings.datasets_dir)
    return Path(settings.db_path).resolve().parent / "datasets"


def local_name(url_or_name: str) -> str:
    """The file name a link is stored under: its last path part, with ``.gz`` (Spark and DuckDB
    tell gzip from the extension; S2's staging files have none)."""
    name = url_or_name.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    if not name or name in (".", ".."):
        raise UsageError(f"cannot name a file after the link {url_or_name.split('?', 1)[0]}")
    return name if name.endswith(".gz") else name + ".gz"


@dataclass
class DatasetState:
    release: str | None = None
    files: dict[str, int] = field(default_factory=dict)   # complete files: name -> size
    expected: list[str] = field(default_factory=list)     # every file of the release
    parquet_release: str | None = None
    parquet_rows: int | None = None

    @property
    def complete(self) -> bool:
        return bool(self.release) and set(self.expected) <= set(self.files)


class LocalDatasets:
    """The datasets folder and its state file."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.state: dict[str, DatasetState] = {}
        self._load()

    @property
    def state_path(self) -> Path:
        return self.root / "state.json"

    def _load(self) -> None:
        try:
            raw = json.loads(self.state_path.read_text())
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            raise UsageError(f"{self.state_path} is unreadable ({exc}); remove it and pull again") from None
        for name, item in (raw.get("datasets") or {}).items():
            self.state[name] = DatasetState(
                release=item.get("release"), files=dict(item.get("files") or {}),
                expected=list(item.get("expected") or []), parquet_release=item.get("parquet_release"),
                parquet_rows=item.get("parquet_rows"))

    def save(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        data = {"datasets": {name: {"release": s.release, "files": s.files, "expected": s.expected,
                                    "parquet_release": s.parquet_release, "parquet_rows": s.parquet_rows}
                             for name, s in sorted(self.state.items())}}
        tmp = self.state_path.with_name("state.json.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        os.replace(tmp, self.state_path)

    def dataset(self, name: str) -> DatasetState:
        return self.state.setdefault(name, DatasetState())

    def raw_dir(self, release: str, name: str) -> Path:
        return self.root / "raw" / release / name

    def raw_files(self, name: str) -> list[Path]:
        state = self.state.get(name)
        if state is None or not state.complete:
            return []
        folder = self.raw_dir(state.release, name)
        return [folder / f for f in sorted(state.expected)]

    def diff_dir(self, start: str, end: str, name: str, kind: str) -> Path:
        return self.root / "diffs" / f"{start}-to-{end}" / name / kind

    def parquet_dir(self, name: str) -> Path:
        return self.root / "parquet" / name

    def release_of(self, name: str) -> str | None:
        """The release the dataset's Parquet table holds, else the one downloaded."""
        state = self.state.get(name)
        if state is None:
            return None
        return state.parquet_release or state.release
