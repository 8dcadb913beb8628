"""kb's SQL, written once, spoken by PostgreSQL.

kb's statements are written in the SQL the two backends share, in SQLite's spelling where they
differ. Rather than keep a second copy of every statement (which would drift), the PostgreSQL
backend rewrites the few SQLite spellings it meets, once per distinct statement:

=============================================  ==================================================
SQLite                                         PostgreSQL
=============================================  ==================================================
``?`` / ``:name`` parameters                   ``%s`` / ``%(name)s``
``INSERT OR IGNORE INTO t ...``                ``INSERT INTO t ... ON CONFLICT DO NOTHING``
``INSERT OR REPLACE INTO t (cols) ...``        ``... ON CONFLICT (primary key) DO UPDATE SET``
``a IS NOT b`` / ``a IS b`` (b not NULL)       ``IS DISTINCT FROM`` / ``IS NOT DISTINCT FROM``
``MAX(a, b)`` / ``MIN(a, b)`` (two values)     ``GREATEST`` / ``LEAST``
``LIKE`` (ASCII case-insensitive)              ``ILIKE``
``x DESC`` (NULLs last)                        ``x DESC NULLS LAST``
``group_concat(x)``                            ``string_agg((x)::text, ',')``
``json_each(?)`` of ids, ``json_extract``      ``json_array_elements``, ``->>``
``json_array(x)``                              ``json_build_array(x)``
``PRAGMA table_info(t)``                       a query of ``information_schema.columns``
``BEGIN IMMEDIATE``                            ``BEGIN``
``CROSS JOIN t ON ...`` (SQLite's join order)  ``JOIN t ON ...``
=============================================  ==================================================

``COLLATE NOCASE`` needs no rewrite: the PostgreSQL schema defines a case-insensitive ICU
collation of that name, and a ``sqlite_master`` view of its tables and indexes. Full-text search
is not rewritten; it is the backend's own (:mod:`kb.store.fulltext`).
"""

from __future__ import annotations

import re
from functools import lru_cache

_SEGMENTS = re.compile(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")")

_RULES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\bBEGIN\s+IMMEDIATE\b", re.I), "BEGIN"),
    (re.compile(r"\bCROSS\s+JOIN\s+(\w+(?:\s+(?!ON\b)\w+)?)\s+ON\b", re.I), r"JOIN \1 ON"),
    (re.compile(r"\bIS\s+NOT\s+(?!NULL\b|DISTINCT\b|TRUE\b|FALSE\b)", re.I), "IS DISTINCT FROM "),
    (re.compile(r"\bIS\s+(?!NOT\b|NULL\b|DISTINCT\b|TRUE\b|FALSE\b)", re.I), "IS NOT DISTINCT FROM "),
    (re.compile(r"\bNOT\s+LIKE\b", re.I), "NOT ILIKE"),
    (re.compile(r"(?<!NOT )\bLIKE\b", re.I), "ILIKE"),
    (re.compile(r"\bDESC\b(?!\s+NULLS)", re.I), "DESC NULLS LAST"),
    (re.compile(r"\bgroup_concat\(([^()]+)\)", re.I), r"string_agg((\1)::text, ',')"),
    (re.compile(r"\bSELECT\s+value\s+FROM\s+json_each\(\?\)", re.I),
     "SELECT value::text::bigint FROM json_array_elements(?::json)"),
    (re.compile(r"\bjson_extract\(\s*value\s*,\s*\$\[(\d+)\]\s*\)", re.I), r"(value->>\1)::bigint"),
    (re.compile(r"\bjson_each\(\?\)", re.I), "json_array_elements(?::json)"),
    (re.compile(r"\bjson_array\(", re.I), "json_build_array("),
    (re.compile(r"\bifnull\(", re.I), "coalesce("),
    (re.compile(r"\bAS\s+REAL\b", re.I), "AS double precision"),
]

_MAX_MIN = re.compile(r"\b(MAX|MIN)\(", re.I)


def _scalar_max_min(segment: str) -> str:
    """``max(a, b, ...)`` with several arguments is SQLite's scalar max: GREATEST (LEAST)."""
    out, pos = [], 0
    for match in _MAX_MIN.finditer(segment):
        if match.start() < pos:
            continue
        depth, commas, i = 1, 0, match.end()
        while i < len(segment) and depth:
            depth += {"(": 1, ")": -1}.get(segment[i], 0)
            commas += segment[i] == "," and depth == 1
            i += 1
        if commas:
            name = "GREATEST" if match.group(1).upper() == "MAX" else "LEAST"
            out.append(segment[pos:match.start()] + name + "(")
            pos = match.end()
    return "".join(out) + segment[pos:]


_PRAGMA_TABLE_INFO = re.compile(r"^\s*PRAGMA\s+table_info\(\s*\"?(\w+)\"?\s*\)\s*;?\s*$", re.I)
_INSERT_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.I)
_INSERT_OR_REPLACE = re.compile(r"\bINSERT\s+OR\s+REPLACE\s+INTO\s+(\w+)\s*\(([^)]*)\)", re.I)
PRIMARY_KEY_OF = "{primary key of %s}"  # filled in by the connection, which can ask the catalogue
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=1024)
def to_postgres(sql: str) -> str:
    """The PostgreSQL spelling of one kb statement (parameters in psycopg's ``%s`` style)."""
    pragma = _PRAGMA_TABLE_INFO.match(sql)
    if pragma:
        table = pragma.group(1)
        return ("SELECT c.ordinal_position - 1 AS cid, c.column_name::text AS name, "
                "CASE WHEN c.data_type IN ('bigint', 'integer', 'smallint') THEN 'INTEGER' "
                "WHEN c.data_type IN ('double precision', 'real') THEN 'REAL' "
                "ELSE upper(c.data_type) END AS type, (c.is_nullable = 'NO')::int AS notnull, "
                "c.column_default::text AS dflt_value, COALESCE((SELECT array_position(i.indkey::int2[], "
                "a.attnum) + 1 - array_lower(i.indkey::int2[], 1) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                f"WHERE i.indrelid = to_regclass('{table}') AND i.indisprimary "
                "AND a.attname = c.column_name), 0) AS pk "
                "FROM information_schema.columns c WHERE c.table_schema = current_schema() "
                f"AND c.table_name = '{table}' ORDER BY c.ordinal_position")
    ignore = bool(_INSERT_OR_IGNORE.search(sql))
    replace = _INSERT_OR_REPLACE.search(sql)
    if replace:
        sql = _INSERT_OR_REPLACE.sub(r"INSERT INTO \1 (\2)", sql, count=1)
    # json_extract's path is a string literal: rewrite it before literals are set aside.
    sql = re.sub(r"json_extract\(\s*value\s*,\s*'\$\[(\d+)\]'\s*\)", r"json_extract(value, $[\1])",
                 sql, flags=re.I)
    parts = []
    for i, segment in enumerate(_SEGMENTS.split(sql)):
        if i % 2 == 1:  # a string literal or quoted identifier: only psycopg's % needs escaping
            parts.append(segment.replace("%", "%%"))
            continue
        segment = segment.replace("%", "%%")
        if ignore:
            segment = _INSERT_OR_IGNORE.sub("INSERT INTO", segment)
        for pattern, replacement in _RULES:
            segment = pattern.sub(replacement, segment)
        segment = _scalar_max_min(segment)
        segment = _NAMED.sub(r"%(\1)s", segment)
        parts.append(segment.replace("?", "%s"))
    out = "".join(parts)
    if ignore and not re.search(r"\bON\s+CONFLICT\b", out, re.I):
        out = out.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
    if replace:
        table, columns = replace.group(1), [c.strip() for c in replace.group(2).split(",")]
        sets = ", ".join(f"{c} = excluded.{c}" for c in columns)
        out = (out.rstrip().rstrip(";") + f" ON CONFLICT ({PRIMARY_KEY_OF % table}) "
               f"DO UPDATE SET {sets}")
    return out
