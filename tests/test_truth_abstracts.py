"""The grounding evaluation's truth works carry recorded abstracts (``tests/data/grounding_eval/
abstracts.jsonl``), each with its source, and the online stand-in serves them as the real API
serves a paper's abstract (session 13)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import grounding_eval as ge  # noqa: E402

SOURCES = {"standin-works", "s2-recorded", "forum-recorded", "summary", "search"}


def rows() -> list[dict]:
    return [json.loads(line) for line in ge.ABSTRACTS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_abstract_row_says_where_it_was_read():
    got = rows()
    assert len(got) > 400
    for r in got:
        assert r["title"] and r["abstract"].strip(), r
        assert r["source"] in SOURCES, r
        # a page (search, forum, summaries read from one) or a recorded file
        assert r.get("url") or r.get("file"), r
        if r["source"] == "search":
            assert r["url"].startswith("http"), r
    keys = [(r.get("arxiv") or "", r["title"]) for r in got]
    assert len(keys) == len(set(keys))


def test_summaries_are_marked_as_summaries():
    """A theme label's abstract is a summary of the real one: its row says so and names the
    theme file (and the page read, where the theme row kept it), never passed off as the words."""
    summaries = [r for r in rows() if r["source"] == "summary"]
    assert summaries
    for r in summaries:
        assert "theme_" in r["file"], r
        assert not r.get("url") or r["url"].startswith("http"), r


def _served_abstract(standin, work: dict) -> str | None:
    ref = f"ARXIV:{work['arxiv']}" if work.get("arxiv") else None
    if ref is None:
        hit = httpx.get(standin.url + "/graph/v1/paper/search/match", params={"query": work["title"]}, timeout=30)
        ref = hit.json()["data"][0]["paperId"]
    got = httpx.get(f"{standin.url}/graph/v1/paper/{ref}", params={"fields": "title,abstract"}, timeout=30)
    assert got.status_code == 200, got.text
    return got.json()["abstract"]


def test_the_stand_in_serves_a_truth_works_recorded_abstract():
    """A searched abstract (no earlier source had the work), a stand-in work that had none (given
    the truth's, as its authors are) and a forum post's first text, all served by /paper/{id}."""
    by_source: dict[str, dict] = {}
    for r in rows():
        by_source.setdefault(r["source"], r)
    truth = ge.truth_works()
    wanted = [by_source[s] for s in ("search", "forum-recorded", "summary") if s in by_source]
    assert wanted
    picked = []
    for r in wanted:
        work = next(w for w in truth if w["title"] == r["title"])
        assert work["abstract"] == r["abstract"]
        picked.append(work)
    with ge.realistic_standin(50, picked, namesakes=False) as standin:
        for work in picked:
            assert _served_abstract(standin, work) == work["abstract"]
