"""Many rows in one statement on PostgreSQL: COPY them into a temporary table, then run kb's
statement once over that table.

``executemany`` of one statement per row is cheap on SQLite (a function call per row) and dear
on PostgreSQL (a message, a parse and a plan per row, even pipelined): storing a crawl's pages
ran at a fifth of SQLite's speed and citation edges at a fiftieth. So the PostgreSQL connection
turns a page of rows for one of kb's statements into

    COPY kb_batch_<statement> FROM STDIN                  -- the page's parameter rows
    INSERT INTO t (cols) SELECT <the VALUES expressions> FROM kb_batch_<statement> ... ON CONFLICT ...
    UPDATE t SET ... FROM kb_batch_<statement> WHERE ...
    DELETE FROM t USING kb_batch_<statement> WHERE ...

where every ``?`` of the statement becomes a column of the batch table, typed as PostgreSQL
itself infers that parameter's type (a described prepared statement). The statements stay
written once, in :mod:`kb.store.base` and elsewhere, for both backends.

One set-based statement may not touch the same row twice where a row-at-a-time loop would (an
upsert of the same key twice, ``links = links + 1`` for a paper met twice on one page): rows
that share a key (the conflict target's parameters for an upsert, the WHERE clause's for an
update) go in successive rounds, so the result equals the row-at-a-time loop's, and so does the
count of changed rows. Keys are compared as parameter values: a conflict target computed from
parameters by a function that maps two values to one key (``lower(?)``; kb has none) would make
PostgreSQL refuse the page ("cannot affect row a second time"). Statements this module does
not recognise (no ``VALUES``, named parameters, ``RETURNING``, ``UPDATE ... FROM``) run row by
row as before.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

MIN_ROWS = 16  # fewer rows than this: executemany's few messages cost less than the COPY's
_ALIAS = "kb_batch"
_PARAM = re.compile(r"%%|%s")
_LITERAL = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")


@dataclass(frozen=True)
class BatchPlan:
    """How one statement runs over a batch table."""

    table: str            # the temporary table's name
    params: int           # how many parameters a row has (the table's columns p1..pN)
    statement: str        # the set-based statement, reading the table as ``kb_batch``
    described: str        # the statement with $1..$N, for PostgreSQL to infer parameter types
    key: tuple[int, ...]  # parameter positions that make two rows touch the same target row


def _blank_literals(sql: str) -> str:
    """The statement with string literals blanked (same length), for scanning its structure."""
    return _LITERAL.sub(lambda m: " " * len(m.group(0)), sql)


def _closing_paren(text: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
    raise ValueError("unbalanced parentheses")


def _split_top_level(text: str, blank: str) -> list[str]:
    """``a, f(b, c), d`` -> its top-level items (``blank`` is ``text`` with literals blanked)."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(blank):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [item.strip() for item in items]


def _number_params(sql: str, start: int = 0) -> tuple[str, str, list[int]]:
    """Replace each ``%s`` with a batch column; returns (batch version, $n version, the
    1-based positions met, in order). ``start`` counts the parameters before ``sql``."""
    positions: list[int] = []

    def swap(template):
        def one(match):
            if match.group(0) == "%%":
                return "%"
            positions.append(start + len(positions) + 1)
            return template.format(n=positions[-1])
        return one

    batch = _PARAM.sub(swap(f"{_ALIAS}.p{{n}}"), sql)
    positions.clear()
    described = _PARAM.sub(swap("${n}"), sql)
    return batch, described, positions


_INSERT = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)\s*\(([^)]*)\)\s*VALUES\s*\(", re.I | re.S)
_CONFLICT = re.compile(r"^\s*ON\s+CONFLICT\s*(\(([^)]*)\))?\s*DO\s+(UPDATE|NOTHING)\b", re.I | re.S)
_UPDATE = re.compile(r"^\s*UPDATE\s+(\w+)\s+SET\s+", re.I | re.S)
_DELETE = re.compile(r"^\s*DELETE\s+FROM\s+(\w+)\s+WHERE\s+", re.I | re.S)


@lru_cache(maxsize=256)
def plan(sql: str) -> BatchPlan | None:
    """The batch form of one statement in PostgreSQL's spelling, or None to run it row by row."""
    if "%(" in sql or _PARAM.search(sql.replace("%%", "")) is None:
        return None
    blank = _blank_literals(sql)
    if ";" in blank.rstrip().rstrip(";") or re.search(r"\bRETURNING\b", blank, re.I):
        return None
    table = f"kb_batch_{hashlib.blake2b(sql.encode(), digest_size=6).hexdigest()}"
    try:
        built = _plan_insert(sql, blank) or _plan_update(sql, blank) or _plan_delete(sql, blank)
    except ValueError:
        return None
    if built is None:
        return None
    statement, described, params, key = built
    return BatchPlan(table, params, statement, described, key)


def _plan_insert(sql: str, blank: str):
    head = _INSERT.match(blank)
    if not head:
        return None
    close = _closing_paren(blank, head.end() - 1)
    # Identifiers come from the statement itself: blanking literals blanks "quoted" names too.
    column_list = sql[head.start(2):head.end(2)]
    columns = [c.strip().strip('"') for c in column_list.split(",")]
    values, values_blank = sql[head.end():close], blank[head.end():close]
    rest = sql[close + 1:]
    if "%s" in rest.replace("%%", ""):
        return None
    exprs = _split_top_level(values, values_blank)
    if len(exprs) != len(columns):
        return None
    selected, described_exprs, used = [], [], []
    for expr in exprs:
        batch, described, positions = _number_params(expr, sum(len(u) for u in used))
        selected.append(batch)
        described_exprs.append(described)
        used.append(positions)
    key: tuple[int, ...] = ()
    conflict = _CONFLICT.match(_blank_literals(rest))
    if rest.strip():
        if not conflict:
            return None
        if conflict.group(3).upper() == "UPDATE":
            if not conflict.group(2):
                return None
            targets = [c.strip().strip('"') for c in rest[conflict.start(2):conflict.end(2)].split(",")]
            if any(t not in columns for t in targets):
                return None
            key = tuple(p for t in targets for p in used[columns.index(t)])
    params = sum(len(u) for u in used)
    rest = rest.replace("%%", "%")
    statement = (f"INSERT INTO {head.group(1)} ({column_list}) SELECT {', '.join(selected)} "
                 f"FROM {{table}} AS {_ALIAS} ORDER BY {_ALIAS}.kb_row {rest}")
    described = sql[:head.end()] + ", ".join(described_exprs) + ")" + rest
    return statement, described, params, key


def _plan_update(sql: str, blank: str):
    head = _UPDATE.match(blank)
    if not head:
        return None
    where = re.search(r"\bWHERE\b", blank[head.end():], re.I)
    if not where or re.search(r"\bFROM\b", blank[head.end():], re.I):
        return None
    split = head.end() + where.start()
    set_batch, set_described, set_positions = _number_params(sql[head.end():split])
    cond_batch, cond_described, cond_positions = _number_params(sql[split + len("WHERE"):],
                                                                len(set_positions))
    statement = (f"UPDATE {head.group(1)} SET {set_batch} FROM {{table}} AS {_ALIAS} "
                 f"WHERE {cond_batch}")
    described = sql[:head.end()] + set_described + "WHERE" + cond_described
    return statement, described, len(set_positions) + len(cond_positions), tuple(cond_positions)


def _plan_delete(sql: str, blank: str):
    head = _DELETE.match(blank)
    if not head:
        return None
    cond_batch, cond_described, positions = _number_params(sql[head.end():])
    statement = f"DELETE FROM {head.group(1)} USING {{table}} AS {_ALIAS} WHERE {cond_batch}"
    return statement, sql[:head.end()] + cond_described, len(positions), ()


def rounds(rows: list[tuple], key: tuple[int, ...]) -> list[list[tuple]]:
    """Rows split so that no two rows of one round share a key, each key's rows in order."""
    if not key:
        return [rows]
    out: list[list[tuple]] = []
    seen: dict[tuple, int] = {}
    for row in rows:
        k = tuple(row[p - 1] for p in key)
        n = seen.get(k, -1) + 1
        seen[k] = n
        if n == len(out):
            out.append([])
        out[n].append(row)
    return out


def _column_type(name: str) -> str:
    return "text" if name in ("unknown", "-") else name


def run(raw, batch: BatchPlan, rows: list[tuple], types: dict[str, list[str] | None]) -> int | None:
    """Run ``batch`` over ``rows`` on the psycopg connection ``raw`` inside its open
    transaction; returns the rows changed, or None when PostgreSQL cannot type the statement's
    parameters (run it row by row). ``types`` caches each statement's column types."""
    if batch.table not in types:
        types[batch.table] = _describe(raw, batch)
    column_types = types[batch.table]
    if column_types is None:
        return None
    exists = raw.execute("SELECT to_regclass(%s)", (f"pg_temp.{batch.table}",)).fetchone()[0]
    if exists is None:
        columns = ", ".join(f"p{i + 1} {t}" for i, t in enumerate(column_types))
        raw.execute(f"CREATE TEMPORARY TABLE {batch.table} (kb_row bigint, {columns})")
    statement = batch.statement.replace("{table}", batch.table)
    changed = 0
    # The batch table has no statistics, so the planner's guess can pass JIT's threshold:
    # compiling then costs more than the statement saves.
    raw.execute("SET LOCAL jit = off")
    with raw.cursor() as cursor:
        for part in rounds(rows, batch.key):
            cursor.execute(f"TRUNCATE {batch.table}")
            with cursor.copy(f"COPY {batch.table} FROM STDIN") as copy:
                for i, row in enumerate(part):
                    copy.write_row((i, *(int(v) if isinstance(v, bool) else v for v in row)))
            cursor.execute(statement)
            changed += max(cursor.rowcount, 0)
    return changed


_TEXT_OID = 25
_UNTYPED = re.compile(r"parameter \$(\d+)")


def _describe(raw, batch: BatchPlan) -> list[str] | None:
    """The statement's parameter types, as PostgreSQL infers them from where each is used
    (text for one it cannot infer, such as ``? IS NULL``); None when it cannot prepare it.
    Runs in a savepoint: a failed PREPARE must not abort the caller's transaction."""
    from psycopg import pq

    param_types = [0] * batch.params
    raw.execute("SAVEPOINT kb_describe")
    for _ in range(batch.params + 1):
        result = raw.pgconn.prepare(b"", batch.described.encode(), param_types)
        if result.status == pq.ExecStatus.COMMAND_OK:
            break
        untyped = _UNTYPED.search((result.error_message or b"").decode())
        raw.execute("ROLLBACK TO SAVEPOINT kb_describe")
        if not untyped or param_types[int(untyped.group(1)) - 1]:
            raw.execute("RELEASE SAVEPOINT kb_describe")
            return None
        param_types[int(untyped.group(1)) - 1] = _TEXT_OID
    else:
        raw.execute("RELEASE SAVEPOINT kb_describe")
        return None
    described = raw.pgconn.describe_prepared(b"")
    raw.execute("RELEASE SAVEPOINT kb_describe")
    oids = [described.param_type(i) for i in range(described.nparams)]
    names = [raw.execute("SELECT format_type(%s, NULL)", (oid,)).fetchone()[0] for oid in oids]
    return [_column_type(n) for n in names]
