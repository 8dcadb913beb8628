"""A small real store for the export, reading-list and graph tests.

Papers are chosen to break naive exporters: LaTeX specials, a ``<script>`` title, spreadsheet
formulas, a DOI with parentheses, non-ASCII names, two papers that want the same BibTeX key,
an id-only stub, and Semantic Scholar BibTeX with raw ``&``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kb.store.records import AuthorRef, EdgeRecord, PaperRecord
from kb.store import Store


def sha(n: int) -> str:
    return f"{n:040x}"


NASTY_TITLE = "<script>alert(1)</script> & 50% of $x_i$ {braces} ~tilde^ #hash \\backslash"
XSS_TITLE = "</script><img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"
FORMULA_TITLE = '=HYPERLINK("http://evil.example","click")'

PAPERS = [
    PaperRecord(
        paper_id=sha(1), corpus_id=101, arxiv_id="1706.03741", doi=None,
        title="Deep Reinforcement Learning from Human Preferences", year=2017,
        publication_date="2017-06-12", venue="Neural Information Processing Systems",
        authors=[AuthorRef("Paul F. Christiano", "a1"), AuthorRef("Jan Leike", "a2"),
                 AuthorRef("Tom B. Brown", "a3"), AuthorRef("Miljan Martic", "a4"),
                 AuthorRef("Shane Legg", "a5"), AuthorRef("Dario Amodei", "a6")],
        abstract="For sophisticated RL systems to interact usefully with real-world environments, "
                 "we need to communicate complex goals.",
        tldr="Learning reward functions from human comparisons of trajectory segments.",
        citation_count=2500, publication_types=["Conference"],
        open_access_pdf="https://arxiv.org/pdf/1706.03741",
        bibtex=("@Article{Christiano2017DeepRL,\n author = {P. Christiano and Jan Leike},\n"
                " booktitle = {Neural Information Processing Systems},\n pages = {4299-4307},\n"
                " title = {Deep Reinforcement Learning from Human Preferences & Friends},\n"
                " year = {2017}\n}\n"),
        detail_level=2),
    PaperRecord(
        paper_id=sha(2), corpus_id=102, arxiv_id="1606.06565",
        title="Concrete Problems in AI Safety", year=2016, publication_date="2016-06-21",
        venue="arXiv.org",
        authors=[AuthorRef("Dario Amodei", "a6"), AuthorRef("Chris Olah", "a7")],
        abstract="Rapid progress in machine learning and artificial intelligence (AI) has brought "
                 "increasing attention to the potential impacts of AI technologies on society.",
        citation_count=2000, publication_types=["JournalArticle"], detail_level=2),
    PaperRecord(
        paper_id=sha(3), corpus_id=103, doi="10.1016/S0004-3702(99)00052-1",
        title=NASTY_TITLE, year=2020, publication_date="2020-03-01",
        venue="=cmd|' /C calc'!A0",
        authors=[AuthorRef("José Hernández-Orallo", "a8"), AuthorRef("Hado van Hasselt", "a9")],
        abstract="Line one.\nER  - \nTY  - JOUR\nan abstract that tries to break RIS",
        tldr="-1+1 starts with a minus", citation_count=12,
        publication_types=["JournalArticle"], detail_level=2),
    PaperRecord(
        paper_id=sha(4), corpus_id=104, title=FORMULA_TITLE, year=2021,
        authors=[AuthorRef("OpenAI", "a10")], citation_count=5, detail_level=1),
    PaperRecord(
        paper_id=sha(5), corpus_id=105, title="Deep learning of preferences, again", year=2017,
        authors=[AuthorRef("Paul Christiano", "a1")], venue="ICML",
        publication_types=["Conference"], citation_count=40, detail_level=1),
    PaperRecord(
        paper_id=sha(6), corpus_id=106, title="Über die Sicherheit: ünïcödé and RLHF", year=2019,
        authors=[AuthorRef("Bernhard Schölkopf", "a11"), AuthorRef("Martin Luther King Jr.", "a12")],
        venue="Journal of Üñíçødé", publication_types=["JournalArticle"], citation_count=3,
        detail_level=1),
    PaperRecord(
        paper_id=sha(7), corpus_id=107, title=XSS_TITLE, year=2022,
        authors=[AuthorRef("<b>Mallory</b>", "a13")], venue="javascript:alert(1)",
        open_access_pdf="javascript:alert(1)", citation_count=1, detail_level=1),
    PaperRecord(paper_id=sha(8)),  # an id-only stub
]

EDGES = [
    EdgeRecord(citing=sha(3), cited=sha(1), is_influential=True),
    EdgeRecord(citing=sha(1), cited=sha(2)),
    EdgeRecord(citing=sha(4), cited=sha(1)),
    EdgeRecord(citing=sha(5), cited=sha(3)),
    EdgeRecord(citing=sha(6), cited=sha(2)),
    EdgeRecord(citing=sha(7), cited=sha(1)),
    EdgeRecord(citing=sha(8), cited=sha(2)),
]

# paper -> (depth, reached_from, reached_via)
CRAWL = {
    1: (0, None, "seed"),
    2: (0, None, "seed"),
    3: (1, 1, "cits"),
    4: (1, 1, "cits"),
    5: (2, 3, "cits"),
    6: (1, 2, "cits"),
    7: (1, 1, "cits"),
    8: (1, 2, "cits"),
}
RANK = {1: 0.30, 2: 0.25, 3: 0.12, 4: 0.05, 5: 0.08, 6: 0.04, 7: 0.02}
THEMES = {1: ["reward-learning"], 2: ["robustness", "reward-learning"], 3: ["robustness"],
          5: ["reward-learning"], 7: ["robustness"]}
THEME_NAMES = {"reward-learning": "Reward learning", "robustness": "Robustness & <safety>"}
SEED_SENTENCE = "Christiano et al. (2017) showed that *human preferences* can train a reward model."


def _has(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() is not None


def _insert(conn: sqlite3.Connection, table: str, values: dict) -> int | None:
    """Insert a row into a table another part of kb owns, filling any other required column
    with a plain value; None when its schema refuses (the tests then skip what needs it)."""
    row = dict(values)
    for col in conn.execute(f"PRAGMA table_info({table})"):
        name, kind, notnull, default, pk = col[1], (col[2] or "").upper(), col[3], col[4], col[5]
        if name in row or not notnull or default is not None or pk:
            continue
        row[name] = 0 if "INT" in kind or "REAL" in kind else "x"
    row = {k: v for k, v in row.items()
           if k in {c[1] for c in conn.execute(f"PRAGMA table_info({table})")}}
    columns = ", ".join(f'"{k}"' for k in row)
    try:
        inserted = conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(row))}) "
                                "RETURNING *", list(row.values())).fetchone()
    except sqlite3.DatabaseError:
        return None
    return inserted["id"] if "id" in inserted.keys() else None


def build_store(path: Path) -> Store:
    """A store holding :data:`PAPERS` with edges, crawl state, ranks, themes and seeds."""
    store = Store(path)
    store.upsert_papers(PAPERS)
    store.upsert_edges(EDGES)
    ids = store.internal_ids([p.paper_id for p in PAPERS])
    pid = {n: ids[sha(n)] for n in range(1, 9)}
    with store.transaction() as conn:
        for n, (depth, parent, via) in CRAWL.items():
            conn.execute(
                "INSERT INTO crawl_state (paper, depth, status, reached_from, reached_via) "
                "VALUES (?, ?, 'done', ?, ?)",
                (pid[n], depth, pid[parent] if parent else None, via))
        for n, value in RANK.items():
            conn.execute(
                "INSERT INTO paper_rank (paper, pagerank, seed_pagerank, cocitation, coupling, "
                "in_citations, in_references) VALUES (?, ?, ?, 0, 0, 0, 0)",
                (pid[n], value / 2, value))
        if _has(conn, "theme") and _has(conn, "paper_theme"):
            for slug, name in THEME_NAMES.items():
                conn.execute("INSERT OR REPLACE INTO theme (slug, name) VALUES (?, ?)", (slug, name))
            for n, slugs in THEMES.items():
                for rank, slug in enumerate(slugs):
                    conn.execute(
                        "INSERT INTO paper_theme (paper, theme, source, score) VALUES (?, ?, ?, ?)",
                        (pid[n], slug, "rule", 0.9 - 0.2 * rank))
        if _has(conn, "seed"):
            for n in (1, 2):
                _insert(conn, "seed", {"paper": pid[n]})
        store.seed_sentence_stored = False
        if _has(conn, "document") and _has(conn, "mention"):
            doc = _insert(conn, "document", {"path": "data/seeds/post.md"})
            if doc is not None:
                surface = "Christiano et al. (2017)"
                store.seed_sentence_stored = _insert(conn, "mention", {
                    "document": doc, "surface": surface, "sentence": SEED_SENTENCE,
                    "paper": pid[1], "start": 0, "end": len(surface)}) is not None
    store.ids = pid  # test convenience: fixture number -> internal id
    return store
