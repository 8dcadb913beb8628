"""Shared by the tests/test_reliability_*.py files: the real CLI as a subprocess, the checks a
store must pass after anything (kill -9, faults, bad input), and the figures the reliability
issue asks for (faults injected and survived, kills survived, bad inputs tried).

Figures: each test calls :func:`record` with what it did; the ``reliability figures`` section
of tests/conftest.py prints the totals at the end of the run (``pytest --long`` for the big
loops).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "cli.py"
SECRET = "sk-test-SECRET-1234"

# Environment variables a developer's shell may set that would make a test talk to the wrong
# store, API or config file.
_KB_VARS = ("KB_DB", "KB_S2_API_URL", "S2_API_KEY", "KB_RATE", "KB_TIMEOUT", "KB_MAX_ATTEMPTS",
            "KB_BACKOFF_BASE", "KB_BACKOFF_CAP", "KB_THEMES", "KB_JOBS", "KB_USER_ALIASES")


def kb_env(db: Path, url: str | None = None, *, tmp: Path | None = None, **extra: str) -> dict:
    """A clean environment for one kb process: this store, this stand-in, fast retries, and
    (with ``tmp``) config files kept out of the repository's data/ directory."""
    env = {k: v for k, v in os.environ.items() if k not in _KB_VARS}
    env.update(KB_DB=str(db), KB_RATE="1000", KB_BACKOFF_BASE="0.001", KB_BACKOFF_CAP="0.01",
               COLUMNS="200", PYTHONDONTWRITEBYTECODE="1")
    if url:
        env["KB_S2_API_URL"] = url
    else:
        env["KB_S2_API_URL"] = "http://127.0.0.1:9"  # nothing listens there: never the internet
    if tmp is not None:
        env.update(KB_JOBS=str(tmp / "jobs.toml"), KB_USER_ALIASES=str(tmp / "aliases.user.toml"))
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_kb(*args: str, env: dict, cwd: Path | None = None, timeout: float = 120,
           preexec_fn=None) -> subprocess.CompletedProcess:
    """``python cli.py ARGS`` as a user would run it; stdout and stderr are bytes."""
    return subprocess.run([sys.executable, str(CLI), *args], env=env, cwd=cwd, capture_output=True,
                          timeout=timeout, preexec_fn=preexec_fn)


class Zygote:
    """``python cli.py ARGS`` for many ARGS, each in a fresh process forked from one that has
    already imported the CLI (tests/kb_zygote.py): same argv, environment, directory, streams
    and exit code as a real run, without paying interpreter start-up each time."""

    def __init__(self, scratch: Path, *, nice: int = 0):
        """``nice``: the zygote's (and so every command's) CPU priority is lowered by this much."""
        self.scratch = Path(scratch)
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "kb_zygote.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     cwd=str(ROOT), preexec_fn=(lambda: os.nice(nice)) if nice else None)
        self.count = 0

    def run(self, *args: str, env: dict, cwd: Path | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
        self.count += 1
        out, err = self.scratch / f"{self.count}.out", self.scratch / f"{self.count}.err"
        request = {"args": list(args), "env": env, "cwd": str(cwd or self.scratch), "out": str(out),
                   "err": str(err), "timeout": timeout}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError("the kb zygote died")
        code = json.loads(answer)["code"]
        result = subprocess.CompletedProcess([sys.executable, str(CLI), *args], code,
                                             out.read_bytes(), err.read_bytes())
        out.unlink()
        err.unlink()
        return result

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


def start_kb(*args: str, env: dict, cwd: Path | None = None, quiet: bool = False) -> subprocess.Popen:
    """A kb process in the background. With ``quiet`` its output is discarded: a process
    whose big output nobody reads would block on a full pipe."""
    out = subprocess.DEVNULL if quiet else subprocess.PIPE
    return subprocess.Popen([sys.executable, str(CLI), *args], env=env, cwd=cwd, stdout=out, stderr=out)


def text(proc) -> tuple[str, str]:
    out, err = proc.stdout, proc.stderr
    if isinstance(out, bytes):
        out = out.decode("utf-8", "replace")
    if isinstance(err, bytes):
        err = err.decode("utf-8", "replace")
    return out or "", err or ""


def assert_one_clear_line(proc, codes=None) -> str:
    """Non-zero exit (one of ``codes``), exactly one stderr line ``kb: error: ...``, no
    traceback. Returns the line."""
    out, err = text(proc)
    args = proc.args[2:] if isinstance(proc.args, list) else proc.args
    assert proc.returncode != 0, (args, out[-400:], err[-400:])
    assert "Traceback" not in err and "Traceback" not in out, (args, err[-2000:])
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("kb: error: "), (args, proc.returncode, err[-1500:])
    if codes is not None:
        assert proc.returncode in codes, (args, proc.returncode, lines[0])
    return lines[0]


# -- the store -----------------------------------------------------------------------------------

def _tables(conn) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND (sql IS NULL OR sql NOT LIKE 'CREATE VIRTUAL%') ORDER BY name")]


def store_digest(db: Path) -> str:
    """A hash of every row of every table (FTS shadow tables included) and the schema version:
    equal digests mean nothing was stored, changed or lost."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        parts = [f"v{conn.execute('PRAGMA user_version').fetchone()[0]}"]
        for table in _tables(conn):
            rows = sorted(repr(tuple(r)) for r in conn.execute(f'SELECT * FROM "{table}"'))
            parts.append(f"{table}:{len(rows)}:" + hashlib.sha256("\n".join(rows).encode()).hexdigest())
    finally:
        conn.close()
    return "\n".join(parts)


ORPHAN_CHECKS = {
    "citation rows whose citing paper is missing":
        "SELECT count(*) FROM citation c LEFT JOIN paper p ON p.id = c.citing WHERE p.id IS NULL",
    "citation rows whose cited paper is missing":
        "SELECT count(*) FROM citation c LEFT JOIN paper p ON p.id = c.cited WHERE p.id IS NULL",
    "crawl_state rows without a paper":
        "SELECT count(*) FROM crawl_state s LEFT JOIN paper p ON p.id = s.paper WHERE p.id IS NULL",
    "crawl_state rows reached from a missing paper":
        "SELECT count(*) FROM crawl_state s LEFT JOIN paper p ON p.id = s.reached_from "
        "WHERE s.reached_from IS NOT NULL AND p.id IS NULL",
    "paper_author rows without a paper":
        "SELECT count(*) FROM paper_author a LEFT JOIN paper p ON p.id = a.paper WHERE p.id IS NULL",
    "paper_author rows naming a missing author":
        "SELECT count(*) FROM paper_author a LEFT JOIN author x ON x.id = a.author "
        "WHERE a.author IS NOT NULL AND x.id IS NULL",
    "duplicate paper ids": "SELECT count(*) - count(DISTINCT paper_id) FROM paper",
    "duplicate citation edges":
        "SELECT count(*) FROM (SELECT 1 FROM citation GROUP BY citing, cited HAVING count(*) > 1) AS d",
    "duplicate author ids": "SELECT count(*) - count(DISTINCT author_id) FROM author",
    "papers missing from the full-text index":
        "SELECT (SELECT count(*) FROM paper) - (SELECT count(*) FROM paper_fts_docsize)",
}
OPTIONAL_ORPHAN_CHECKS = {  # tables other migrations add
    "seed": "SELECT count(*) FROM seed s LEFT JOIN paper p ON p.id = s.paper WHERE p.id IS NULL",
    "paper_theme": "SELECT count(*) FROM paper_theme t LEFT JOIN paper p ON p.id = t.paper WHERE p.id IS NULL",
    "paper_rank": "SELECT count(*) FROM paper_rank r LEFT JOIN paper p ON p.id = r.paper WHERE p.id IS NULL",
    "reading_list_item": "SELECT count(*) FROM reading_list_item i LEFT JOIN paper p ON p.id = i.paper "
                         "WHERE p.id IS NULL",
    "mention": "SELECT count(*) FROM mention m LEFT JOIN paper p ON p.id = m.paper "
               "WHERE m.paper IS NOT NULL AND p.id IS NULL",
}


def is_postgres(db) -> bool:
    return str(db).startswith(("postgresql://", "postgres://"))


def connect_any(db):
    """A plain connection to either backend's store, speaking kb's SQL."""
    if is_postgres(db):
        from kb.store.postgres import PgConnection

        return PgConnection(str(db))
    return sqlite3.connect(db)


def orphan_checks(db) -> dict[str, str]:
    """:data:`ORPHAN_CHECKS` for this store's backend (each has its own full-text index)."""
    if not is_postgres(db):
        return ORPHAN_CHECKS
    return ORPHAN_CHECKS | {"papers missing from the full-text index":
                            "SELECT (SELECT count(*) FROM paper) - (SELECT count(*) FROM paper_fts)"}


def check_store(db: Path) -> dict:
    """Everything a store must satisfy at any moment, even right after ``kill -9``: SQLite's
    own integrity check, foreign keys, the full-text index agreeing with its content table, and
    no orphan or duplicate rows (on PostgreSQL, which checks its own integrity and foreign keys,
    the rows). Returns a few counts."""
    conn = connect_any(db)
    try:
        if not is_postgres(db):
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            conn.execute("INSERT INTO paper_fts(paper_fts, rank) VALUES ('integrity-check', 1)")
        problems = {name: conn.execute(sql).fetchone()[0] for name, sql in orphan_checks(db).items()}
        tables = set(_tables(conn))
        problems.update({f"{t} rows without a paper": conn.execute(sql).fetchone()[0]
                         for t, sql in OPTIONAL_ORPHAN_CHECKS.items() if t in tables})
        assert not any(problems.values()), {k: v for k, v in problems.items() if v}
        return {"papers": conn.execute("SELECT count(*) FROM paper").fetchone()[0],
                "edges": conn.execute("SELECT count(*) FROM citation").fetchone()[0],
                "running": conn.execute("SELECT count(*) FROM crawl_run WHERE status = 'running'").fetchone()[0]}
    finally:
        conn.close()


def frontier_snapshot(db: Path) -> set:
    """The crawl frontier as a finished crawl leaves it, independent of the order in which
    pages arrived (``reached_from`` and ``seeds`` depend on that order; depth does not)."""
    conn = sqlite3.connect(db)
    try:
        return set(conn.execute(
            "SELECT p.paper_id, s.depth, s.status, s.refs_next_offset, s.cits_next_offset, s.links "
            "FROM crawl_state s JOIN paper p ON p.id = s.paper"))
    finally:
        conn.close()


def authors_snapshot(db: Path) -> set:
    conn = sqlite3.connect(db)
    try:
        return set(conn.execute(
            "SELECT p.paper_id, a.position, x.author_id, a.name FROM paper_author a "
            "JOIN paper p ON p.id = a.paper LEFT JOIN author x ON x.id = a.author"))
    finally:
        conn.close()


def copy_store(src: Path, dst: Path) -> Path:
    """A consistent copy of a store (SQLite's backup API: WAL content included)."""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()
    return dst


def files_under(directory: Path) -> set[str]:
    return {str(p.relative_to(directory)) for p in Path(directory).rglob("*")}


def wait_until(predicate, timeout: float = 30.0, step: float = 0.002) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def copy_themes(tmp: Path) -> Path:
    target = tmp / "themes.toml"
    shutil.copy(ROOT / "data" / "themes.toml", target)
    return target


# -- figures -------------------------------------------------------------------------------------

def record(section: str, **numbers) -> None:
    """Add to the run's reliability figures (summed per section and key at the end)."""
    path = os.environ.get("KB_RELIABILITY_FIGURES")
    if not path:
        return
    line = json.dumps({"section": section, **numbers})
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def two_seed_graph():
    """A generated 1,500-paper corpus and two seeds with 3-15 citers each: a crawl of a few
    seconds that still has depth-2 structure to kill, fault and race."""
    import random

    from kb.standin.generate import generate_corpus

    corpus = generate_corpus(1500, seed=11)
    ids = [pid for pid in corpus.paper_ids() if 3 <= len(corpus.citations_of(pid)) <= 15]
    return corpus, random.Random(5).sample(ids, 2)


def crawled_store_with_citers(tmp: Path, records: list[dict], *, corpus_size: int, corpus_seed: int,
                              max_citers: int) -> tuple[Path, list[str]]:
    """A store crawled (depth 1) from a stand-in where each of ``records`` is a paper citing
    one seed: how hostile or odd API records reach kb in real use. Returns the store and the
    records' paperIds."""
    from crawl_helpers import plant_seeds, run_crawl
    from kb.crawl.crawler import CrawlBudget
    from kb.standin.generate import generate_corpus
    from kb.standin.server import StandIn

    corpus = generate_corpus(corpus_size, seed=corpus_seed)
    seed = next(p for p in corpus.paper_ids() if 2 <= len(corpus.citations_of(p)) <= max_citers)
    ids = []
    for fields in records:
        pid = corpus.add_paper(**fields)
        corpus.add_citation(pid, seed)
        ids.append(pid)
    db = tmp / "kb.sqlite"
    with StandIn(corpus) as server:
        plant_seeds(db, corpus, [seed])
        report = run_crawl(db, server.url, CrawlBudget(depth=1, max_requests=None))
    assert report.status == "completed", report.message
    return db, ids


def uninterrupted_crawl(graph, db: Path, *args: str) -> tuple[Path, int, float]:
    """`kb crawl ARGS` of ``graph``'s seeds into a new store ``db`` with nothing going wrong:
    the store every interrupted or contended run is compared with. Returns the store, the
    requests it took and its wall time."""
    from crawl_helpers import plant_seeds
    from kb.standin.server import StandIn

    corpus, seeds = graph
    with StandIn(corpus) as server:
        plant_seeds(db, corpus, seeds)
        started = time.monotonic()
        proc = run_kb(*args, env=kb_env(db, server.url))
        seconds = time.monotonic() - started
        requests = len(server.log)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["status"] == "completed"
    return db, requests, seconds
