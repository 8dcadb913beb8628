"""Several kb processes on one store at once: long writers (crawl, tagging, build) are
serialised with one clear line naming the holder (or wait for it with ``--wait``), short
writers (lists, manual tags, themes, ranks) and many readers run alongside a crawl, readers
always see a consistent store, and nothing is lost."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from crawl_helpers import plant_seeds, snapshot
from kb.store.locking import lock_path, writer_lock
from kb.standin.server import StandIn
from reliability_helpers import (Zygote, two_seed_graph, uninterrupted_crawl, assert_one_clear_line, check_store, connect_any,
                                 copy_store, copy_themes, frontier_snapshot, is_postgres, kb_env,
                                 orphan_checks, record, run_kb, start_kb, text, wait_until)

CRAWL = ["crawl", "--depth", "2", "--max-requests", "0", "--json"]


@pytest.fixture(scope="module")
def graph():
    return two_seed_graph()


@pytest.fixture(scope="module")
def reference(graph, tmp_path_factory):
    db, _, _ = uninterrupted_crawl(graph, tmp_path_factory.mktemp("reference") / "kb.sqlite",
                                   *CRAWL, "--no-tag")
    return snapshot(db), frontier_snapshot(db), db


def test_two_crawls_started_at_once_one_runs_the_other_is_refused(tmp_path, graph, reference):
    corpus, seeds = graph
    refused = 0
    with StandIn(corpus) as server:
        for trial in range(2):
            db = tmp_path / f"kb{trial}.sqlite"
            plant_seeds(db, corpus, seeds)
            env = kb_env(db, server.url, KB_RATE="40")  # ~1.5 s of crawling: the two overlap
            procs = [start_kb(*CRAWL, "--no-tag", env=env) for _ in range(2)]
            results = [(p, *p.communicate(timeout=120)) for p in procs]
            codes = sorted(p.returncode for p, _, _ in results)
            assert codes == [0, 6], [(p.returncode, err[-300:]) for p, _, err in results]
            loser = next(r for r in results if r[0].returncode == 6)
            line = assert_one_clear_line(_completed(loser), {6})
            assert "being written by `kb crawl`" in line and "--wait" in line, line
            refused += 1
            check_store(db)
            assert snapshot(db) == reference[0]
            assert frontier_snapshot(db) == reference[1]
    record("concurrency", simultaneous_writers_refused=refused)


def test_every_long_writer_is_refused_while_another_holds_the_store(tmp_path, graph):
    """Crawl, tag auto, build and seed add all take the writer lock (in the library), so each
    is refused with one line naming the holder; the store is untouched."""
    corpus, seeds = graph
    db = tmp_path / "kb.sqlite"
    plant_seeds(db, corpus, seeds)
    before = snapshot(db)
    with StandIn(corpus) as server:
        env = kb_env(db, server.url)
        with writer_lock(db, "kb crawl"):
            for args in (["crawl", "--max-requests", "5"], ["tag", "auto"],
                         ["build", "--max-requests", "1"], ["seed", "add", "--id", "ARXIV:1706.03741"],
                         ["crawl", "--refresh"]):
                line = assert_one_clear_line(run_kb(*args, env=env), {6})
                assert "being written by `kb crawl`" in line, (args, line)
    assert snapshot(db) == before


def test_wait_flag_queues_a_second_writer(tmp_path):
    db = tmp_path / "kb.sqlite"
    with writer_lock(db, "kb crawl"):
        proc = start_kb("crawl", "--wait", "--json", env=kb_env(db))
        time.sleep(0.5)
        assert proc.poll() is None  # still waiting for the lock
    out, err = proc.communicate(timeout=60)
    # It got the lock and ran: on this empty store, to the one-line "no seeds" refusal.
    assert proc.returncode == 4 and b"has no seeds" in err, err


def _completed(result):
    import subprocess

    proc, out, err = result
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _tag_counts(db: Path) -> tuple:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        with conn:
            conn.execute("BEGIN")
            return tuple(conn.execute(
                "SELECT source, count(*) FROM paper_theme GROUP BY source ORDER BY source").fetchall()) + (
                conn.execute("SELECT count(*) FROM tag_run").fetchone(),)
    finally:
        conn.close()


def test_a_crawl_is_refused_or_waits_while_tag_auto_runs_and_readers_see_all_or_no_tags(
        tmp_path, graph, reference):
    corpus, seeds = graph
    db = copy_store(reference[2], tmp_path / "kb.sqlite")
    conn = sqlite3.connect(db)
    conn.executescript("DELETE FROM paper_theme; DELETE FROM tag_run;")
    conn.close()
    before = _tag_counts(db)
    lock = lock_path(db)
    with StandIn(corpus) as server:
        env = kb_env(db, server.url)
        tagger = start_kb("tag", "auto", "--json", env=env, quiet=True)
        assert wait_until(lambda: lock.exists() and "kb tag auto" in lock.read_text()
                          or tagger.poll() is not None, timeout=60)
        if tagger.poll() is not None:
            pytest.fail("kb tag auto finished before the test could race it")
        refused = run_kb(*CRAWL, env=env)
        line = assert_one_clear_line(refused, {6})
        assert "being written by `kb tag auto`" in line, line
        waiting = start_kb(*CRAWL, "--wait", env=env)
        seen, reads = set(), 0
        while tagger.poll() is None:  # readers: the tags of before, or all of the new ones
            seen.add(_tag_counts(db))
            reads += 1
            time.sleep(0.002)  # still hundreds of reads, without a busy loop taking the tagger's core
        assert tagger.wait(timeout=120) == 0
        after = _tag_counts(db)
        assert seen <= {before, after}, seen
        out, err = waiting.communicate(timeout=120)
        assert waiting.returncode == 0, err[-2000:]
        assert json.loads(out)["status"] == "completed"
    check_store(db)
    assert snapshot(db) == reference[0]
    record("concurrency", writers_refused_while_tagging=1, tag_snapshots_read_during_tagging=reads)


READERS = [
    ["search", "learning", "--json"],
    ["top", "--json", "--limit", "50"],
    ["status", "--json"],
    ["runs", "--json"],
    ["export", "--format", "json", "--limit", "0"],
    ["export", "--format", "csv", "--limit", "0"],
    ["graph", "--format", "graphml", "--limit", "0"],
    ["new", "--format", "json"],
    ["list", "show", "--json"],
]
#: `kb new` lists what the last finished run added; before the store's first run has finished it
#: says so in this one line (exit 4), which readers that run while that run is going may see.
NO_FINISHED_RUN = "kb: error: no run has added papers yet"


def _reader_checks(db: Path) -> dict:
    """One read transaction: every invariant holds in the snapshot the reader sees."""
    pg = is_postgres(db)
    conn = connect_any(db) if pg else sqlite3.connect(f"file:{db}?mode=ro", uri=True,
                                                       isolation_level=None)
    try:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" if pg else "BEGIN")
        problems = {name: conn.execute(sql).fetchone()[0] for name, sql in orphan_checks(db).items()}
        papers = conn.execute("SELECT count(*) FROM paper").fetchone()[0]
        edges = conn.execute("SELECT count(*) FROM citation").fetchone()[0]
        run_edges = conn.execute("SELECT coalesce(sum(new_edges), 0) FROM crawl_run").fetchone()[0]
        conn.execute("COMMIT")
    finally:
        conn.close()
    assert not any(problems.values()), problems
    assert run_edges == edges  # a page's edges and the run's counters commit together
    return {"papers": papers, "edges": edges}


@pytest.fixture()
def reader_zygotes(tmp_path):
    """Two zygotes that fork the reader commands, at a lower CPU priority: readers read all
    through the crawl (while it waits on the stand-in, and on the other core) without taking the
    crawl's CPU (two busy readers of fresh interpreters took two thirds of it and tripled its
    time)."""
    zygotes = [Zygote(tmp_path / f"zygote{k}", nice=5) for k in range(2)]
    yield zygotes
    for z in zygotes:
        z.close()


def test_many_readers_during_a_crawl_see_a_consistent_store(store_target, graph, reference, reader_zygotes):
    corpus, seeds = graph
    db = store_target
    plant_seeds(db, corpus, seeds)
    failures: list = []
    reads = {"commands": 0, "snapshots": 0}
    with StandIn(corpus) as server:
        env = kb_env(db, server.url, KB_RATE="30")  # a crawl of about two seconds
        crawl = start_kb(*CRAWL, env=env)
        assert wait_until(lambda: len(server.log) >= 2 or crawl.poll() is not None, timeout=60)
        reader_env = kb_env(db, server.url)

        def command_reader(offset: int) -> None:
            i = offset
            while crawl.poll() is None:
                args = READERS[i % len(READERS)]
                proc = reader_zygotes[offset].run(*args, env=reader_env)
                out, err = text(proc)
                if args[0] == "new" and proc.returncode == 4 and err.startswith(NO_FINISHED_RUN) \
                        and err.count("\n") == 1:
                    pass  # the store's first run is still going: nothing to compare with yet
                elif proc.returncode != 0 or "Traceback" in err:
                    failures.append((args, proc.returncode, err[-500:]))
                elif "--json" in args or "json" in args:
                    json.loads(out)
                reads["commands"] += 1
                i += 1

        threads = [threading.Thread(target=command_reader, args=(k,)) for k in range(2)]
        for t in threads:
            t.start()
        last = {"papers": 0, "edges": 0}
        while crawl.poll() is None:
            now = _reader_checks(db)
            assert now["papers"] >= last["papers"] and now["edges"] >= last["edges"]
            last = now
            reads["snapshots"] += 1
            time.sleep(0.01)
        for t in threads:
            t.join(timeout=120)
        out, err = crawl.communicate(timeout=120)
    assert crawl.returncode == 0, err[-2000:]
    assert not failures, failures[:3]
    assert reads["commands"] >= len(READERS) // 2 and reads["snapshots"] >= 5, reads
    check_store(db)
    assert snapshot(db) == reference[0]
    record("concurrency", reader_commands_during_crawl=reads["commands"],
           reader_snapshots_during_crawl=reads["snapshots"])


def test_small_writes_during_a_crawl_are_kept(tmp_path, graph, reference):
    """Reading lists, manual tags, a new theme and a rank run while a crawl (with automatic
    tagging at its end) writes: each is either done, or refused with one clear line (then done
    after the crawl); none is lost or overwritten by the crawl."""
    corpus, seeds = graph
    db = tmp_path / "kb.sqlite"
    plant_seeds(db, corpus, seeds)
    themes = copy_themes(tmp_path)
    seed = seeds[0]
    writes = [
        ["list", "create", "to-read", "--description", "during the crawl"],
        ["list", "add", "to-read", seed],
        ["tag", "add", seed, "interpretability"],
        ["tag", "rm", seed, "rlhf"],
        ["theme", "add", "crawl-time-theme", "--keyword", "superposition"],
        ["rank", "--json"],
    ]
    done, retried = [], []
    with StandIn(corpus) as server:
        env = kb_env(db, server.url, tmp=tmp_path, KB_RATE="30", KB_THEMES=str(themes))
        crawl = start_kb(*CRAWL, env=env)
        assert wait_until(lambda: len(server.log) >= 3 or crawl.poll() is not None, timeout=60)
        for args in writes:
            proc = run_kb(*args, env=env)
            if proc.returncode == 0:
                done.append(args)
            else:
                assert_one_clear_line(proc, {6})
                retried.append(args)
        running_during = crawl.poll() is None
        out, err = crawl.communicate(timeout=120)
        assert crawl.returncode == 0, err[-2000:]
        for args in retried:
            proc = run_kb(*args, env=env)
            assert proc.returncode == 0, (args, text(proc))
    assert running_during, "the crawl ended before the writes: the test did not race anything"
    check_store(db)
    conn = sqlite3.connect(db)
    items = conn.execute("SELECT count(*) FROM reading_list_item i JOIN reading_list l ON l.id = i.list "
                         "JOIN paper p ON p.id = i.paper WHERE l.name = 'to-read' AND p.paper_id = ?",
                         (seed,)).fetchone()[0]
    manual = set(conn.execute(
        "SELECT t.theme, t.negative FROM paper_theme t JOIN paper p ON p.id = t.paper "
        "WHERE p.paper_id = ? AND t.source = 'manual'", (seed,)))
    theme = conn.execute("SELECT count(*) FROM theme WHERE slug = 'crawl-time-theme'").fetchone()[0]
    conn.close()
    assert items == 1 and theme == 1
    assert manual == {("interpretability", 0), ("rlhf", 1)}, manual
    assert snapshot(db) == reference[0]
    record("concurrency", small_writes_during_crawl=len(done), small_writes_refused_then_done=len(retried))
