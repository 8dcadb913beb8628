"""Hostile records from the API (nulls, wrong types, 100 KB titles, control characters, lone
surrogates, HTML, BibTeX and LaTeX commands, spreadsheet formulas, RIS and XML breakers),
crawled from the stand-in through the real command line: stored sanely, read by every command,
and escaped by every export (BibTeX round trip through bibtexparser with no LaTeX command from
the API surviving, CSV formula injection, HTML/JS in the graph view and Markdown, record
separators in RIS, XML in GraphML/GEXF). Files are written only where the user asked: nothing
without ``-o``, nothing new beside the target, no half or temporary files, devices and symlinks
written through, not replaced.
"""

from __future__ import annotations

import csv
import hashlib
import html.parser
import io
import json
import os
import re
import sqlite3
import stat
from pathlib import Path

import pytest

from kb.sources.s2.parse import MAX_TEXT
from reliability_helpers import (Zygote, assert_one_clear_line, check_store, crawled_store_with_citers,
                                 files_under, kb_env, record, text)


@pytest.fixture(scope="module")
def zygote(tmp_path_factory):
    z = Zygote(tmp_path_factory.mktemp("zygote"))
    yield z
    z.close()


# -- hostile API records ------------------------------------------------------------------------------

HOSTILE = [
    {"title": "x" * 100_000 + " endless title", "abstract": "y" * 150_000, "year": None},
    {"title": "Control\x00chars\x07in\x1btitle\x7f", "abstract": "tab\there\x0bvertical\x0cfeed"},
    {"title": "Lone \ud800 surrogate \udfff in a title", "abstract": "x\udc80y", "venue": "V\ud83d"},
    {"title": "<script>alert('t')</script><img src=x onerror=alert(1)>", "abstract": "<b>bold</b> & co",
     "url": "javascript:alert(1)", "openAccessPdf": {"url": "javascript:alert(2)", "status": "GOLD"}},
    {"title": 12345, "year": "2020", "venue": ["not", "text"], "citationCount": "many",
     "authors": [{"name": 5, "authorId": 7}, {"name": None, "authorId": None}],
     "citationStyles": {"bibtex": "@article{x, title={ok}}"}},
    {"title": ["a", "list"], "year": 3.5, "publicationDate": "not-a-date", "fieldsOfStudy": "CS",
     "citationStyles": {"bibtex": "@article{x, title={a}}} \\end{document}"}},
    {"title": "Nested junk", "externalIds": {"DOI": ["x"], "ArXiv": 5, "\ud800": "z"},
     "tldr": {"text": 5}, "publicationTypes": [None, 5, "Conference"], "year": True},
    {"title": None, "authors": None, "venue": None, "externalIds": None, "abstract": None},
]


@pytest.fixture(scope="module")
def hostile_world(tmp_path_factory):
    """The hostile records served by the stand-in as papers citing a seed, crawled by kb."""
    tmp = tmp_path_factory.mktemp("hostile")
    records = []
    for n, fields in enumerate(HOSTILE):
        fields = dict(fields, paperId=hashlib.sha1(f"hostile-{n}".encode()).hexdigest())
        fields.setdefault("citationStyles", {"bibtex": f"@article{{h{n}, title={{Hostile {n}}}}}"})
        records.append(fields)
    db, ids = crawled_store_with_citers(tmp, records, corpus_size=300, corpus_seed=23, max_citers=15)
    return tmp, db, ids


def test_hostile_api_records_are_stored_sanely(hostile_world):
    _, db, ids = hostile_world
    check_store(db)
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = {r["paper_id"]: r for r in conn.execute("SELECT * FROM paper")}
    conn.close()
    assert set(ids) <= set(rows)
    for pid in ids:
        row = rows[pid]
        for column in ("title", "abstract", "tldr", "venue", "doi", "arxiv_id", "url", "open_access_pdf"):
            value = row[column]
            assert value is None or isinstance(value, str), (column, value)
            if value is not None:
                assert len(value) <= MAX_TEXT
                assert not any((ord(c) < 32 and c not in "\t\n\r") or ord(c) == 127 for c in value), column
                assert not any(0xD800 <= ord(c) <= 0xDFFF for c in value), column
        assert row["title"] is None or len(row["title"]) <= 2000
        assert row["year"] is None or (isinstance(row["year"], int) and 1000 <= row["year"] <= 3000)
        for column in ("citation_count", "reference_count"):
            assert row[column] is None or isinstance(row[column], int)
        for column in ("authors", "external_ids", "fields_of_study", "publication_types"):
            if row[column] is not None:
                json.loads(row[column])
    record("bad input", hostile_records_stored_sanely=len(ids))


@pytest.mark.parametrize("args", [
    ["show", "{pid}", "--json"], ["show", "{pid}"], ["search", "title", "--json"], ["search", "surrogate"],
    ["top", "--json", "--limit", "0"], ["export", "--format", "json", "--limit", "0"],
    ["export", "--format", "bib", "--limit", "0"], ["export", "--format", "csv", "--limit", "0"],
    ["export", "--format", "ris", "--limit", "0"], ["export", "--format", "md", "--limit", "0"],
    ["export", "--format", "csl-json", "--limit", "0"], ["graph", "--format", "html", "--limit", "0"],
    ["graph", "--format", "graphml", "--limit", "0"], ["graph", "--format", "gexf", "--limit", "0"],
    ["trail", "{pid}", "--json"], ["new", "--format", "json"], ["new", "--format", "md"],
])
def test_every_reader_handles_hostile_records(hostile_world, zygote, args):
    tmp, db, ids = hostile_world
    env = kb_env(db)
    for pid in (ids[:4] if args[0] == "show" else ids[:1]) if "{pid}" in " ".join(args) else [None]:
        proc = zygote.run(*[a.replace("{pid}", pid or "") for a in args], env=env, cwd=tmp)
        out, err = text(proc)
        assert proc.returncode == 0 and "Traceback" not in err, (args, pid, err[-1500:])
        if "--json" in args or "json" in args or "csl-json" in args:
            json.loads(out)
    record("bad input", hostile_record_reads=1)


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
    z = Zygote(tmp_path_factory.mktemp("zygote"))
    assert z.run("list", "create", "hostile", env=env).returncode == 0
    for pid in ids:
        assert z.run("list", "add", "hostile", pid, env=env).returncode == 0
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
