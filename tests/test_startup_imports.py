"""kb starts fast because the command line imports heavy modules only inside the commands that
need them: `kb --help` loads none of them, and `kb similar --json` (nearest neighbours over a
million papers in under 0.5 s, bench/bench_embeddings.py) loads numpy and nothing heavier.
Checked by what a real process imports (`python -X importtime`), not by timing it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Packages that cost tens of milliseconds or more to import, none of which a listing needs.
HEAVY = {"numpy", "scipy", "sklearn", "httpx", "duckdb", "sqlmodel", "sqlalchemy", "pydantic",
         "semanticscholar", "psycopg", "pyspark", "networkx", "graphql"}


def imported_packages(*args: str) -> set[str]:
    """Top-level packages a whole `kb ARGS` process imports."""
    proc = subprocess.run([sys.executable, "-X", "importtime", str(ROOT / "cli.py"), *args],
                          capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            names.add(parts[2].strip().split(".")[0])
    return names


def test_help_imports_no_heavy_module():
    found = imported_packages("--help")
    assert "typer" in found  # the check sees real imports
    assert not found & HEAVY, sorted(found & HEAVY)


def test_similar_imports_numpy_and_nothing_heavier(tmp_path):
    import numpy as np

    from kb.knowledge.embeddings import scan, write_lists
    from kb.store import Store

    db = tmp_path / "kb.sqlite"
    rng = np.random.default_rng(1)
    with Store(db) as store:
        with store.transaction() as conn:
            conn.executemany("INSERT INTO paper (id, paper_id, title) VALUES (?, ?, ?)",
                             [(i, f"{i:040x}", f"Paper {i}") for i in range(1, 41)])
            conn.executemany("INSERT INTO paper_embedding (paper, model, vector) VALUES (?, 'specter_v2', ?)",
                             [(i, rng.standard_normal(768).astype("<f2").tobytes()) for i in range(1, 41)])
        found = scan(store, np.arange(1, 41, dtype=np.int64), np.zeros(0, dtype=np.int64))
        with store.transaction() as conn:
            write_lists(conn, found.lists)
    imported = imported_packages("--db", str(db), "similar", "#7", "--limit", "5", "--json")
    assert "numpy" in imported and "kb" in imported
    assert not imported & (HEAVY - {"numpy"}), sorted(imported & HEAVY)
