"""The history of crawl, refresh and job runs, for ``kb runs``."""

from __future__ import annotations

import json
from datetime import datetime

from kb.store import Store


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
