"""The history of crawl, refresh and job runs, for ``kb runs``."""

from __future__ import annotations

from sqlmodel import select

from kb.store import Store, utc_now
from kb.store.models import CrawlRun
from kb.store.typed import fetch


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


def list_runs(store: Store, limit: int = 20) -> list[CrawlRun]:
    """The latest runs, newest first."""
    return fetch(store.conn, select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit), CrawlRun)
