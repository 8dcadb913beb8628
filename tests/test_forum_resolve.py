"""Post mentions resolve to forum posts: the seed documents' 11 posts, and a held-out document
that was never tuned on (titles, near-titles, nicknames, author references, a forum URL, and a
paper title that a post must not steal). Prints both figures."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from kb.grounding import seeds
from kb.grounding.aliases import AliasTable
from kb.grounding.mentions import Mention
from kb.grounding.posts import choose, PostMatch, post_similarity
from kb.settings import Settings
from kb.sources.forum.client import ForumClient
from kb.sources.s2.client import S2Client
from kb.standin.forum.corpus import make_id
from kb.store import Store
from kb.store.records import PostRecord

ROOT = Path(__file__).resolve().parents[1]
TRUTH = json.loads((ROOT / "tests" / "data" / "forum" / "seed_posts.json").read_text())
DIRS = {"seed": ROOT / "data" / "seeds", "heldout": ROOT / "tests" / "data" / "forum"}


def add(store, s2, forum, paths):
    settings = Settings(api_url=s2.url, forum_api_url=forum.url, requests_per_second=1000,
                        forum_requests_per_second=1000, max_attempts=2)

    async def go():
        async with S2Client(settings) as client, ForumClient(settings) as forum_client:
            aliases = AliasTable.load(user=Path("/nonexistent/aliases.toml"))
            report = await seeds.add_documents(store, client, paths, aliases, forum=forum_client)
            return report, forum_client.requests_sent
    return asyncio.run(go())


def score(store, part: str) -> tuple[int, int, list]:
    """(works whose every mention resolved right, works, misses)."""
    wrong_works, works, misses = set(), set(), []
    for item in TRUTH[part]:
        work = item.get("post") or item.get("title") or item.get("paper")
        works.add(work)
        rows = store.conn.execute(
            "SELECT m.surface, m.status, m.resolved_by, m.note, p.paper_id, p.title, p.arxiv_id FROM mention m "
            "JOIN document d ON d.id = m.document LEFT JOIN paper p ON p.id = m.paper "
            "WHERE d.path LIKE ? AND (m.surface = ? OR instr(m.surface, ?) OR instr(?, m.surface))",
            ("%" + item["file"], item["surface"], item["surface"], item["surface"])).fetchall()
        want = ("FORUM:" + item["post"] if item.get("post") else
                "FORUM:" + make_id("extra", item["title"]) if item.get("title") else None)
        ok = bool(rows) and all(r["status"] == "resolved" and (
            r["paper_id"] == want if want else r["arxiv_id"] == item["paper"].split(":", 1)[1]) for r in rows)
        if not ok:
            wrong_works.add(work)
            misses.append((item["surface"], [(r["status"], r["title"], r["note"]) for r in rows]))
    return len(works - wrong_works), len(works), misses


def wrong_posts(store) -> list:
    """Mentions resolved to a post that the truth does not name there (precision)."""
    expected = {(i["file"], "FORUM:" + (i.get("post") or make_id("extra", i.get("title") or ""))) for part in ("seed", "heldout")
                for i in TRUTH[part]}
    rows = store.conn.execute(
        "SELECT d.path, m.surface, p.paper_id FROM mention m JOIN document d ON d.id = m.document "
        "JOIN paper p ON p.id = m.paper WHERE p.kind = 'post'").fetchall()
    return [(Path(r[0]).name, r[1], r[2]) for r in rows if (Path(r[0]).name, r[2]) not in expected]


def test_the_seed_documents_posts_resolve_and_a_held_out_document_is_scored(tmp_path, standin, make_forum, capsys):
    forum = make_forum()
    with Store(tmp_path / "kb.sqlite") as store:
        report, forum_requests = add(store, standin, forum, sorted(DIRS["seed"].glob("*.txt")))
        right, total, misses = score(store, "seed")
        held_report, _ = add(store, standin, forum, [DIRS["heldout"] / "heldout_posts.txt"])
        held_right, held_total, held_misses = score(store, "heldout")
        posts = store.conn.execute("SELECT count(*) FROM paper WHERE kind = 'post'").fetchone()[0]
        wrong = wrong_posts(store)
    with capsys.disabled():
        print(f"\nforum posts resolved: seed documents {right}/{total} ({forum_requests} forum requests, "
              f"{report.requests} in all); held-out document {held_right}/{held_total}; "
              f"mentions resolved to a wrong post: {len(wrong)}")
        for miss in held_misses:
            print("  held-out miss:", miss)
    assert (right, total) == (11, 11), misses
    assert posts >= 11 and not wrong, wrong
    assert held_right >= 6, held_misses  # 5 of 8 at the first run, 6 with session 10's nickname table; never tuned on


def test_a_mention_that_fits_a_paper_and_a_post_picks_the_closer_title_with_a_reason():
    m = Mention(None, "Deceptive Alignment", 0, 19, "title", "", score=0.7)
    post = PostMatch(PostRecord(paper_id="FORUM:x", title="Deceptive Alignment", forum_id="x"), 1.0, "forum-search")
    wins, why = choose(m, "Deceptive alignment in language model agents", post)
    assert wins and "matches better (1.00)" in why
    wins, why = choose(m, "Deceptive Alignment", post)
    assert not wins and "paper matches at least as well" in why
    assert post_similarity("The Translucent Thoughts Hypothesis",
                           "The Translucent Thoughts Hypotheses and Their Implications") == pytest.approx(0.95)


def test_resolution_without_a_forum_keeps_posts_unresolved(tmp_path, standin):
    async def go():
        async with S2Client(Settings(api_url=standin.url, requests_per_second=1000, max_attempts=2)) as client:
            aliases = AliasTable.load(user=Path("/nonexistent/aliases.toml"))
            return await seeds.add_documents(store, client, [DIRS["seed"] / "003_500e1ad4d969550b.txt"], aliases)

    with Store(tmp_path / "kb.sqlite") as store:
        asyncio.run(go())
        assert store.conn.execute("SELECT count(*) FROM paper WHERE kind = 'post'").fetchone()[0] == 0


def test_a_forum_that_does_not_answer_is_one_warning_and_is_asked_again_next_time(tmp_path, standin, make_forum):
    """The forum host down: the document's paper mentions still resolve, kb gives up on the
    forum quickly (the shared request loop's offline give-up), says so once, and does not
    cache the posts as looked up, so the same document added with the forum up finds them."""
    doc = DIRS["seed"] / "003_500e1ad4d969550b.txt"
    down = Settings(api_url=standin.url, forum_api_url="http://127.0.0.1:9", requests_per_second=1000,
                    forum_requests_per_second=1000, max_attempts=8, backoff_base=0.01)

    async def go(settings, forum_url=None):
        settings = Settings(**{**settings.__dict__, **({"forum_api_url": forum_url} if forum_url else {})})
        async with S2Client(settings) as client, ForumClient(settings) as forum_client:
            forum_client.unreachable_after = 0.05
            aliases = AliasTable.load(user=Path("/nonexistent/aliases.toml"))
            return await seeds.add_documents(store, client, [doc], aliases, forum=forum_client)

    with Store(tmp_path / "kb.sqlite") as store:
        report = asyncio.run(go(down))
        assert len(report.warnings) == 1 and "KB_FORUM_API_URL" in report.warnings[0]
        looked_up = int(re.search(r"(\d+) mention\(s\) were not looked up", report.warnings[0]).group(1))
        assert looked_up >= 5 and report.forum_requests <= 4 * looked_up  # gave up on the host, not 8 tries each
        assert store.conn.execute("SELECT count(*) FROM paper WHERE kind = 'post'").fetchone()[0] == 0
        again = asyncio.run(go(down, make_forum().url))
        assert again.warnings == []
        assert store.conn.execute("SELECT count(*) FROM paper WHERE kind = 'post'").fetchone()[0] > 0
