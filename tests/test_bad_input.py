"""Bad input to every command family, through the real command line: each gives one clear line
``kb: error: ...`` on stderr and a non-zero exit code, never a traceback, and nothing is stored
wrong (every row of the store, the config files and the directory are unchanged).

Covered: unknown and ill-formed paper ids, FTS syntax errors and injection attempts in queries,
ill-formed options, missing / binary / huge / non-UTF-8 / directory seed files, corrupt,
truncated, damaged, read-only, newer-version and missing stores, malformed themes / aliases /
jobs TOML, an API key the API refuses (403), and arguments that are not UTF-8 (hostile API
records: test_hostile_records). Hypothesis
fuzzes the response parser (every record it returns can be stored) and the query parser (no
SQLite error for any text).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawl_helpers import plant_seeds, run_crawl
from kb.crawl.crawler import CrawlBudget
from kb.errors import UsageError
from kb.sources.s2.parse import MAX_TEXT, ResponseShapeError, parse_edge_page, parse_paper
from kb.standin.generate import generate_corpus
from kb.standin.server import StandIn
from kb.store import Store
from reliability_helpers import (Zygote, assert_one_clear_line, check_store, copy_store, copy_themes,
                                 crawled_store_with_citers, files_under, kb_env, record, run_kb, store_digest, text)


@pytest.fixture(scope="module")
def world(tmp_path_factory, zygote):
    """A crawled store with seeds, a reading list, tags, a job, a themes file, and the stand-in."""
    tmp = tmp_path_factory.mktemp("bad-input")
    corpus = generate_corpus(800, seed=13)
    seeds = [p for p in corpus.paper_ids() if 3 <= len(corpus.citations_of(p)) <= 20][:2]
    server = StandIn(corpus)
    server.start()
    db = tmp / "kb.sqlite"
    plant_seeds(db, corpus, seeds)
    run_crawl(db, server.url, CrawlBudget(depth=1, max_requests=None))
    themes = copy_themes(tmp)
    env = kb_env(db, server.url, tmp=tmp, KB_THEMES=str(themes), KB_MAX_ATTEMPTS="2")
    for args in (["list", "create", "reading"], ["list", "add", "reading", seeds[0]],
                 ["tag", "add", seeds[0], "interpretability"],
                 ["job", "add", "nightly", "--older-than", "0s"],
                 ["alias", "add", "The Seed Paper", "--id", seeds[0]]):
        proc = zygote.run(*args, env=env, cwd=tmp)
        assert proc.returncode == 0, (args, text(proc))
    (tmp / "notes.txt").write_text("We build on Toy Models of Superposition (Elhage et al., 2022).\n")
    (tmp / "a-directory").mkdir()
    yield {"tmp": tmp, "db": db, "server": server, "corpus": corpus, "seeds": seeds, "env": env,
           "zygote": zygote}
    server.stop()


def state(world) -> tuple:
    """The store's rows, the config files' bytes and the directory's file names."""
    tmp = world["tmp"]
    configs = {name: hashlib.sha256((tmp / name).read_bytes()).hexdigest()
               for name in ("themes.toml", "jobs.toml", "aliases.user.toml")}
    names = {n for n in files_under(tmp) if not n.endswith(("-wal", "-shm", ".lock"))}
    return store_digest(world["db"]), configs, names


@pytest.fixture(scope="module")
def zygote(tmp_path_factory):
    z = Zygote(tmp_path_factory.mktemp("zygote"))
    yield z
    z.close()


def kb(world, *args, env_extra=None, db=None, real=False, **kw):
    """Run the CLI in the world's directory: forked from the module's zygote (cheap), or with
    ``real`` (or a ``preexec_fn``) as a brand-new ``python cli.py`` process."""
    env = dict(world["env"])
    if db is not None:
        env["KB_DB"] = str(db)
    env.update(env_extra or {})
    if real or kw:
        return run_kb(*args, env=env, cwd=world["tmp"], timeout=120, **kw)
    return world["zygote"].run(*args, env=env, cwd=world["tmp"])


SEED = "{seed}"  # replaced by a seed's paperId

CASES = {
    # global
    "unknown command": (["nosuchcommand"], {2}),
    "missing option value": (["--db"], {2}),
    "unknown global option": (["--colour", "status"], {2}),
    "status unknown option": (["status", "--bogus"], {2}),
    # seeds and mentions
    "seed add nothing": (["seed", "add"], {2}),
    "seed add ill-formed DOI": (["seed", "add", "--id", "DOI:nonsense"], {2}),
    "seed add id with spaces": (["seed", "add", "--id", "bad id with spaces"], {2}),
    "seed add empty title": (["seed", "add", "--title", "   "], {2}),
    "seed add missing file": (["seed", "add", "missing.txt"], {2}),
    "seed add directory": (["seed", "add", "a-directory"], {2}),
    "seed add missing bib": (["seed", "add", "--bib", "missing.bib"], {2}),
    "seed add bib directory": (["seed", "add", "--bib", "a-directory"], {2}),
    "seed resolve unknown mention": (["seed", "resolve", "99999", "--id", "CorpusId:1"], {2, 4}),
    "seed resolve ill-formed id": (["seed", "resolve", "1", "--id", "not an id"], {2, 4}),
    "seed rm unknown": (["seed", "rm", "no-such-seed"], {2, 4}),
    "mentions missing file": (["mentions", "missing.txt"], {2}),
    "mentions directory": (["mentions", "a-directory"], {2}),
    # crawl and build
    "crawl negative depth": (["crawl", "--depth", "-1"], {2}),
    "crawl depth not a number": (["crawl", "--depth", "two"], {2}),
    "crawl unknown direction": (["crawl", "--direction", "sideways"], {2}),
    "crawl bad max-time": (["crawl", "--max-time", "soon"], {2}),
    "crawl zero concurrency": (["crawl", "--concurrency", "0"], {2}),
    "crawl refresh bad older-than": (["crawl", "--refresh", "--older-than", "never"], {2}),
    "build missing document": (["build", "missing.txt"], {2}),
    "build bad max-time": (["build", "--max-time", "1 fortnight"], {2}),
    # search: FTS syntax errors and injection attempts
    "search unbalanced quote": (["search", '"unbalanced'], {2}),
    "search NEAR(": (["search", "NEAR("], {2}),
    "search bare field": (["search", "title:"], {2}),
    "search empty": (["search", ""], {2}),
    "search star": (["search", "*"], {2}),
    "search caret": (["search", "^"], {2}),
    "search dangling OR": (["search", "reward OR"], {2}),
    "search only NOT": (["search", "NOT reward"], {2}),
    "search unmatched paren": (["search", "reward)"], {2}),
    "search deep nesting": (["search", "(" * 40 + "a" + ")" * 40], {2}),
    "search too long": (["search", "word " * 400], {2}),
    "search NUL": (["search", "a\x01b\x7f"], None),  # placeholder, replaced below
    "search bad sort": (["search", "reward", "--sort", "nonsense"], {2}),
    "search reversed years": (["search", "reward", "--year-from", "2020", "--year-to", "2010"], {2}),
    "search unknown theme": (["search", "reward", "--theme", "no-such-theme"], {2, 4}),
    "search negative limit": (["search", "reward", "--limit", "-1"], {2}),
    # top, show, trail
    "top unknown by": (["top", "--by", "nothing"], {2}),
    "top unknown theme": (["top", "--theme", "no-such-theme"], {2, 4}),
    "show unknown words": (["show", "not-a-paper-id-xyz"], {2, 4}),
    "show unknown DOI": (["show", "DOI:10.9999/none"], {2, 4}),
    "show unknown number": (["show", "#999999"], {2, 4}),
    "show SQL injection": (["show", "'; DROP TABLE paper; --"], {2, 4}),
    "show empty": (["show", ""], {2, 4}),
    "show ill-formed CorpusId": (["show", "CorpusId:abc"], {2, 4}),
    "trail unknown": (["trail", "CorpusId:999999999"], {2, 4}),
    "trail injection": (["trail", "x' OR '1'='1"], {2, 4}),
    # exports and graphs
    "export unknown format": (["export", "--format", "docx"], {2}),
    "export into a missing directory": (["export", "-o", "no/such/dir/out.bib"], {2}),
    "export onto a directory": (["export", "-o", "a-directory"], {2}),
    "export relevance without query": (["export", "--sort", "relevance"], {2}),
    "export bad query": (["export", "NEAR("], {2}),
    "export negative years": (["export", "--year-from", "2030", "--year-to", "2000"], {2}),
    "graph unknown format": (["graph", "--format", "png"], {2}),
    "graph into a missing directory": (["graph", "-o", "no/such/dir/graph.html"], {2}),
    "graph bad query": (["graph", '"open'], {2}),
    # reading lists
    "list show unknown": (["list", "show", "no-such-list"], {2, 4}),
    "list create empty name": (["list", "create", ""], {2}),
    "list create control chars": (["list", "create", "bad\x07name"], {2}),
    "list create existing": (["list", "create", "reading"], {2}),
    "list add unknown list": (["list", "add", "no-such-list", SEED], {2, 4}),
    "list add unknown paper": (["list", "add", "reading", "not-a-paper-xyz"], {2, 4}),
    "list add nothing": (["list", "add", "reading"], {2}),
    "list add bad search": (["list", "add", "reading", "--from-search", '"open'], {2}),
    "list rm unknown paper": (["list", "rm", "reading", "not-a-paper-xyz"], {2, 4}),
    "list mark nothing": (["list", "mark", "reading"], {2}),
    "list export unknown": (["list", "export", "no-such-list"], {2, 4}),
    "list export bad format": (["list", "export", "reading", "--format", "docx"], {2}),
    "list export bad order": (["list", "export", "reading", "--order", "random"], {2}),
    "list delete unknown": (["list", "delete", "no-such-list"], {2, 4}),
    # themes and tags
    "tag add unknown paper": (["tag", "add", "not-a-paper", "interpretability"], {2, 4}),
    "tag add unknown theme": (["tag", "add", SEED, "no-such-theme"], {2, 4}),
    "tag rm unknown paper": (["tag", "rm", "#999999", "interpretability"], {2, 4}),
    "tag list nothing": (["tag", "list"], {2}),
    "tag list unknown theme": (["tag", "list", "--theme", "no-such-theme"], {2, 4}),
    "tag auto unknown source": (["tag", "auto", "--sources", "astrology"], {2}),
    "tag auto bad threshold": (["tag", "auto", "--rule", "high"], {2}),
    "theme add bad slug": (["theme", "add", "Bad Slug!"], {2}),
    "theme add existing": (["theme", "add", "interpretability"], {2}),
    "theme add unknown parent": (["theme", "add", "new-theme", "--parent", "no-such-theme"], {2}),
    "theme rm unknown": (["theme", "rm", "no-such-theme"], {2}),
    "theme rename unknown": (["theme", "rename", "no-such-theme", "other"], {2}),
    "theme rename bad slug": (["theme", "rename", "interpretability", "Bad Slug"], {2}),
    "themes zero years": (["themes", "--years", "0"], {2}),
    # jobs, what is new, runs, rank
    "job run unknown": (["job", "run", "no-such-job"], {4}),
    "job run nothing": (["job", "run"], {2}),
    "job run both": (["job", "run", "nightly", "--due"], {2}),
    "job add bad name": (["job", "add", "bad name!"], {2}),
    "job add bad every": (["job", "add", "other", "--every", "soon"], {2}),
    "job add existing": (["job", "add", "nightly"], {2}),
    "job add negative depth": (["job", "add", "other", "--depth", "-1"], {2}),
    "job rm unknown": (["job", "rm", "no-such-job"], {4}),
    "new bad since": (["new", "--since", "the-day-before"], {2}),
    "new bad format": (["new", "--format", "docx"], {2}),
    "runs zero limit": (["runs", "--limit", "0"], {2}),
    "rank unknown option": (["rank", "--fast"], {2}),
    # aliases
    "alias add no names": (["alias", "add"], {2}),
    "alias add blank name": (["alias", "add", "  ", "--id", "CorpusId:1"], {2}),
    "alias add bad kind": (["alias", "add", "X", "--kind", "movie"], {2}),
    "alias add paper without id": (["alias", "add", "X"], {2}),
    "alias add ill-formed id": (["alias", "add", "X", "--id", "not an id"], {2}),
    # the stand-in
    "standin bad fault rate": (["standin", "serve", "--fault-rate", "bogus", "--papers", "10"], {2}),
    "standin fault rate above 1": (["standin", "serve", "--fault-rate", "429=2", "--papers", "10"], {2}),
    "standin unknown fault": (["standin", "serve", "--fault-rate", "meteor=0.1", "--papers", "10"], {2}),
}
del CASES["search NUL"]


@pytest.mark.parametrize("name", list(CASES))
def test_bad_arguments_give_one_clear_line_and_change_nothing(world, name):
    args, codes = CASES[name]
    args = [a.replace(SEED, world["seeds"][0]) for a in args]
    before = state(world)
    proc = kb(world, *args)
    assert_one_clear_line(proc, codes)
    assert state(world) == before, f"{name}: something was stored, changed or created"
    record("bad input", bad_inputs_tried=1)


@pytest.mark.parametrize("query", ["'; DROP TABLE paper; --", "reward\" OR 1=1 --",
                                   "title:reward) OR (abstract:x", "NEAR(reward hacking, 2)",
                                   "{title}: x rank MATCH 'x'"])
def test_injection_attempts_in_queries_are_just_text(world, query):
    before = state(world)
    for args in (["search", query, "--json"], ["export", query, "--format", "json"]):
        proc = kb(world, *args)
        out, err = text(proc)
        assert "Traceback" not in err
        if proc.returncode == 0:
            json.loads(out) if "--json" in args or "json" in args else None
        else:
            assert_one_clear_line(proc, {2})
    assert state(world) == before
    record("bad input", bad_inputs_tried=2)


def test_arguments_that_are_not_utf8_give_one_clear_line(world):
    before = state(world)
    bad = os.fsdecode(b"caf\xe9")  # what Python makes of a Latin-1 byte on the command line
    for args in (["search", bad], ["show", bad], ["list", "create", bad], ["alias", "add", bad, "--title", "x"],
                 ["seed", "add", "--title", bad + " models"], ["tag", "add", bad, "interpretability"]):
        assert_one_clear_line(kb(world, *args, real=True), {2})  # the interpreter decodes argv
    assert state(world) == before
    record("bad input", bad_inputs_tried=6)


# -- seed files ------------------------------------------------------------------------------------

def _seed_file(tmp: Path, kind: str) -> Path:
    path = tmp / f"seed-{kind}.txt"
    if kind == "binary":
        path.write_bytes(bytes(range(256)) * 64)
    elif kind == "utf16":
        path.write_bytes("Toy Models of Superposition".encode("utf-16"))
    elif kind == "huge":
        with open(path, "wb") as handle:
            line = b"An Explanation of In-context Learning as Implicit Bayesian Inference. " * 100 + b"\n"
            for _ in range(20_000_000 // len(line) + 1):
                handle.write(line)
    elif kind == "pdf":
        path = tmp / "paper.pdf"
        path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\x00\x00stream")
    return path


@pytest.fixture(scope="module")
def seed_files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("seed-files")
    return {kind: _seed_file(tmp, kind) for kind in ("binary", "utf16", "huge", "pdf")}


@pytest.mark.parametrize("kind", ["binary", "utf16", "huge", "pdf"])
def test_unreadable_seed_files_are_refused_with_one_line(world, seed_files, kind):
    path = seed_files[kind]
    before = state(world)
    commands = [["seed", "add"], ["mentions"], ["seed", "add", "--bib"]]
    if kind == "huge":
        commands.append(["build", "--max-requests", "1"])
    for command in commands:
        line = assert_one_clear_line(kb(world, *command, str(path)), {2})
        assert path.name in line, (command, line)
    assert state(world) == before
    record("bad input", bad_inputs_tried=len(commands))


def test_non_utf8_text_is_read_with_replacement_characters_and_stored_sanely(world, tmp_path):
    """Latin-1 or mixed-encoding forum exports are text: kb reads them (invalid bytes become
    U+FFFD, a deliberate choice of the seeds module) instead of refusing them."""
    db = copy_store(world["db"], tmp_path / "kb.sqlite")
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\xe9 notes: we build on Toy Models of Superposition (Elhage et al., 2022). "
                     "Na\xefve readers beware.\n".encode("latin-1"))
    proc = kb(world, "mentions", str(path), "--json")
    assert proc.returncode == 0, text(proc)
    assert json.loads(proc.stdout)  # the title is found despite the bad bytes
    proc = kb(world, "seed", "add", str(path), "--json", db=db)
    assert proc.returncode == 0, text(proc)
    check_store(db)
    conn = sqlite3.connect(db)
    sentences = [r[0] for r in conn.execute("SELECT sentence FROM mention WHERE sentence LIKE '%Superposition%'")]
    conn.close()
    assert sentences and all(s.encode("utf-8") for s in sentences)
    record("bad input", bad_inputs_tried=2)


# -- stores ------------------------------------------------------------------------------------------

STORE_COMMANDS = [  # readers and writers of every kind
    ["status"], ["search", "learning"], ["show", "#1"], ["export", "--format", "json"], ["themes"],
    ["crawl", "--max-requests", "1"], ["tag", "auto"], ["list", "create", "x"], ["job", "run", "nightly"],
]


def _damaged_copy(src: Path, dst: Path) -> Path:
    """A copy whose table pages are overwritten in places: it opens, and fails mid-read."""
    copy_store(src, dst)
    conn = sqlite3.connect(dst)
    conn.execute("PRAGMA journal_mode = DELETE")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    try:
        leaves = [r[0] for r in conn.execute(
            "SELECT pageno FROM dbstat WHERE name IN ('paper', 'citation') AND pagetype = 'leaf' "
            "ORDER BY pageno")][::2]
    except sqlite3.OperationalError:
        leaves = []
    conn.close()
    if not leaves:
        pytest.skip("this SQLite has no dbstat table to find the pages to damage")
    with open(dst, "r+b") as handle:
        for number in leaves:
            handle.seek((number - 1) * page)
            handle.write(b"\x0d\x00\x00\x00\x50\x0f\xff" + b"\xff" * (page - 7))
    return dst


@pytest.mark.parametrize("damage", ["junk", "truncated", "damaged-pages", "newer-version", "foreign-sqlite"])
def test_broken_stores_give_one_clear_line_for_every_command(world, tmp_path, damage):
    """Junk, a truncated file, damaged table pages (found only when read), a store from a
    newer kb, and somebody else's SQLite database: one line, exit 5, and the file untouched.
    With damaged pages, a command that never reads them may still succeed."""
    path = tmp_path / f"{damage}.sqlite"
    if damage == "junk":
        path.write_bytes(b"definitely not sqlite " * 1000)
    elif damage == "truncated":
        copy_store(world["db"], path)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])
    elif damage == "damaged-pages":
        _damaged_copy(world["db"], path)
    elif damage == "newer-version":
        copy_store(world["db"], path)
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA user_version = 999")
        conn.close()
    else:
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
        conn.close()
    before = path.read_bytes()
    tried = failed = 0
    for args in STORE_COMMANDS:
        proc = kb(world, *args, db=path)
        tried += 1
        if damage == "damaged-pages" and proc.returncode == 0:
            assert "Traceback" not in text(proc)[1]
            continue
        failed += 1
        if args[0] == "job" and proc.returncode == 11:  # a job reports its failure for cron
            assert "Traceback" not in text(proc)[1]
        else:
            assert_one_clear_line(proc, {5})
    assert failed >= tried // 2, f"only {failed} of {tried} commands noticed the damage"
    if damage != "damaged-pages":  # a writer that never reads the damaged pages may write
        assert path.read_bytes() == before, "kb wrote to a store it could not read"
    record("bad input", bad_inputs_tried=tried)


def test_a_missing_store_is_reported_and_not_created_by_readers(world, tmp_path):
    path = tmp_path / "absent.sqlite"
    for args in (["search", "x"], ["show", "#1"], ["export"], ["graph"], ["seed", "list"], ["tag", "list", "#1"]):
        assert_one_clear_line(kb(world, *args, db=path), {2, 4, 5})
    assert not list(tmp_path.iterdir()), "a read-only command created files"
    record("bad input", bad_inputs_tried=6)


def _drop_file_permission_override():
    """Run the child as root without the capabilities that let root ignore file modes, so a
    chmod 0444 store is as read-only to it as to any user."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _as_plain_user():
    if os.geteuid() != 0:
        return None  # file modes already apply
    probe = subprocess.run(["true"], preexec_fn=_drop_file_permission_override, capture_output=True)
    if probe.returncode != 0:
        pytest.skip("running as root and cannot drop CAP_DAC_OVERRIDE: file modes cannot be tested")
    return _drop_file_permission_override


@pytest.mark.parametrize("layout", ["read-only file and directory", "read-only file"])
def test_read_only_stores_are_read_but_never_written(world, tmp_path, layout):
    preexec = _as_plain_user()
    directory = tmp_path / "ro"
    directory.mkdir()
    path = copy_store(world["db"], directory / "kb.sqlite")
    conn = sqlite3.connect(path)
    mode = "DELETE" if layout == "read-only file and directory" else "WAL"
    conn.execute(f"PRAGMA journal_mode = {mode}")
    conn.close()
    os.chmod(path, 0o444)
    if layout == "read-only file and directory":
        os.chmod(directory, 0o555)
    before = path.read_bytes()
    try:
        for args in (["status", "--json"], ["search", "learning", "--json"], ["export", "--format", "bib"]):
            proc = kb(world, *args, db=path, preexec_fn=preexec)
            assert proc.returncode == 0, (layout, args, text(proc)[1][-800:])
        for args in (["crawl", "--max-requests", "1"], ["rank"], ["list", "create", "x"],
                     ["tag", "add", world["seeds"][0], "rlhf"], ["seed", "add", "--id", "CorpusId:1"]):
            proc = kb(world, *args, db=path, preexec_fn=preexec)
            line = assert_one_clear_line(proc, {5, 6})
            assert "read-only" in line or "readonly" in line or "Permission denied" in line \
                or "cannot" in line, line
        assert path.read_bytes() == before
    finally:
        os.chmod(directory, 0o755)
        os.chmod(path, 0o644)
    record("bad input", bad_inputs_tried=8)


# -- malformed TOML --------------------------------------------------------------------------------

TOML_BREAKAGE = {
    "unclosed table": "[theme.interpretability\nname = 'unclosed\n",
    "not UTF-8": b"name = \"caf\xe9\"\n",
    "binary": bytes(range(256)),
    "directory": None,
    "wrong types": "[theme.x]\nname = 5\nkeywords = \"notalist\"\n[job.x]\ndepth = \"two\"\n[[alias]]\nnames = 7\n",
    "wrong shape": "theme = 5\njob = [1, 2]\nalias = \"x\"\n",
}
TOML_USERS = {  # what reads the file, what writes it
    "themes": ("KB_THEMES", [["search", "learning", "--theme", "x"], ["theme", "add", "new-theme"]]),
    "aliases": ("KB_USER_ALIASES", [["mentions", "notes.txt"], ["alias", "add", "Nick", "--title", "A title"]]),
    "jobs": ("KB_JOBS", [["job", "run", "--due"], ["job", "add", "other"]]),
}


@pytest.mark.parametrize("breakage", list(TOML_BREAKAGE))
@pytest.mark.parametrize("what", list(TOML_USERS))
def test_malformed_toml_files_give_one_line_naming_the_file(world, tmp_path, what, breakage):
    bad = tmp_path / f"bad-{what}.toml"
    content = TOML_BREAKAGE[breakage]
    if content is None:
        bad.mkdir()
    elif isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content)
    variable, commands = TOML_USERS[what]
    before = state(world)
    for args in commands:
        proc = kb(world, *args, env_extra={variable: str(bad)})
        line = assert_one_clear_line(proc, {2, 4})
        assert bad.name in line, (what, breakage, args, line)
    if content is not None:
        assert bad.read_bytes() == (content if isinstance(content, bytes) else content.encode())
    assert state(world) == before
    record("bad input", bad_inputs_tried=len(commands))


# -- the API key ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["seed", "add", "--id", "CorpusId:1"], ["seed", "add", "--title", "Attention Is All You Need"],
    ["seed", "add", "notes.txt"], ["crawl", "--json"], ["crawl", "--refresh", "--older-than", "0s", "--json"],
    ["build", "notes.txt", "--json"], ["seed", "resolve", "1", "--id", "CorpusId:1"],
], ids=["seed-id", "seed-title", "seed-doc", "crawl", "refresh", "build", "seed-resolve"])
def test_a_refused_api_key_is_one_line_exit_8(world, tmp_path, args):
    db = copy_store(world["db"], tmp_path / "kb.sqlite")
    server = StandIn(world["corpus"], api_key="the-right-key")
    server.start()
    try:
        before = store_digest(db)
        if args[:2] == ["seed", "resolve"]:  # needs a mention: one left unresolved by a title miss
            kb(world, "seed", "add", "--title", "Zzyzx Qwerty Unfindable", db=db,
               env_extra={"KB_S2_API_URL": server.url, "S2_API_KEY": "the-right-key"})
            before = store_digest(db)
        proc = kb(world, *args, db=db, env_extra={"KB_S2_API_URL": server.url, "S2_API_KEY": "wrong-key-5678"})
    finally:
        server.stop()
    if args[:2] == ["seed", "resolve"] and proc.returncode == 4:
        pytest.skip("no unresolved mention to resolve in this corpus")
    line = assert_one_clear_line(proc, {8})
    assert "S2_API_KEY" in line and "wrong-key-5678" not in line
    out, err = text(proc)
    assert "wrong-key-5678" not in out + err
    if args[0] not in ("crawl", "build"):
        assert store_digest(db) == before  # a crawl records its failed run, nothing else
    record("bad input", bad_inputs_tried=1)


# -- fuzzing the response parser ---------------------------------------------------------------------

any_text = st.text(alphabet=st.characters(codec=None), max_size=60) | st.sampled_from(
    ["", " ", "\x00", "\ud800", "a\udfffb", "<script>", "=1+1", "{", "}", "\\", "x" * 30_000])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | any_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=5),
    max_leaves=25)
paper_ids = st.one_of(st.none(), any_text, st.just("d" * 40), st.just("D" * 40 + " "),
                      st.integers(), st.text(alphabet="0123456789abcdef", min_size=40, max_size=40))
FIELDS = ("title", "abstract", "year", "authors", "externalIds", "tldr", "citationCount", "referenceCount",
          "openAccessPdf", "citationStyles", "fieldsOfStudy", "publicationTypes", "venue", "url",
          "publicationDate", "corpusId", "influentialCitationCount")
paper_like = st.fixed_dictionaries({"paperId": paper_ids}, optional={
    **{k: json_values for k in FIELDS},
    "authors": st.lists(st.fixed_dictionaries({}, optional={"name": json_values, "authorId": json_values})
                        | json_values, max_size=4),
    "tldr": st.fixed_dictionaries({}, optional={"text": json_values, "model": json_values}) | json_values,
    "externalIds": st.dictionaries(any_text, json_values, max_size=4) | json_values,
})


@pytest.fixture(scope="module")
def scratch_store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("fuzz") / "kb.sqlite")
    yield store
    store.close()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(st.lists(paper_like, max_size=4))
def test_fuzz_every_parsed_record_can_be_stored(scratch_store, objs):
    """Whatever the API sends, a record the parser returns is storable (UTF-8, bounded, right
    types) and storing it twice changes nothing."""
    parsed = [r for r in (parse_paper(o) for o in objs) if r is not None]
    records = list({r.paper_id: r for r in parsed}.values())  # one record per paper, as a page has
    for r in records:
        assert len(r.paper_id) == 40
        for name in ("title", "abstract", "tldr", "venue", "doi", "arxiv_id", "url", "bibtex",
                     "open_access_pdf", "publication_date"):
            value = getattr(r, name)
            if value is not None:
                assert isinstance(value, str) and value and len(value) <= MAX_TEXT
                value.encode("utf-8")  # no lone surrogates
        assert r.year is None or 1000 <= r.year <= 3000
        json.dumps(r.external_ids).encode("utf-8")
    scratch_store.upsert_papers(records)
    assert scratch_store.upsert_papers(records) == 0  # idempotent


edge_items = st.one_of(json_values, st.fixed_dictionaries(
    {"citingPaper": paper_like}, optional={"isInfluential": json_values, "contexts": json_values,
                                           "intents": json_values}),
    st.fixed_dictionaries({"citedPaper": paper_like}, optional={"isInfluential": json_values}))


@settings(max_examples=150, deadline=None)
@given(st.one_of(json_values, st.fixed_dictionaries(
    {"data": st.lists(edge_items, max_size=8)},
    optional={"next": st.one_of(json_values, st.integers(-5, 20_000)), "offset": json_values})),
    st.sampled_from(["references", "citations"]), st.integers(0, 10_500))
def test_fuzz_edge_pages_always_terminate_and_never_duplicate(obj, direction, offset):
    mine = "e" * 40
    try:
        page = parse_edge_page(obj, mine, direction, offset=offset)
    except ResponseShapeError:
        return
    assert page.next_offset is None or offset < page.next_offset < 9999  # the list always ends
    others = [e.cited if direction == "references" else e.citing for e in page.edges]
    assert len(others) == len(set(others)) == len(page.others)
    assert all((e.citing if direction == "references" else e.cited) == mine for e in page.edges)
    data = obj.get("data") or []
    assert len(page.edges) + page.without_id <= len(data)


# -- fuzzing the query parser -----------------------------------------------------------------------

QUERY_BITS = st.sampled_from(list('abc xyz"()*-:^+~.,\'!?&|{}[]\\/;') + [
    "AND", "OR", "NOT", "NEAR", "NEAR(", "title:", "abstract:", "tldr:", "TITLE:", "rank", "bm25(",
    "reward", "é", "日本", "\x00", "\t", "\n", "0", "_", "²", "ﬁ", "\u200b", "\u2028", "'; DROP TABLE paper; --",
    "\ud800", "MATCH", "*)", "-(", "\"\"", "col:", "{title abstract}:"])


@pytest.fixture(scope="module")
def fts(tmp_path_factory):
    from use_fixtures import build_store

    store = build_store(tmp_path_factory.mktemp("fts") / "kb.sqlite")
    yield store
    store.close()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(alphabet=st.characters(codec=None), max_size=80),
                 st.lists(QUERY_BITS, max_size=30).map("".join),
                 st.lists(QUERY_BITS, max_size=12).map(" ".join)))
def test_fuzz_queries_never_reach_sqlite_as_an_error(fts, query):
    """Any text: a usage error saying what is wrong, or a result; the same for the listing and
    export paths that take a query (full-text selection of ids)."""
    from kb.output.export import select_ids
    from kb.knowledge.query import PaperFilter
    from kb.knowledge.search import search, to_match_expression

    try:
        expression = to_match_expression(query)
    except UsageError:
        return
    conn = sqlite3.connect(":memory:")  # the expression is valid FTS5 on its own
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, abstract, tldr, tokenize='porter unicode61')")
    conn.execute("SELECT count(*) FROM t WHERE t MATCH ?", (expression,)).fetchone()
    conn.close()
    result = search(fts, query, PaperFilter(sort="relevance", limit=5))
    assert result.total >= len(result.rows)
    select_ids(fts, PaperFilter(sort="relevance", limit=5), query=query)
