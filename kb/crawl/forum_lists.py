"""A forum post's two citation lists, as the crawler reads them.

References: the links in the post's body (one ``post`` request). Papers are named by arXiv id,
DOI or Semantic Scholar paperId, so they are resolved by id, never by a search: those the store
already holds cost nothing, the others one Semantic Scholar batch request for the whole post.
Linked posts are stored as stubs (id, slug, link text) until the crawl expands them.

Citations: the posts whose bodies link to this post (the forum's ``pingbackPosts`` view, one
request, the best ``PINGBACK_LIMIT`` by karma). The forum offers no list of posts that link to a
*paper*, so a paper's citations come from Semantic Scholar alone and never include posts.
"""

from __future__ import annotations

from kb.sources.forum.client import PINGBACK_LIMIT
from kb.sources.forum.links import POST_KEY_PREFIX, body_links, post_key
from kb.sources.forum.parse import parse_post, stub_post
from kb.sources.s2.parse import PAPER_FIELDS, parse_paper
from kb.store.records import EdgePage, EdgeRecord


class ForumLists:
    """Reads posts' reference and citation lists through the forum and S2 clients."""

    def __init__(self, store, client, forum):
        self.store = store
        self.client = client
        self.forum = forum

    async def page(self, paper_id: str, direction: str) -> EdgePage | None:
        """The whole list in one page (None when the forum no longer has the post)."""
        forum_id = paper_id[len(POST_KEY_PREFIX):]
        if self.forum is None:
            return EdgePage()  # the forum is off: nothing to follow from this post
        if direction == "refs":
            return await self._references(paper_id, forum_id)
        return await self._citations(paper_id, forum_id)

    async def details(self, paper_id: str):
        """A post's full record (None when the forum no longer has it)."""
        return parse_post(await self.forum.post(paper_id[len(POST_KEY_PREFIX):]))

    async def _references(self, paper_id: str, forum_id: str) -> EdgePage | None:
        post = await self.forum.post(forum_id)
        if post is None:
            return None
        links = body_links(post.get("htmlBody"), own_id=forum_id)
        record = parse_post(post, reference_count=len(links))
        if record is None:
            return None
        page = EdgePage(papers=[record], next_offset=None)
        known = self._stored_ids([link.key for link in links if link.kind == "paper"])
        wanted = [link.key for link in links if link.kind == "paper" and link.key not in known]
        fetched = dict(zip(wanted, await self.client.get_papers(wanted, PAPER_FIELDS))) if wanted else {}
        for link in links:
            if link.kind == "post":
                target = post_key(link.key)
                page.papers.append(stub_post(link.key, link.slug, link.text))
            elif link.key in known:
                target = known[link.key]
            else:
                paper = parse_paper(fetched.get(link.key), detail_level=2) if fetched.get(link.key) else None
                if paper is None:
                    page.without_id += 1   # a link to a paper Semantic Scholar does not know
                    continue
                page.papers.append(paper)
                target = paper.paper_id
            page.others.append(target)
            page.edges.append(EdgeRecord(paper_id, target))
        self._drop_known_stubs(page)
        return page

    async def _citations(self, paper_id: str, forum_id: str) -> EdgePage:
        posts = await self.forum.pingbacks(forum_id)
        page = EdgePage(next_offset=None, truncated=len(posts) >= PINGBACK_LIMIT)
        for post in posts:
            record = parse_post(post)
            if record is None or record.paper_id == paper_id:
                continue
            page.papers.append(record)
            page.others.append(record.paper_id)
            page.edges.append(EdgeRecord(record.paper_id, paper_id))
        return page

    def _stored_ids(self, keys: list[str]) -> dict[str, str]:
        """Link keys (ARXIV:x, DOI:x, paperId) the store already has a full paper for."""
        out = {}
        conn = self.store.conn
        for key in keys:
            kind, _, value = key.partition(":")
            if kind == "ARXIV":
                row = conn.execute("SELECT paper_id FROM paper WHERE arxiv_id = ? AND detail_level >= 1", (value,)).fetchone()
            elif kind == "DOI":
                row = conn.execute("SELECT paper_id FROM paper WHERE doi = ? COLLATE NOCASE AND detail_level >= 1",
                                   (value,)).fetchone()
            else:
                row = conn.execute("SELECT paper_id FROM paper WHERE paper_id = ? AND detail_level >= 1", (key,)).fetchone()
            if row:
                out[key] = row[0]
        return out

    def _drop_known_stubs(self, page: EdgePage) -> None:
        """A stub must not stand in for a post the store already knows better (its title would
        stay, but the upsert would count it as news)."""
        stubs = [p.paper_id for p in page.papers if p.detail_level == 0]
        if not stubs:
            return
        known = set(self.store.internal_ids(stubs))
        page.papers = [p for p in page.papers if p.detail_level > 0 or p.paper_id not in known]
