"""``kill -9`` at random moments of the real ``kb`` processes, then resume.

After every kill the store must pass SQLite's integrity check, its foreign keys and full-text
index must agree with its tables, and it must hold no orphan or duplicate rows; the resumed run
must end with exactly the store an uninterrupted run builds: papers, edges, authors, the crawl
frontier, ranks and theme tags. Kills land on a request count of the stand-in (mid-crawl) or
after a random delay (anywhere: start-up, crawl, ranking, tagging), and a trial may kill the
resuming run again before letting one finish.

An export killed mid-write never leaves a half file, nor a temporary file, beside the good one.

Sizes: ``pytest --long`` runs 24 crawl trials (>= 20 random moments) and 24 export kills;
the default suite runs a few (tests/test_crawler.py already kills 4 crawls resumed in-process).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from crawl_helpers import plant_seeds, snapshot
from kb.store.records import AuthorRef, EdgeRecord, PaperRecord
from kb.standin.generate import generate_corpus
from kb.standin.server import StandIn
from kb.store import Store
from reliability_helpers import (two_seed_graph, uninterrupted_crawl, authors_snapshot, check_store, copy_store, frontier_snapshot,
                                 kb_env, record, run_kb, start_kb, wait_until)


@pytest.fixture(scope="module")
def graph():
    return two_seed_graph()


def derived_snapshot(db: Path) -> tuple[set, set]:
    """Ranks (rounded) and theme tags of every source: what ranking and tagging leave behind.
    Tagging reads papers in Semantic Scholar id order, so the tags do not depend on the order
    in which pages arrived (8 requests in flight) nor on where a crawl was killed."""
    conn = sqlite3.connect(db)
    try:
        ranks = set(conn.execute(
            "SELECT p.paper_id, round(r.seed_pagerank, 9), round(r.pagerank, 9), r.in_citations "
            "FROM paper_rank r JOIN paper p ON p.id = r.paper"))
        tags = set(conn.execute(
            "SELECT p.paper_id, t.theme, t.source, round(t.score, 4) FROM paper_theme t "
            "JOIN paper p ON p.id = t.paper"))
    finally:
        conn.close()
    return ranks, tags


def full_snapshot(db: Path) -> dict:
    papers, edges = snapshot(db)
    ranks, tags = derived_snapshot(db)
    return {"papers": papers, "edges": edges, "frontier": frontier_snapshot(db),
            "authors": authors_snapshot(db), "ranks": ranks, "tags": tags}


def crawl_cmd() -> list[str]:
    return ["crawl", "--depth", "2", "--max-requests", "0", "--json"]


@pytest.fixture(scope="module")
def reference(graph, tmp_path_factory):
    """One uninterrupted `kb crawl` (ranking and tagging included), and how long it took."""
    db, requests, seconds = uninterrupted_crawl(
        graph, tmp_path_factory.mktemp("reference") / "kb.sqlite", *crawl_cmd())
    check_store(db)
    return full_snapshot(db), requests, seconds, db


def kill_at(proc, server, rng: random.Random, total_requests: int, full_seconds: float) -> str:
    """SIGKILL ``proc`` at a random moment; returns how the moment was chosen."""
    if rng.random() < 0.55:
        n = rng.randint(1, max(1, total_requests - 1))
        wait_until(lambda: len(server.log) >= n or proc.poll() is not None, timeout=60, step=0.001)
        moment = f"after request {n}"
    else:
        delay = rng.uniform(0.25, full_seconds)
        wait_until(lambda: proc.poll() is not None, timeout=delay, step=0.002)
        moment = f"after {delay:.2f} s"
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    return moment if proc.returncode == -signal.SIGKILL else moment + " (had already finished)"


def test_crawl_killed_at_random_moments_resumes_to_the_uninterrupted_store(tmp_path, graph, reference,
                                                                           long_run):
    corpus, seeds = graph
    expected, total_requests, full_seconds, _ = reference
    trials = 24 if long_run else 2
    rng = random.Random(20261122)
    kills = checks = 0
    with StandIn(corpus) as server:
        for trial in range(trials):
            for attempt in range(4):  # a trial whose runs all finished before the kill starts over
                db = tmp_path / f"trial{trial}-{attempt}.sqlite"
                plant_seeds(db, corpus, seeds)
                env = kb_env(db, server.url)
                history, killed = [], 0
                for _ in range(rng.choice((1, 1, 2, 3))):  # sometimes the resuming run dies too
                    server.log.clear()
                    proc = start_kb(*crawl_cmd(), env=env)
                    history.append(kill_at(proc, server, rng, total_requests, full_seconds))
                    killed += proc.returncode == -signal.SIGKILL
                    counts = check_store(db)  # integrity, foreign keys, FTS, no orphans/duplicates
                    checks += 1
                    assert counts["running"] <= 1, history
                if killed:
                    break
            kills += killed
            final = run_kb(*crawl_cmd(), env=env)
            assert final.returncode == 0, (history, final.stderr[-2000:])
            assert json.loads(final.stdout)["status"] == "completed", history
            check_store(db)
            got = full_snapshot(db)
            for part, value in expected.items():
                assert got[part] == value, f"trial {trial} ({'; '.join(history)}): {part} differ"
            conn = sqlite3.connect(db)
            statuses = [r[0] for r in conn.execute("SELECT status FROM crawl_run ORDER BY id")]
            conn.close()
            assert statuses[-1] == "completed" and "running" not in statuses, (history, statuses)
    record("kills", crawl_kills_survived=kills, crawl_trials=trials, store_checks_after_kill=checks)
    assert kills >= trials


@pytest.fixture(scope="module")
def big_store(tmp_path_factory):
    """5,000 papers with long abstracts and a few thousand edges: an export takes about a
    second, its write (10 MB) milliseconds."""
    db = tmp_path_factory.mktemp("big") / "kb.sqlite"
    papers = [PaperRecord(paper_id=f"{i:040x}", title=f"Paper {i} on superposition & circuits {{x}} " * 3,
                          abstract="An abstract about features. " * 40, year=2000 + i % 26, detail_level=2,
                          authors=[AuthorRef(f"Author {i}", str(i))]) for i in range(1, 5001)]
    with Store(db) as store:
        store.upsert_papers(papers)
        store.upsert_edges([EdgeRecord(citing=f"{i:040x}", cited=f"{i // 2:040x}") for i in range(2, 3751)])
    return db


EXPORTS = {
    "json": (["export", "--format", "json", "--limit", "0"], "reading.json"),
    "bib": (["export", "--format", "bib", "--limit", "0"], "refs.bib"),
    "html": (["graph", "--format", "html", "--limit", "1500"], "graph.html"),
}


def open_in(directory: Path, pid: int) -> bool:
    """Whether process ``pid`` has a file open in ``directory`` (the export being written)."""
    prefix = str(directory) + os.sep
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(prefix):
                return True
        except OSError:
            continue
    return False


def whole(kind: str, data: bytes) -> bool:
    text = data.decode("utf-8")
    if kind == "json":
        return len(json.loads(text)) == 5000
    if kind == "bib":
        return text.count("\n@") == 5000 and text.rstrip().endswith("}")
    return text.rstrip().endswith("</html>")


@pytest.mark.parametrize("kind", list(EXPORTS))
def test_export_killed_mid_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, big_store, kind,
                                                                           long_run):
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc to see when the export is being written")
    args, name = EXPORTS[kind]
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / name
    env = kb_env(big_store)
    first = run_kb(*args[:-2], "--limit", "5", "-o", str(target), env=env)  # a small good file
    assert first.returncode == 0, first.stderr
    good = target.read_bytes()
    rng = random.Random(sorted(EXPORTS).index(kind))
    kills = mid_write = 0
    for attempt in range(8 if long_run else 2):
        proc = start_kb(*args, "-o", str(target), env=env)
        if attempt % 2 == 0:  # the moment the export file is open: mid-write by construction
            wait_until(lambda: open_in(out_dir, proc.pid) or proc.poll() is not None, timeout=60,
                       step=0.0005)
            writing = proc.poll() is None and open_in(out_dir, proc.pid)
        else:
            time.sleep(rng.uniform(0.3, 1.5))
            writing = False
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
            mid_write += writing
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        assert sorted(p.name for p in out_dir.iterdir()) == [name], "a temporary file was left behind"
        data = target.read_bytes()
        if data != good:  # killed after the rename: the new file, whole
            assert whole(kind, data), f"{kind}: a half-written file replaced the good one"
            good = data
    if kind != "html":  # megabytes to write: the moment cannot be missed (a small graph page can)
        assert mid_write >= 1, "no kill landed while the file was being written"
    record("kills", export_kills_survived=kills, export_kills_mid_write=mid_write)


def test_tagging_and_ranking_killed_leave_the_old_tags_or_the_new(tmp_path, reference):
    """`kb tag auto` and `kb rank` write in one transaction each: a kill leaves all of the old
    rows or all of the new, never a mix, and a rerun gives what the uninterrupted crawl did."""
    ref_db = reference[3]

    def exact(db: Path) -> tuple[set, set]:
        conn = sqlite3.connect(db)
        try:
            return (set(conn.execute("SELECT * FROM paper_rank")),
                    set(conn.execute("SELECT paper, theme, source, score, negative FROM paper_theme")))
        finally:
            conn.close()

    expected = exact(ref_db)
    db = copy_store(ref_db, tmp_path / "kb.sqlite")  # same rows, same ids: same models
    conn = sqlite3.connect(db)
    conn.executescript("DELETE FROM paper_rank; DELETE FROM rank_run; DELETE FROM paper_theme; "
                       "DELETE FROM tag_run;")
    conn.close()
    before = exact(db)
    env = kb_env(db)
    rng = random.Random(7)
    kills = 0
    for args in (["tag", "auto", "--json"], ["rank", "--json"]) * 2:
        proc = start_kb(*args, env=env, quiet=True)
        time.sleep(rng.uniform(0.3, 1.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        check_store(db)
        ranks, tags = exact(db)
        assert tags in (before[1], expected[1]), "a killed tagging run left a mix of tags"
        assert ranks in (before[0], expected[0]), "a killed rank run left a mix of ranks"
    for args in (["tag", "auto", "--json"], ["rank", "--json"]):
        assert run_kb(*args, env=env).returncode == 0
    assert exact(db) == expected
    record("kills", tag_or_rank_kills_survived=kills)


def test_seed_add_killed_then_rerun_gives_the_same_seeds(tmp_path, standin_corpus, make_standin):
    """`kb seed add DOCUMENT` killed at random moments: the rerun stores the same seeds and
    mentions as one uninterrupted run."""
    from kb.settings import PROJECT_ROOT

    docs = sorted((PROJECT_ROOT / "data" / "seeds").glob("*.txt"))[:2]
    assert docs, "the seed documents are missing"
    server = make_standin()

    def seeds_of(db: Path) -> tuple[set, set]:
        conn = sqlite3.connect(db)
        try:
            seeds = set(conn.execute("SELECT p.paper_id FROM seed s JOIN paper p ON p.id = s.paper"))
            mentions = set(conn.execute(
                'SELECT d.path, m.start, m."end", m.status, p.paper_id FROM mention m '
                "JOIN document d ON d.id = m.document LEFT JOIN paper p ON p.id = m.paper"))
        finally:
            conn.close()
        return seeds, mentions

    ref = tmp_path / "ref.sqlite"
    proc = run_kb("seed", "add", *map(str, docs), "--json", env=kb_env(ref, server.url, tmp=tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    expected = seeds_of(ref)
    assert expected[0], "the seed documents resolved to no seeds"
    total = len(server.log)
    rng = random.Random(3)
    kills = 0
    db = tmp_path / "kb.sqlite"
    env = kb_env(db, server.url, tmp=tmp_path)
    for _ in range(2):
        server.log.clear()
        proc = start_kb("seed", "add", *map(str, docs), "--json", env=env)
        n = rng.randint(1, max(1, total - 1))
        wait_until(lambda: len(server.log) >= n or proc.poll() is not None, timeout=60, step=0.001)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        if db.exists():
            check_store(db)
    proc = run_kb("seed", "add", *map(str, docs), "--json", env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    check_store(db)
    assert seeds_of(db) == expected
    record("kills", seed_add_kills_survived=kills)


def test_interrupted_refresh_still_finds_the_new_citers(tmp_path):
    """A refresh that dies after re-reading the watched papers' records but before reading
    their new citers must not lose them: the next refresh has to find them."""
    corpus = generate_corpus(1200, seed=21)
    seeds = [pid for pid in corpus.paper_ids() if 5 <= len(corpus.citations_of(pid)) <= 40][:2]
    db = tmp_path / "kb.sqlite"
    with StandIn(corpus) as server:
        plant_seeds(db, corpus, seeds)
        env = kb_env(db, server.url, KB_MAX_ATTEMPTS="2")
        assert run_kb("crawl", "--depth", "1", "--max-requests", "0", "--no-tag", "--json",
                      env=env).returncode == 0
        fresh = []
        for i in range(3):
            pid = corpus.add_paper(title=f"A fresh result on monosemantic features {i}", year=2026,
                                   publicationDate=f"2026-11-0{i + 1}")
            corpus.add_citation(pid, seeds[0])
            fresh.append(pid)
        refresh = ["crawl", "--refresh", "--older-than", "0s", "--depth", "1", "--no-tag", "--json"]
        server.set_faults(fail_next=1000, statuses=(503,), after=1)  # the batch passes, then an outage
        first = run_kb(*refresh, env=env)
        assert first.returncode == 7
        server.set_faults(None)
        second = run_kb(*refresh, env=env)
        assert second.returncode == 0, second.stderr
        server.log.clear()
        third = run_kb(*refresh, env=env)  # the resumed list was read to the end: nothing left open
        assert third.returncode == 0, third.stderr
        assert len(server.log) == 1, [e.get("path") for e in server.log]
    check_store(db)
    conn = sqlite3.connect(db)
    stored = {r[0] for r in conn.execute("SELECT paper_id FROM paper")}
    conn.close()
    assert set(fresh) <= stored, "the interrupted refresh's new citers were lost"
