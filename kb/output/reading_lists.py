"""Named, saved reading lists with read/unread marks.

A list is a user's own selection, so it is kept in the store (``reading_list``,
``reading_list_item``) rather than recomputed from a filter: it survives re-ranking and
re-tagging, and a paper stays on it until the user removes it. Items keep the order they were
added in; marks are timestamps (``read_at``), so "read" also says when.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, insert
from sqlmodel import select

from kb.errors import NotFoundError, UsageError
from kb.store import utc_now
from kb.store.models import ReadingList, ReadingListItem, ReadingListSummary
from kb.store.typed import execute, fetch

MAX_NAME = 100


def check_name(name: str) -> str:
    """A list name: 1..100 printable characters, surrounding spaces removed."""
    cleaned = (name or "").strip()
    if not cleaned:
        raise UsageError("a reading list needs a name")
    if len(cleaned) > MAX_NAME:
        raise UsageError(f"reading list names are at most {MAX_NAME} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in cleaned):
        raise UsageError("a reading list name cannot contain control characters")
    return cleaned


def _list_row(store, name: str) -> ReadingList:
    found = fetch(store.conn, select(ReadingList).where(ReadingList.name == check_name(name)),
                  ReadingList)
    if not found:
        known = [r[0] for r in store.conn.execute("SELECT name FROM reading_list ORDER BY name")]
        hint = f"; lists: {', '.join(known)}" if known else "; create it with `kb list create`"
        raise NotFoundError(f"no reading list named {name!r}{hint}")
    return found[0]


def create_list(store, name: str, description: str | None = None) -> ReadingListSummary:
    name = check_name(name)
    with store.transaction() as conn:
        if conn.execute("SELECT 1 FROM reading_list WHERE name = ?", (name,)).fetchone():
            raise UsageError(f"a reading list named {name!r} already exists")
        execute(conn, insert(ReadingList).values(name=name, description=description,
                                                  created_at=utc_now()))
    return get_list(store, name)


def delete_list(store, name: str) -> ReadingListSummary:
    info = get_list(store, name)
    with store.transaction() as conn:
        execute(conn, delete(ReadingList).where(ReadingList.id == info.id))
    return info


def _summaries(store, where=None) -> list[ReadingListSummary]:
    item = ReadingListItem
    statement = (
        select(ReadingList.id, ReadingList.name, ReadingList.description, ReadingList.created_at,
               func.count(item.paper).label("papers"), func.count(item.read_at).label("read"))
        .select_from(ReadingList).outerjoin(item, item.list == ReadingList.id)
        .group_by(ReadingList.id).order_by(ReadingList.name))
    if where is not None:
        statement = statement.where(where)
    return fetch(store.conn, statement, ReadingListSummary)


def get_list(store, name: str) -> ReadingListSummary:
    return _summaries(store, ReadingList.id == _list_row(store, name).id)[0]


def all_lists(store) -> list[ReadingListSummary]:
    return _summaries(store)


def add_papers(store, name: str, paper_ids: Iterable[int], *, note: str | None = None) -> dict:
    """Append papers (internal ids) not already on the list; returns counts."""
    wanted = [int(i) for i in dict.fromkeys(paper_ids)]
    with store.transaction() as conn:
        info = _list_row(store, name)
        present = {r[0] for r in conn.execute(
            "SELECT paper FROM reading_list_item WHERE list = ?", (info.id,))}
        new = [p for p in wanted if p not in present]
        start = conn.execute("SELECT COALESCE(MAX(position), 0) FROM reading_list_item "
                             "WHERE list = ?", (info.id,)).fetchone()[0]
        now = utc_now()
        conn.executemany(
            "INSERT INTO reading_list_item (list, paper, position, added_at, note) "
            "VALUES (?, ?, ?, ?, ?)",
            [(info.id, p, start + n, now, note) for n, p in enumerate(new, 1)])
        if note is not None:
            conn.executemany("UPDATE reading_list_item SET note = ? WHERE list = ? AND paper = ?",
                             [(note, info.id, p) for p in wanted if p in present])
    return {"list": info.name, "added": len(new), "already": len(wanted) - len(new)}


def remove_papers(store, name: str, paper_ids: Iterable[int]) -> dict:
    ids = [int(i) for i in dict.fromkeys(paper_ids)]
    with store.transaction() as conn:
        info = _list_row(store, name)
        before = conn.total_changes
        conn.executemany("DELETE FROM reading_list_item WHERE list = ? AND paper = ?",
                         [(info.id, p) for p in ids])
        removed = conn.total_changes - before
    return {"list": info.name, "removed": removed, "not_on_list": len(ids) - removed}


def mark(store, name: str, paper_ids: Sequence[int] | None, *, read: bool) -> dict:
    """Mark papers read (now) or unread; ``paper_ids=None`` marks the whole list.

    Marking a read paper read again keeps its first date."""
    with store.transaction() as conn:
        info = _list_row(store, name)
        if paper_ids is None:
            targets = [r[0] for r in conn.execute(
                "SELECT paper FROM reading_list_item WHERE list = ?", (info.id,))]
        else:
            targets = [int(i) for i in dict.fromkeys(paper_ids)]
            on_list = {r[0] for r in conn.execute(
                "SELECT paper FROM reading_list_item WHERE list = ?", (info.id,))}
            missing = [p for p in targets if p not in on_list]
            if missing:
                titles = [r[0] or r[1] for r in conn.execute(
                    f"SELECT title, paper_id FROM paper WHERE id IN ({','.join('?' * len(missing))})",
                    missing)]
                raise UsageError(f"not on the list {info.name!r}: {'; '.join(titles)}; "
                                 "add it with `kb list add` first")
        before = conn.total_changes
        if read:
            conn.executemany("UPDATE reading_list_item SET read_at = ? "
                             "WHERE list = ? AND paper = ? AND read_at IS NULL",
                             [(utc_now(), info.id, p) for p in targets])
        else:
            conn.executemany("UPDATE reading_list_item SET read_at = NULL "
                             "WHERE list = ? AND paper = ? AND read_at IS NOT NULL",
                             [(info.id, p) for p in targets])
        changed = conn.total_changes - before
    return {"list": info.name, "marked": "read" if read else "unread", "changed": changed,
            "papers": len(targets)}


def list_items(store, name: str, *, unread_only: bool = False,
               read_only: bool = False) -> tuple[list[int], dict[int, sqlite3.Row]]:
    """The list's paper ids in list order, and each item's row (read_at, note, added_at)."""
    info = _list_row(store, name)
    sql = ("SELECT paper, position, added_at, read_at, note FROM reading_list_item "
           "WHERE list = ?")
    if unread_only:
        sql += " AND read_at IS NULL"
    if read_only:
        sql += " AND read_at IS NOT NULL"
    rows = store.conn.execute(sql + " ORDER BY position, paper", (info.id,)).fetchall()
    return [r["paper"] for r in rows], {r["paper"]: r for r in rows}


def show_list(store, name: str, *, unread_only: bool = False, read_only: bool = False) -> dict:
    """The list and its items as plain data (for ``kb list show`` and ``--json``)."""
    from kb.output.export import collect_entries

    info = get_list(store, name).model_dump()
    ids, items = list_items(store, name, unread_only=unread_only, read_only=read_only)
    entries = collect_entries(store, ids, list_items=items)
    info["items"] = [{
        "position": n, "paper_id": e.paper_id, "title": e.title, "year": e.year,
        "authors": e.authors, "themes": e.themes, "read": e.read_at is not None,
        "read_at": e.read_at, "added_at": items[e.id]["added_at"], "note": e.note,
        "links": e.links(),
    } for n, e in enumerate(entries, 1)]
    return info


def export_list(store, name: str, fmt: str, *, sort: str = "list",
                unread_only: bool = False) -> tuple[str, int]:
    """Render a list in any export format. ``sort`` is ``list`` (the order added) or
    ``rank``."""
    from kb.knowledge.query import PaperFilter, filter_ids
    from kb.output.export import collect_entries, render

    info = get_list(store, name)
    ids, items = list_items(store, name, unread_only=unread_only)
    if sort == "rank":
        ids = filter_ids(store, PaperFilter(ids=ids, sort="rank"))
    elif sort != "list":
        raise UsageError(f"unknown list order {sort!r}; choose list or rank")
    entries = collect_entries(store, ids, list_items=items)
    title = info.name
    return render(entries, fmt, title=title, checklist=True), len(entries)
