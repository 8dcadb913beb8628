"""Secrets and escaping, through the real command line.

The API key never appears in the store (WAL included), the logs (also with ``-vv``), the jobs
log, digests, exports, error messages or ``--json`` output: every file and every output is
grepped for it, also for requests that fail (400, 403, 404, 5xx, timeouts, refused).

Every export escapes what it must for hostile text that came from the API through the
crawler: BibTeX specials (round trip through bibtexparser; no LaTeX command from the API
survives), CSV formula injection, HTML/JS in the graph view and Markdown, record separators
in RIS, XML in GraphML/GEXF. Files are written only where the user asked: nothing without
``-o``, nothing new beside the target, no half or temporary files, devices and symlinks
written through, not replaced.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import html.parser
import io
import json
import logging
import os
import re
import stat
from pathlib import Path

import pytest

from crawl_helpers import fast_settings, plant_seeds
from kb.errors import KbError
from kb.sources.s2.client import S2Client
from kb.standin.generate import generate_corpus
from kb.standin.server import StandIn
from reliability_helpers import (SECRET, Zygote, assert_one_clear_line, check_store, copy_themes,
                                 crawled_store_with_citers, files_under, kb_env, record, run_kb, text)


# -- the API key -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    """A stand-in that requires the key, and a working directory for everything kb writes."""
    tmp = tmp_path_factory.mktemp("secrets")
    corpus = generate_corpus(600, seed=31)
    seeds = [p for p in corpus.paper_ids() if 3 <= len(corpus.citations_of(p)) <= 20][:2]
    server = StandIn(corpus, api_key=SECRET)
    server.start()
    yield tmp, corpus, seeds, server
    server.stop()


def _all_bytes(directory: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


def test_the_api_key_never_appears_in_store_logs_exports_or_output(keyed):
    tmp, corpus, seeds, server = keyed
    db = tmp / "store" / "kb.sqlite"
    db.parent.mkdir()
    plant_seeds(db, corpus, seeds)
    (tmp / "notes.txt").write_text("We build on Toy Models of Superposition (Elhage et al., 2022).\n")
    themes = copy_themes(tmp)
    env = kb_env(db, server.url, tmp=tmp, S2_API_KEY=SECRET, KB_THEMES=str(themes))
    out = tmp / "out"
    out.mkdir()
    commands = [
        ["-vv", "crawl", "--depth", "1", "--max-requests", "0", "--json"],
        ["-vv", "seed", "add", "notes.txt", "--json"],
        ["-vv", "seed", "add", "--id", f"CorpusId:{corpus.record(seeds[0]).get('corpusId')}", "--json"],
        ["-vv", "seed", "add", "--title", "Attention Is All You Need", "--json"],
        ["-vv", "crawl", "--refresh", "--older-than", "0s", "--depth", "1", "--json"],
        ["-vv", "build", "notes.txt", "--max-requests", "5", "--json"],
        ["job", "add", "nightly", "--older-than", "0s", "--digest-dir", str(tmp / "digests")],
        ["-vv", "job", "run", "nightly", "--json"], ["job", "list", "--json"],
        ["status", "--json"], ["runs", "--json"], ["search", "learning", "--json"], ["top", "--json"],
        ["show", seeds[0], "--json"], ["trail", seeds[0], "--json"], ["new", "--format", "json"],
        ["new", "--format", "md"], ["seed", "list", "--json"], ["themes", "--json"], ["tag", "auto", "--json"],
        ["rank", "--json"], ["list", "create", "r"], ["list", "add", "r", seeds[0]],
        ["list", "export", "r", "--format", "bib", "-o", str(out / "list.bib")],
        ["alias", "add", "Seedy", "--id", seeds[0], "--json"], ["alias", "list", "--json"],
        *[["export", "--format", f, "--limit", "0"] for f in ("md", "bib", "csl-json", "ris", "csv", "json")],
        *[["export", "--format", f, "--limit", "0", "-o", str(out / f"all.{f}")]
          for f in ("md", "bib", "csl-json", "ris", "csv", "json")],
        *[["graph", "--format", f, "--limit", "0", "-o", str(out / f"graph.{f}")] for f in ("html", "graphml", "gexf")],
        ["-vv", "seed", "add", "--id", "ARXIV:0000.00000"],  # 404
    ]
    outputs = []
    for args in commands:
        proc = run_kb(*args, env=env, cwd=tmp)
        o, e = text(proc)
        assert "Traceback" not in e, (args, e[-1500:])
        outputs.append((args, proc.stdout + proc.stderr))
    # Failing requests: a 5xx storm, and the API refusing this very key (403).
    server.set_faults(rate_503=1.0)
    failing = [run_kb("-vv", "crawl", "--refresh", "--older-than", "0s", "--json", env=dict(env, KB_MAX_ATTEMPTS="2"),
                      cwd=tmp)]
    server.set_faults(None)
    server.set_api_key("a-different-key")
    failing += [run_kb("-vv", "seed", "add", "--title", "Some Paper", env=env, cwd=tmp),
                run_kb("-vv", "crawl", "--refresh", "--older-than", "0s", "--json", env=env, cwd=tmp),
                run_kb("-vv", "job", "run", "nightly", "--json", env=env, cwd=tmp)]
    server.set_api_key(SECRET)
    assert [p.returncode for p in failing] == [7, 8, 8, 11]
    outputs += [(p.args, p.stdout + p.stderr) for p in failing]
    counters = server.counters
    assert counters.get("api_key:sent", 0) > 5 and counters.get("api_key:missing", 0) == 0
    secret = SECRET.encode()
    leaks = [args for args, blob in outputs if secret in blob]
    files = _all_bytes(tmp)
    assert any(name.endswith("kb.sqlite") for name in files) and any(name.endswith("jobs.log") for name in files)
    leaks += [name for name, blob in files.items() if secret in blob or SECRET.encode("utf-16-le") in blob]
    assert not leaks, f"the API key leaked into: {leaks}"
    check_store(db)
    record("secrets", outputs_and_files_grepped_for_the_key=len(outputs) + len(files),
           requests_carrying_the_key=counters["api_key:sent"])


@pytest.mark.parametrize("failure", ["400", "403", "404", "500", "timeout", "refused", "drop", "malformed"])
def test_failing_requests_never_show_the_key_in_errors_or_logs(keyed, failure, caplog):
    tmp, corpus, seeds, server = keyed
    settings = fast_settings(server.url, tmp / "unused.sqlite", api_key=SECRET, max_attempts=2,
                             timeout_seconds=0.2)
    if failure == "refused":
        dead = StandIn(corpus)
        dead.start()
        dead.stop()
        settings = fast_settings(dead.url, tmp / "unused.sqlite", api_key=SECRET, max_attempts=2)
    elif failure == "403":
        server.set_api_key("a-different-key")
    elif failure in ("500", "drop", "malformed"):
        server.set_faults(**{f"rate_{failure}": 1.0})
    elif failure == "timeout":
        server.set_faults(rate_slow=1.0, slow_seconds=1.0)

    async def go():
        async with S2Client(settings) as client:
            if failure == "400":
                return await client.get_paper(seeds[0], fields="paperId,notAField")
            if failure == "404":
                return await client.get_paper("ARXIV:0000.00000")
            return await client.get_paper(seeds[0])

    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(KbError) as caught:
            asyncio.run(go())
    finally:
        server.set_api_key(SECRET)
        server.set_faults(None)
    visible = [str(caught.value), repr(caught.value), repr(settings), caplog.text]
    visible += [repr(r.__dict__) for r in caplog.records]
    assert not any(SECRET in v for v in visible), failure
    record("secrets", failing_requests_checked=1)


# -- escaping ----------------------------------------------------------------------------------------

HOSTILE_TITLES = [
    "Braces {and} back\\slash & 100% $money$ #1 _under_ ~tilde^ and {unbalanced",
    "}}}} closing braces first {{",
    "\\input{/etc/passwd} \\write18{rm -rf ~} \\def\\x{y}",
    "@misc{injected, title={x}} and a % comment",
    "Ünïcödé — “quotes” ‘x’ ß ﬁ 日本語",
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+1+1 plus formula",
    "-2+3 minus formula",
    "@SUM(A1:A2) at formula",
    "＝1+1 full-width formula",
    "</script><script>alert('t')</script>",
    "<!-- open comment <img src=x onerror=alert(1)> \"'><svg onload=alert(2)>",
    "]]></title><x>&amp; & &lt; XML breakers",
    "[click me](javascript:alert(1)) # not a heading | pipe | `code`",
    "Line\nER  - \nTY  - JOUR\nTI  - injected RIS record",
    "Separators \u2028 and \u2029 in a title",
]
HOSTILE_BIBTEX = ("@article{s2key, title={\\input{/etc/passwd}}, author={A \\write18{touch /tmp/pwned} B}, "
                  "journal={\\csname x\\endcsname}, url={javascript:alert(3)}}")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A store crawled from a stand-in whose papers have hostile titles, authors, venues,
    URLs and BibTeX; a seed links them all."""
    tmp = tmp_path_factory.mktemp("escaping")
    records = []
    for n, title in enumerate(HOSTILE_TITLES):
        fields = {"paperId": hashlib.sha1(f"escape-{n}".encode()).hexdigest(), "title": title,
                  "year": 2020 + n % 5, "venue": "=VENUE()" if n % 3 == 0 else "<b>Venue</b> & {Co}",
                  "authors": [{"name": "=cmd|' /C calc'!A0", "authorId": f"x{n}"},
                              {"name": "O'Brien {Jr.} & <i>Sons</i>", "authorId": f"y{n}"}],
                  "abstract": title + " — abstract", "url": "javascript:alert(1)",
                  "openAccessPdf": {"url": "javascript:alert(2)", "status": "GOLD"}}
        if n == 2:
            fields["citationStyles"] = {"bibtex": HOSTILE_BIBTEX}
        records.append(fields)
    db, ids = crawled_store_with_citers(tmp, records, corpus_size=200, corpus_seed=37, max_citers=10)
    env = kb_env(db, tmp=tmp)
    assert run_kb("list", "create", "hostile", env=env).returncode == 0
    for pid in ids:
        assert run_kb("list", "add", "hostile", pid, env=env).returncode == 0
    z = Zygote(tmp_path_factory.mktemp("zygote"))
    yield tmp, db, ids, env, z
    z.close()


def stored_titles(db: Path, ids: list[str]) -> dict[str, str]:
    import sqlite3

    conn = sqlite3.connect(db)
    rows = dict(conn.execute(f"SELECT paper_id, title FROM paper WHERE paper_id IN ({','.join('?' * len(ids))})",
                             ids).fetchall())
    conn.close()
    return rows


def export(hostile, *args) -> str:
    tmp, db, ids, env, z = hostile
    proc = z.run(*args, env=env, cwd=tmp)
    assert proc.returncode == 0, text(proc)[1][-1500:]
    return proc.stdout.decode("utf-8")


def test_bibtex_escapes_specials_and_no_latex_command_from_the_api_survives(hostile):
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    tmp, db, ids, env, z = hostile
    titles = stored_titles(db, ids)
    for args in (["export", "--format", "bib", "--limit", "0"], ["list", "export", "hostile", "--format", "bib"]):
        bib = export(hostile, *args)
        library = bibtexparser.parse_string(bib)
        assert not library.failed_blocks, [b.error for b in library.failed_blocks][:3]
        assert len(library.entries) >= len(ids)
        # No command from the API text: \input, \write18, \def, \csname ... appear only escaped.
        assert not re.search(r"(?<!\\textbackslash\{\})\\(input|write18|def|csname|include|immediate)\b", bib)
        assert "@misc{injected" not in bib  # the title's "@" did not start an entry
        for entry in library.entries:
            url = entry.fields_dict.get("url")
            assert url is None or url.value.startswith(("https://", "http://")), url.value
            for field in entry.fields:
                depth = 0
                for c in field.value.replace("\\{", "").replace("\\}", ""):
                    depth += {"{": 1, "}": -1}.get(c, 0)
                    assert depth >= 0
                assert depth == 0, (entry.key, field.key)
    decoded = bibtexparser.parse_string(export(hostile, "export", "--format", "bib", "--limit", "0"),
                                        append_middleware=[LatexDecodingMiddleware()])
    # pylatexenc decodes \textbraceleft{} to nothing and \textasciicircum{} to U+02C6: undo both.
    got = {" ".join(e["title"].replace("{", "").replace("}", "").replace("\u02c6", "^").split())
           for e in decoded.entries if "title" in e}
    for original in (titles[ids[n]] for n in (0, 4, 6)):  # specials, Unicode, formula text
        plain = " ".join(original.replace("{", "").replace("}", "").split())
        assert plain in got, (original, sorted(got)[:5])
    record("escaping", bibtex_entries_checked=len(library.entries))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def test_csv_cells_never_start_a_formula(hostile):
    tmp, db, ids, env, z = hostile
    cells = 0
    for args in (["export", "--format", "csv", "--limit", "0"], ["list", "export", "hostile", "--format", "csv"]):
        table = list(csv.reader(io.StringIO(export(hostile, *args))))
        assert len(table) > len(ids)
        for row in table:
            for cell in row:
                assert not cell.startswith(FORMULA_START), cell[:60]
                cells += 1
        flat = "\n".join(",".join(r) for r in table)
        assert "'=HYPERLINK(" in flat and "'=cmd|" in flat  # defused, not dropped
    record("escaping", csv_cells_checked=cells)


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.handlers, self.urls = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if name in ("href", "src", "action") and value and value.strip().lower().startswith(
                    ("javascript:", "data:", "vbscript:")):
                self.urls.append((tag, value))


def test_graph_page_and_markdown_carry_no_live_html_or_js_from_the_api(hostile, tmp_path):
    tmp, db, ids, env, z = hostile
    page = tmp_path / "graph.html"
    proc = z.run("graph", "--format", "html", "--limit", "0", "-o", str(page), env=env, cwd=tmp)
    assert proc.returncode == 0, text(proc)
    hostile_html = page.read_text()
    benign = tmp_path / "benign.html"
    assert z.run("graph", "--format", "html", "--limit", "1", "-o", str(benign), env=env,
                 cwd=tmp).returncode == 0
    parsed, reference = _Tags(), _Tags()
    parsed.feed(hostile_html)
    reference.feed(benign.read_text())
    assert parsed.tags.count("script") == reference.tags.count("script")  # no script was added
    assert sorted(set(parsed.tags)) == sorted(set(reference.tags))       # nor any other element
    assert parsed.handlers == reference.handlers and not parsed.urls
    for needle in ("<img src=x", "<svg onload", "</title><x>", '"javascript:', "'javascript:"):
        assert needle not in hostile_html, needle  # (the words may appear inside escaped data)
    md = export(hostile, "export", "--format", "md", "--limit", "0")
    assert not re.search(r"(?<!\\)<(script|img|svg|b|i)\b", md)  # only as escaped text: \<script\>
    assert not re.search(r"(?<!\\)\]\(javascript:", md)  # no live link
    assert not re.search(r"^#+ .*not a heading", md, re.M)
    record("escaping", html_and_markdown_exports_checked=2)


def test_ris_json_and_xml_exports_keep_records_whole(hostile):
    import networkx as nx

    tmp, db, ids, env, z = hostile
    titles = stored_titles(db, ids)
    ris = export(hostile, "export", "--format", "ris", "--limit", "0")
    assert ris.count("\nTY  - ") + ris.startswith("TY  - ") == ris.count("ER  - ")
    assert "TI  - injected RIS record" not in ris.replace("ER  - TY  - JOUR TI  - injected", "")
    for fmt in ("json", "csl-json"):
        items = json.loads(export(hostile, "export", "--format", fmt, "--limit", "0"))
        got = {" ".join((i.get("title") or "").split()) for i in items}
        assert {" ".join(t.split()) for t in titles.values()} <= got, fmt
    for fmt in ("graphml", "gexf"):
        path = tmp / f"g.{fmt}"
        proc = z.run("graph", "--format", fmt, "--limit", "0", "-o", str(path), env=env, cwd=tmp)
        assert proc.returncode == 0, text(proc)
        graph = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
        labels = {" ".join((d.get("title") or d.get("label") or "").split()) for _, d in graph.nodes(data=True)}
        assert {" ".join(t.split()) for t in titles.values()} <= labels, fmt
    record("escaping", ris_json_xml_exports_checked=5)


# -- files only where asked ----------------------------------------------------------------------

def _listing(*dirs: Path) -> set:
    return {(str(d), n) for d in dirs for n in files_under(d) if not n.endswith(("-wal", "-shm", ".lock"))}


def test_files_are_written_only_where_the_user_asked(hostile, tmp_path):
    tmp, db, ids, env, z = hostile
    work = tmp_path / "work"
    work.mkdir()
    (work / "a-directory").mkdir()
    before = _listing(work, db.parent)
    for args in (["export", "--format", "bib"], ["graph"], ["list", "export", "hostile"], ["search", "formula"],
                 ["show", ids[0]], ["new", "--format", "md"], ["export", "-o", "-"], ["status"], ["runs"]):
        proc = z.run(*args, env=env, cwd=work)
        assert proc.returncode == 0, (args, text(proc))
    assert _listing(work, db.parent) == before, "a command without -o created a file"
    for args in (["export", "-o", "missing/dir/out.bib"], ["graph", "-o", "missing/g.html"],
                 ["list", "export", "hostile", "-o", "missing/l.md"], ["export", "-o", "a-directory"]):
        assert_one_clear_line(z.run(*args, env=env, cwd=work), {2})
    assert _listing(work, db.parent) == before, "a failed export created a file or directory"
    proc = z.run("export", "--format", "bib", "-o", "refs.bib", env=env, cwd=work)
    assert proc.returncode == 0
    assert _listing(work, db.parent) == before | {(str(work), "refs.bib")}  # that file, nothing else
    real = tmp_path / "library" / "refs.bib"
    real.parent.mkdir()
    real.write_text("old\n")
    link = work / "linked.bib"
    link.symlink_to(real)
    assert z.run("export", "--format", "bib", "-o", str(link), env=env, cwd=work).returncode == 0
    assert link.is_symlink() and real.read_text().startswith("% Exported by kb")
    assert sorted(p.name for p in real.parent.iterdir()) == ["refs.bib"]
    if os.geteuid() == 0:  # a device the user names is written to, never replaced by a file
        device = tmp_path / "null"
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        assert z.run("export", "-o", str(device), env=env, cwd=work).returncode == 0
        assert stat.S_ISCHR(os.stat(device).st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        proc = z.run("export", "--format", "json", "--limit", "2", "-o", str(fifo), env=env, cwd=work)
        assert proc.returncode == 0, text(proc)
        assert stat.S_ISFIFO(os.stat(fifo).st_mode)
        assert json.loads(os.read(reader, 1 << 20))
    finally:
        os.close(reader)
    record("escaping", file_placement_checks=10)
