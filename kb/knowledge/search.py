"""Full-text search over titles, abstracts and TLDRs, ranked by bm25.

The user's query is never handed to SQLite as typed: FTS5's own query language rejects or
misreads ordinary text (a hyphen, a colon, an apostrophe, a lone ``AND``), and its errors are
SQL errors. :func:`parse_query` reads a small, forgiving syntax instead and
:func:`to_match_expression` writes a MATCH expression in which every word is a quoted string,
so the only FTS5 syntax SQLite ever sees is the syntax kb wrote:

* words: all must appear (``reward hacking``), stemmed (``rewards`` finds ``reward``);
* ``"quoted phrases"``: the words in this order;
* ``prefix*``: any word starting with ``prefix``;
* ``OR``, ``AND``, ``NOT`` (upper case) and ``-word`` to exclude, parentheses to group;
* ``title:``, ``abstract:``, ``tldr:`` before a word, phrase or group to search one field.

A query kb cannot read (an unclosed quote, a dangling ``OR``, only excluded words) raises
:class:`kb.errors.UsageError` saying what is wrong, never an SQL error.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field

from kb.errors import UsageError
from kb.knowledge.query import PaperFilter, build_query, row_to_dict

FIELDS = ("title", "abstract", "tldr")
OPERATORS = ("AND", "OR", "NOT")
MAX_QUERY_LENGTH = 1000
MAX_TERMS = 64
MAX_DEPTH = 16


# -- syntax tree -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False
    prefix: bool = False
    field: str | None = None


@dataclass(frozen=True)
class Not:
    child: "Node"


@dataclass(frozen=True)
class All:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Any:
    children: tuple["Node", ...]


Node = Term | Not | All | Any


# -- tokens ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Token:
    kind: str            # word | phrase | op | open | close | minus
    text: str
    position: int
    field: str | None = None


_FIELD_PREFIX = re.compile(r"^(%s):" % "|".join(FIELDS), re.I)


def _has_word(text: str) -> bool:
    """Whether FTS5's tokenizer would find a token in ``text`` (letters or digits)."""
    return any(ch.isalnum() for ch in text)


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(query)
    pending_field: tuple[str, int] | None = None
    while i < n:
        ch = query[i]
        if ch.isspace():
            if pending_field:
                raise UsageError(f"{pending_field[0]}: must be followed directly by a word, "
                                 "a \"phrase\" or a (group)")
            i += 1
            continue
        field_name = pending_field[0] if pending_field else None
        pending_field = None
        if ch == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise UsageError(f"unclosed quote in the query at character {i + 1}: "
                                 "close the phrase with \"")
            prefix = end + 1 < n and query[end + 1] == "*"
            tokens.append(Token("phrase", query[i + 1:end], i, field_name))
            if prefix:
                tokens.append(Token("star", "*", end + 1))
            i = end + 2 if prefix else end + 1
            continue
        if ch in "()":
            tokens.append(Token("open" if ch == "(" else "close", ch, i, field_name))
            i += 1
            continue
        start = i
        while i < n and not query[i].isspace() and query[i] not in '"()':
            i += 1
        chunk = query[start:i]
        match = _FIELD_PREFIX.match(chunk)
        if match and field_name is None:
            name = match.group(1).lower()
            rest = chunk[match.end():]
            if rest:
                tokens.append(Token("word", rest, start + match.end(), name))
            elif i < n and query[i] in '"(':
                pending_field = (name, start)
            else:
                raise UsageError(f"{name}: must be followed directly by a word, a \"phrase\" "
                                 "or a (group)")
            continue
        if chunk in OPERATORS and field_name is None:
            tokens.append(Token("op", chunk, start))
        elif chunk.startswith("-") and len(chunk) > 1 and field_name is None:
            tokens.append(Token("minus", "-", start))
            tokens.append(Token("word", chunk[1:], start + 1))
        elif chunk == "-" and i < n and query[i] in '"(' and field_name is None:
            tokens.append(Token("minus", "-", start))
        else:
            tokens.append(Token("word", chunk, start, field_name))
    if pending_field:
        raise UsageError(f"{pending_field[0]}: must be followed by a word, a \"phrase\" or a (group)")
    return tokens


# -- parser ------------------------------------------------------------------------------------

class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.i = 0
        self.terms = 0
        self.depth = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Node | None:
        node = self.any_of(None)
        token = self.peek()
        if token is not None:  # only a stray ")" can stop the top level early
            raise UsageError(f"unmatched ')' at character {token.position + 1} of the query")
        return node

    def any_of(self, field_name: str | None) -> Node | None:
        parts = [self.all_of(field_name)]
        while (t := self.peek()) is not None and t.kind == "op" and t.text == "OR":
            self.take()
            if self.peek() is None or self.peek().kind == "close" or (
                    self.peek().kind == "op" and self.peek().text == "OR"):
                raise UsageError("OR needs a search term on both sides")
            parts.append(self.all_of(field_name))
        if parts[0] is None and len(parts) > 1:
            raise UsageError("OR needs a search term on both sides")
        kept = [p for p in parts if p is not None]
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else Any(tuple(kept))

    def all_of(self, field_name: str | None) -> Node | None:
        parts: list[Node] = []
        saw_operand = False
        while (t := self.peek()) is not None:
            if t.kind == "close" or (t.kind == "op" and t.text == "OR"):
                break
            if t.kind == "op" and t.text == "AND":
                self.take()
                nxt = self.peek()
                if not saw_operand or nxt is None or nxt.kind == "close" or (
                        nxt.kind == "op" and nxt.text in ("AND", "OR")):
                    raise UsageError("AND needs a search term on both sides")
                continue
            negate = False
            if t.kind == "minus" or (t.kind == "op" and t.text == "NOT"):
                self.take()
                negate = True
                nxt = self.peek()
                if nxt is None or nxt.kind in ("close", "op", "minus"):
                    raise UsageError(f"{t.text} must be followed by the term to exclude")
            node = self.primary(field_name)
            saw_operand = True
            if node is None:
                continue
            parts.append(Not(node) if negate else node)
        if not parts:
            return None
        if all(isinstance(p, Not) for p in parts):
            raise UsageError("the query only excludes words; add at least one word to look for")
        return parts[0] if len(parts) == 1 else All(tuple(parts))

    def primary(self, field_name: str | None) -> Node | None:
        t = self.take()
        name = t.field or field_name
        if t.kind == "open":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise UsageError(f"the query nests parentheses more than {MAX_DEPTH} deep")
            node = self.any_of(name)
            self.depth -= 1
            close = self.peek()
            if close is None or close.kind != "close":
                raise UsageError(f"unclosed '(' at character {t.position + 1} of the query")
            self.take()
            if node is None:
                raise UsageError(f"empty parentheses at character {t.position + 1} of the query")
            return node
        if t.kind == "phrase":
            prefix = self.peek() is not None and self.peek().kind == "star"
            if prefix:
                self.take()
            return self.term(Term(t.text, phrase=True, prefix=prefix, field=name))
        if t.kind == "word":
            text = t.text
            prefix = text.endswith("*")
            text = text.rstrip("*") if prefix else text
            return self.term(Term(text, phrase=False, prefix=prefix, field=name))
        if t.kind == "star":
            return None
        raise UsageError(f"unexpected {t.text!r} at character {t.position + 1} of the query")

    def term(self, term: Term) -> Term | None:
        if not _has_word(term.text):
            return None  # punctuation only: nothing FTS5 could match, so nothing to require
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise UsageError(f"the query has more than {MAX_TERMS} terms; shorten it")
        return term


def parse_query(query: str) -> Node:
    """The query's syntax tree; UsageError explaining the first problem found."""
    if query is None or not query.strip():
        raise UsageError("the search query is empty")
    if len(query) > MAX_QUERY_LENGTH:
        raise UsageError(f"the search query is longer than {MAX_QUERY_LENGTH} characters")
    if "\x00" in query:
        raise UsageError("the search query contains a NUL character")
    if any("\ud800" <= c <= "\udfff" for c in query):  # undecodable bytes from the command line
        raise UsageError("the search query is not valid UTF-8 text")
    node = _Parser(tokenize(query)).parse()
    if node is None:
        raise UsageError("the search query has no words to look for (only punctuation)")
    return node


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def compile_node(node: Node) -> str:
    if isinstance(node, Term):
        expression = _quote(node.text) + ("*" if node.prefix else "")
        return f"{node.field} : {expression}" if node.field else expression
    if isinstance(node, Any):
        return "(" + " OR ".join(compile_node(c) for c in node.children) + ")"
    if isinstance(node, All):
        positives = [compile_node(c) for c in node.children if not isinstance(c, Not)]
        negatives = [compile_node(c.child) for c in node.children if isinstance(c, Not)]
        expression = "(" + " AND ".join(positives) + ")"
        if negatives:
            expression = f"({expression} NOT ({' OR '.join(negatives)}))"
        return expression
    if isinstance(node, Not):  # a lone NOT is rejected by the parser; keep it safe anyway
        raise UsageError("the query only excludes words; add at least one word to look for")
    raise TypeError(node)


_WEIGHT_OF_FIELD = {"title": "A", "tldr": "B", "abstract": "C"}  # as migrations/postgresql/0001


def _tsquery_lexeme(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def compile_tsquery(node: Node) -> str:
    """The same tree as a PostgreSQL ``to_tsquery`` expression: every term is a quoted string
    (several words in one become a phrase), ``:*`` marks a prefix, a weight letter a field."""
    if isinstance(node, Term):
        suffix = ("*" if node.prefix else "") + (_WEIGHT_OF_FIELD[node.field] if node.field else "")
        return _tsquery_lexeme(node.text) + (f":{suffix}" if suffix else "")
    if isinstance(node, Any):
        return "(" + " | ".join(compile_tsquery(c) for c in node.children) + ")"
    if isinstance(node, All):
        parts = [compile_tsquery(c) for c in node.children if not isinstance(c, Not)]
        parts += [f"!{compile_tsquery(c.child)}" for c in node.children if isinstance(c, Not)]
        return "(" + " & ".join(parts) + ")"
    if isinstance(node, Not):
        raise UsageError("the query only excludes words; add at least one word to look for")
    raise TypeError(node)


def to_match_expression(query: str, dialect: str = "sqlite") -> str:
    """A safe full-text expression for a user's query: an FTS5 MATCH expression for SQLite,
    a ``to_tsquery`` expression for PostgreSQL."""
    node = parse_query(query)
    return compile_node(node) if dialect == "sqlite" else compile_tsquery(node)


# -- running a search --------------------------------------------------------------------------

@dataclass
class SearchResult:
    query: str
    expression: str
    total: int
    rows: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"query": self.query, "expression": self.expression, "total": self.total,
                "results": self.rows}


def _run(store, sql: str, params: list) -> list[sqlite3.Row]:
    try:
        return store.conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if store.fulltext.is_query_error(text):
            raise UsageError(f"cannot search for that query ({text}); put unusual text in "
                             "\"quotes\"") from None
        raise


def snippets(store, expression: str, ids: list[int]) -> dict[int, str]:
    """The best-matching passage of each paper, «marked». Asked only for the rows shown:
    snippet() re-reads and re-tokenises a paper's text, too slow for every match."""
    if not ids:
        return {}
    rows = _run(store, store.fulltext.snippets(), [expression, json.dumps(ids)])
    return {r[0]: r[1] for r in rows}


def search(store, query: str, f: PaperFilter | None = None) -> SearchResult:
    """Papers matching ``query`` under the filter ``f`` (default: best 20 by relevance)."""
    f = f or PaperFilter(sort="relevance", limit=20)
    expression = to_match_expression(query, store.fulltext.dialect)
    sql, params = build_query(store, f, match=expression)
    # Shown as kb's own quoted form on every backend, so --json output does not depend on it.
    shown = expression if store.fulltext.dialect == "sqlite" else to_match_expression(query)
    rows = [row_to_dict(r) for r in _run(store, sql, params)]
    found = snippets(store, expression, [r["id"] for r in rows])
    for r in rows:
        r["snippet"] = found.get(r["id"])
    if f.limit is not None and (len(rows) == f.limit or f.offset):
        count_sql, count_params = build_query(store, f, match=expression, count=True)
        total = _run(store, count_sql, count_params)[0][0]
    else:
        total = len(rows) + f.offset
    return SearchResult(query=query, expression=shown, total=total, rows=rows)


def search_papers(store, query: str, f: PaperFilter | None = None) -> list[dict]:
    """Just the matching rows (for exports and reading lists), in the filter's order."""
    f = f or PaperFilter(sort="relevance")
    sql, params = build_query(store, f, match=to_match_expression(query, store.fulltext.dialect))
    return [row_to_dict(r) for r in _run(store, sql, params)]
