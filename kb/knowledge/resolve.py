"""Naming one stored paper: the one way every command that takes a paper reads it.

Users paste whatever they have at hand: an S2 sha or the first characters of one (``kb seed
list`` shows ten), the store's own number (``#12`` or ``12``, as listings show it),
``CorpusId:``, a DOI, an arXiv id (with or without ``ARXIV:``, any version), an arXiv / DOI /
Semantic Scholar URL, a forum post (``FORUM:<id>`` or its URL), or a few words of the title.
:func:`resolve_paper` turns any of them into the one stored paper it names, or fails with one line that says what to try next, so
``kb show``, ``kb trail``, ``kb tag``, ``kb list`` and ``kb seed rm`` all accept the same
things.
"""

from __future__ import annotations

import re
import sqlite3

from kb.errors import NotFoundError, UsageError
from kb.sources.forum.links import post_ref

_SHA = re.compile(r"^[0-9a-f]{40}$", re.I)
# The short ids listings show (``kb seed list`` prints ten characters of the sha).
_SHA_PREFIX = re.compile(r"^[0-9a-f]{8,39}$", re.I)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_ARXIV_NEW = re.compile(r"^(\d{4}\.\d{4,5})(v\d+)?$")
_ARXIV_OLD = re.compile(r"^([a-z][a-z.\-]+/\d{7})(v\d+)?$", re.I)
_URL = re.compile(r"^(?:https?://)?(?:www\.|export\.|dx\.|api\.)?"
                  r"(arxiv\.org|doi\.org|semanticscholar\.org)(/\S*)$", re.I)

HOW_TO_NAME = ("an S2 id (or its first 10 characters), #N, CorpusId:N, a DOI, an arXiv id, a URL "
               "or a few words of its title")


def parse_paper_ref(text: str) -> tuple[str, str | int] | None:
    """Classify an identifier: ("sha"|"prefix"|"id"|"corpus"|"doi"|"arxiv", value), or None
    for a title fragment. ``#N`` and a bare number are the store's own integer id."""
    s = text.strip()
    if s.upper().startswith("URL:"):
        s = s[4:].strip()
    if _SHA.match(s):
        return "sha", s.lower()
    if re.fullmatch(r"#?\d{1,9}", s):
        return "id", int(s.lstrip("#"))
    prefix, _, rest = s.partition(":")
    key = prefix.strip().lower()
    rest = rest.strip()
    if rest and key == "corpusid":
        if not rest.isdigit():
            raise UsageError(f"CorpusId must be a number (got {rest!r})")
        return "corpus", int(rest)
    if rest and key == "doi":
        return "doi", rest
    if rest and key == "arxiv":
        return "arxiv", strip_arxiv_version(rest)
    if _DOI.match(s):
        return "doi", s
    if _ARXIV_NEW.match(s) or _ARXIV_OLD.match(s):
        return "arxiv", strip_arxiv_version(s)
    if _SHA_PREFIX.match(s) and re.search(r"\d", s):
        return "prefix", s.lower()
    url = _URL.match(s)
    if url:
        return _parse_url(url.group(1).lower(), url.group(2), text)
    return None


def strip_arxiv_version(value: str) -> str:
    value = value.strip()
    for pattern in (_ARXIV_NEW, _ARXIV_OLD):
        m = pattern.match(value)
        if m:
            return m.group(1)
    return value


def _parse_url(host: str, path: str, original: str) -> tuple[str, str | int]:
    path = path.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    if host == "doi.org":
        doi = path.lstrip("/")
        if _DOI.match(doi):
            return "doi", doi
    elif host == "arxiv.org":
        m = re.match(r"^/(?:abs|pdf|html)/(.+?)(?:\.pdf)?$", path)
        if m:
            ident = strip_arxiv_version(m.group(1))
            if _ARXIV_NEW.match(ident) or _ARXIV_OLD.match(ident):
                return "arxiv", ident
    else:  # semanticscholar.org
        last = path.rsplit("/", 1)[-1]
        if _SHA.match(last):
            return "sha", last.lower()
        m = re.match(r"^corpusid:(\d+)$", last, re.I)
        if m:
            return "corpus", int(m.group(1))
        if "/arxiv/" in path.lower():
            return "arxiv", strip_arxiv_version(last)
    raise UsageError(f"cannot find a paper id in the URL {original.strip()!r}")


_LOOKUP = {
    "sha": ("paper_id = ?", "S2 paper id"),
    "id": ("id = ?", "store id"),
    "corpus": ("corpus_id = ?", "CorpusId"),
    "doi": ("doi = ? COLLATE NOCASE", "DOI"),
    "arxiv": ("arxiv_id = ? COLLATE NOCASE", "arXiv id"),
}


def resolve_paper(store, text: str, *, candidates: int = 5) -> sqlite3.Row:
    """The stored paper ``text`` names (see the module docstring for the forms).

    A title fragment (or a short sha) must pick out one paper: an exact (case-insensitive)
    title wins, else the fragment's words must match exactly one title. Otherwise the error
    lists the best candidates on one line, so the user can paste a precise id next time.
    """
    if not text or not str(text).strip():
        raise UsageError(f"name a paper: {HOW_TO_NAME}")
    text = str(text)
    post = post_ref(text)
    if post is not None:
        row = store.conn.execute("SELECT * FROM paper WHERE paper_id = ?", (post,)).fetchone()
        if row is None:
            raise NotFoundError(f"no forum post {post} in the store {store.path}")
        return row
    ref = parse_paper_ref(text)
    if ref is None:
        return _resolve_title(store, text.strip(), candidates)
    kind, value = ref
    if kind == "prefix":
        return _resolve_prefix(store, str(value), text.strip(), candidates)
    where, label = _LOOKUP[kind]
    row = store.conn.execute(f"SELECT * FROM paper WHERE {where} ORDER BY detail_level DESC, id "
                             "LIMIT 1", (value,)).fetchone()
    if row is None and kind == "doi" and str(value).lower().startswith("10.48550/arxiv."):
        row = store.conn.execute(  # arXiv's own DOI; S2 usually records the arXiv id
            "SELECT * FROM paper WHERE arxiv_id = ? COLLATE NOCASE ORDER BY detail_level DESC, "
            "id LIMIT 1", (strip_arxiv_version(str(value)[len("10.48550/arxiv."):]),)).fetchone()
    if row is None:
        raise NotFoundError(f"no paper with {label} {value} in the store {store.path}")
    return row


def paper_number(store, text: str) -> int:
    """The store's integer id of the paper ``text`` names."""
    return int(resolve_paper(store, text)["id"])


def _resolve_prefix(store, prefix: str, text: str, candidates: int) -> sqlite3.Row:
    # A range on the unique paper_id index: as fast as an exact lookup.
    rows = store.conn.execute("SELECT * FROM paper WHERE paper_id >= ? AND paper_id < ? ORDER BY "
                              "paper_id LIMIT ?", (prefix, prefix + "g", candidates + 1)).fetchall()
    if len(rows) == 1:
        return rows[0]
    if not rows:  # hex-looking words may still be a title ("deadbeef2")
        return _resolve_title(store, text, candidates)
    raise _ambiguous(text, rows, candidates)


def _title_match_expression(fragment: str, dialect: str = "sqlite") -> str | None:
    from kb.knowledge.search import All, Term, compile_node, compile_tsquery

    words = [w for w in re.findall(r"\w+", fragment) if w.strip("_")]
    if not words:
        return None
    terms = [Term(w, field="title") for w in words[:-1]]
    terms.append(Term(words[-1], prefix=True, field="title"))  # the last word may be half typed
    node = All(tuple(terms)) if len(terms) > 1 else terms[0]
    return compile_node(node) if dialect == "sqlite" else compile_tsquery(node)


_MAIN_TITLE = re.compile(r"\s*[:?!]\s+|\s+[-\u2013\u2014]\s+")


def _norm_title(value: str | None) -> str:
    return " ".join(re.findall(r"\w+", (value or "").lower()))


def _resolve_title(store, fragment: str, candidates: int) -> sqlite3.Row:
    conn = store.conn
    exact = conn.execute("SELECT * FROM paper WHERE title = ? COLLATE NOCASE ORDER BY "
                         "detail_level DESC, id LIMIT 2", (fragment,)).fetchall()
    if len(exact) == 1:
        return exact[0]
    rows: list[sqlite3.Row] = []
    expression = _title_match_expression(fragment, store.fulltext.dialect)
    if expression:
        try:
            rows = conn.execute(
                f"SELECT p.* FROM ({store.fulltext.matches((10.0, 1.0, 1.0))} LIMIT ?) m "
                "JOIN paper p ON p.id = m.rowid ORDER BY m.score DESC, p.id",
                (expression, candidates + 1)).fetchall()
        except sqlite3.OperationalError:
            rows = []
    if not rows:
        escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = conn.execute("SELECT * FROM paper WHERE title LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
                            (f"%{escaped}%", candidates + 1)).fetchall()
    if not rows:
        raise NotFoundError(f"no paper in the store matches {fragment!r}; try `kb search`")
    if len(rows) == 1:
        return rows[0]
    wanted = _norm_title(fragment)
    same = [r for r in rows if _norm_title(r["title"]) == wanted]
    if len(same) == 1:
        return same[0]
    # "AGI Ruin" for "AGI Ruin: A List of Lethalities": people name a work by its main title
    headed = [r for r in rows if _norm_title(_MAIN_TITLE.split(r["title"] or "", maxsplit=1)[0]) == wanted]
    if len(headed) == 1 and not same:
        return headed[0]
    raise _ambiguous(fragment, rows, candidates)


def _ambiguous(text: str, rows: list[sqlite3.Row], candidates: int) -> UsageError:
    shown = "; ".join(f"{r['paper_id']} {r['title']!r} ({r['year'] or 'n.d.'})"
                      for r in rows[:candidates])
    more = " ..." if len(rows) > candidates else ""
    return UsageError(f"{text!r} matches several papers: {shown}{more}; give an id or more "
                      "of the title")


__all__ = ["HOW_TO_NAME", "parse_paper_ref", "paper_number", "resolve_paper", "strip_arxiv_version"]
