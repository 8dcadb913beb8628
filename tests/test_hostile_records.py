"""API records with nulls, wrong types, 100 KB titles, control characters and HTML: crawled
from the stand-in, stored sanely, exported escaped."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from reliability_helpers import crawled_store_with_citers

ROOT = Path(__file__).resolve().parents[1]

HOSTILE = [
    {"title": "x" * 100_000 + " endless title", "abstract": None, "year": None},
    {"title": "Control\x00chars\x07in\x1btitle", "abstract": "tab\there\x0bvertical"},
    {"title": "<script>alert('t')</script><img src=x onerror=alert(1)>", "abstract": "<b>bold</b> & co"},
    {"title": "=HYPERLINK(\"http://evil\",\"click\")", "abstract": "+1 -1 @SUM(A1)"},
    {"title": "Braces {and} back\\slash & 100% $money$ #1 _under_ ~tilde^", "year": 2020},
    {"title": None, "authors": None, "venue": None, "externalIds": None},
]


def test_hostile_records_are_stored_sanely_and_exported_escaped(tmp_path):
    db, hostile_ids = crawled_store_with_citers(
        tmp_path, [dict(fields, publicationDate="2025-01-02") for fields in HOSTILE],
        corpus_size=300, corpus_seed=23, max_citers=15)
    conn = sqlite3.connect(db)
    rows = {r[0]: r[1:] for r in conn.execute("SELECT paper_id, title, abstract FROM paper")}
    conn.close()
    assert set(hostile_ids) <= set(rows)
    for pid in hostile_ids:
        title, abstract = rows[pid]
        for text in (title, abstract):
            if text is not None:
                assert len(text) <= 20_000
                assert not any(ord(c) < 32 and c not in "\t\n\r" for c in text)
    assert len(rows[hostile_ids[0]][0]) <= 2000

    env = dict(os.environ, KB_DB=str(db))

    def kb(*args):
        proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], env=env, capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    table = list(csv.reader(io.StringIO(kb("export", "--format", "csv", "--limit", "0"))))
    cells = [cell for row in table for cell in row]
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in cells if cell)
    assert any("HYPERLINK" in cell for cell in cells)
    html_path = tmp_path / "graph.html"
    kb("graph", "--format", "html", "--limit", "0", "-o", str(html_path))
    html = html_path.read_text()
    assert "<script>alert(" not in html and "<img src=x" not in html
    bib = kb("export", "--format", "bib", "--limit", "0")
    import bibtexparser

    library = bibtexparser.parse_string(bib)
    assert not library.failed_blocks
    assert len(library.entries) >= len(HOSTILE) - 1
    md = kb("export", "--format", "md", "--limit", "0")
    assert "<script>" not in md
