"""The history of crawl, refresh and job runs, for ``kb runs``."""

from __future__ import annotations

import json
from datetime import datetime

from kb.store import Store, utc_now


def open_run(store, kind: str, params: str, job: str | None = None) -> int:
    """Start a run row (inside the caller's transaction); a run still marked running whose
    process is gone was stopped before it could finish, so it is marked interrupted first.
    (On PostgreSQL other crawls may be running right now: their runs stay running.)"""
    conn = store.conn
    conn.execute(
        "UPDATE crawl_run SET status = 'interrupted', finished_at = COALESCE(finished_at, ?), "
        "message = COALESCE(message, 'the process stopped before finishing') "
        f"WHERE status = 'running' AND NOT ({store.live_run_condition()})", (utc_now(),))
    run_id = conn.execute(
        "INSERT INTO crawl_run (kind, started_at, status, params, job) "
        "VALUES (?, ?, 'running', ?, ?) RETURNING id", (kind, utc_now(), params, job)).fetchone()[0]
    store.hold_run(run_id)
    return run_id


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    try:
        return (datetime.strptime(end, fmt) - datetime.strptime(start, fmt)).total_seconds()
    except ValueError:
        return None


def list_runs(store: Store, limit: int = 20) -> list[dict]:
    rows = store.conn.execute("SELECT * FROM crawl_run ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    result = []
    for row in rows:
        item = dict(row)
        item["duration_s"] = _seconds_between(item["started_at"], item["finished_at"])
        item["failed_lists"] = json.loads(item["failed_lists"] or "[]")
        result.append(item)
    return result
