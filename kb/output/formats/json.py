"""JSON: every field kb has about each paper, for scripts."""

from __future__ import annotations

import json

from kb.output.entries import ExportEntry


def render(entries: list[ExportEntry], *, title: str | None = None, checklist: bool = False) -> str:
    records = []
    for e in entries:
        record = e.to_dict()
        record.pop("theme_names", None)
        record["theme_names"] = [e.theme_names.get(t, t) for t in e.themes]
        records.append(record)
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
