"""The forum stand-in's posts: the 4,274 real Alignment Forum posts, plus generated bodies and tags.

Ids, slugs, titles, authors, dates, karma, vote and comment counts, word counts and summaries
are the real ones (``alignment-forum-posts.csv.gz``, as listed through the real API); the
seed documents' posts the list lacks come from ``extra_posts.jsonl`` (made up, marked so).
What the list does not carry is generated, deterministically from the post id: the
``htmlBody`` (a few paragraphs whose links point at papers of the Semantic Scholar stand-in, by
arXiv, DOI and semanticscholar.org URLs, and at other posts, by lesswrong.com and
alignmentforum.org URLs), the tags (from title and summary words), the user ids.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
POSTS_FILE = HERE / "alignment-forum-posts.csv.gz"
EXTRA_FILE = HERE / "extra_posts.jsonl"
ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"

#: Forum tags the stand-in gives posts, with the words that earn each (built, not recorded:
#: the real tag names, assigned by words because the recorded list carries no tags).
TAG_RULES: dict[str, tuple[str, ...]] = {
    "Interpretability (ML & AI)": ("interpretab", "circuit", "probing", "probe", "feature", "neuron"),
    "Sparse Autoencoders (SAEs)": ("sparse autoencoder", "sae", "dictionary learning", "superposition"),
    "Deceptive Alignment": ("deceptive", "deception", "scheming", "sleeper"),
    "Inner Alignment": ("inner alignment", "mesa", "goal misgeneral"),
    "RLHF": ("rlhf", "human feedback", "preference"),
    "Reward Functions": ("reward",),
    "Simulator Theory": ("simulator",),
    "Factored Cognition": ("factored cognition", "decomposition"),
    "AI Control": ("ai control", "control protocol", "untrusted", "monitor"),
    "Debate (AI safety technique)": ("debate",),
    "Eliciting Latent Knowledge": ("eliciting latent", "elk"),
    "Language Models (LLMs)": ("language model", "llm", "gpt", "transformer", "chatbot"),
    "Scaling Laws": ("scaling law", "compute-optimal", "scaling"),
    "Agent Foundations": ("agent foundations", "embedded agen", "decision theory", "logical induction",
                          "corrigib", "utility"),
    "Natural Abstraction": ("abstraction",),
    "Singular Learning Theory": ("singular learning", "slt", "learning coefficient"),
    "Chain-of-Thought Alignment": ("chain-of-thought", "chain of thought", "cot", "reasoning"),
    "AI Evaluations": ("eval", "benchmark", "capabilit"),
    "Threat Models": ("risk", "threat", "doom", "lethal"),
    "AI Governance": ("governance", "policy", "regulation"),
}


def make_id(*parts: object) -> str:
    """A 17-character id in the forum's alphabet, stable for the same parts."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    n = int.from_bytes(digest, "big")
    out = []
    for _ in range(17):
        n, r = divmod(n, len(ID_ALPHABET))
        out.append(ID_ALPHABET[r])
    return "".join(out)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "untitled"


@dataclass
class ForumPost:
    _id: str
    slug: str
    title: str
    summary: str
    page_url: str
    author: str
    author_slug: str
    karma: int
    vote_count: int
    comment_count: int
    posted_at: str
    word_count: int
    af: bool
    recorded: bool = True
    _tags: list[str] | None = None
    # Curated links (extra posts): arXiv ids and post titles this post's body links to.
    links_arxiv: list[str] = field(default_factory=list)
    links_posts: list[str] = field(default_factory=list)

    @property
    def tags(self) -> list[str]:
        """Generated on first use (the word rules are slow over thousands of summaries)."""
        if self._tags is None:
            self._tags = tags_for(self)
        return self._tags

    @property
    def user_id(self) -> str:
        return make_id("user", self.author_slug)


def _int(value: str | None) -> int:
    try:
        return int(float(value or 0))
    except ValueError:
        return 0


def load_posts(path: Path = POSTS_FILE) -> list[ForumPost]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    posts = []
    for r in rows:
        title = " ".join((r.get("title") or "").split())
        if not r.get("_id") or not title:
            continue
        posts.append(ForumPost(
            _id=r["_id"], slug=r.get("slug") or slugify(title), title=title,
            summary=(r.get("summary") or "").strip(), page_url=r.get("pageUrl") or "",
            author=r.get("author") or "", author_slug=r.get("authorSlug") or "",
            karma=_int(r.get("karma")), vote_count=_int(r.get("voteCount")),
            comment_count=_int(r.get("commentsCount")), posted_at=r.get("postedAt") or "",
            word_count=_int(r.get("wordCount")), af=(r.get("af") or "").lower() == "true"))
    return posts


def load_extra_posts(path: Path = EXTRA_FILE) -> tuple[list[ForumPost], dict[str, dict]]:
    """Posts the recorded list lacks, and curated links for recorded posts (``links_for``)."""
    posts, links = [], {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        if "links_for" in d:
            links[d["links_for"]] = d
            continue
        pid = d.get("_id") or make_id("extra", d["title"])
        slug = d.get("slug") or slugify(d["title"])
        site = "www.alignmentforum.org" if d.get("af") else "www.lesswrong.com"
        posts.append(ForumPost(
            _id=pid, slug=slug, title=d["title"], summary=d.get("summary", ""),
            page_url=f"https://{site}/posts/{pid}/{slug}", author=d["author"],
            author_slug=d.get("authorSlug") or slugify(d["author"]), karma=int(d.get("karma", 0)),
            vote_count=int(d.get("voteCount", 0)), comment_count=int(d.get("commentsCount", 0)),
            posted_at=d["postedAt"], word_count=int(d.get("wordCount", 800)), af=bool(d.get("af")),
            recorded=False, links_arxiv=list(d.get("links_arxiv", [])),
            links_posts=list(d.get("links_posts", []))))
    return posts, links


_TAG_PATTERNS = {name: re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + ")")
                 for name, words in TAG_RULES.items()}


def tags_for(post: ForumPost) -> list[str]:
    text = f" {post.title} {post.summary} ".lower()
    return ["AI"] + [name for name, pattern in _TAG_PATTERNS.items() if pattern.search(text)]


@dataclass(frozen=True)
class PaperTarget:
    """A paper of the Semantic Scholar stand-in that a post body can link to."""

    paper_id: str
    arxiv: str | None
    doi: str | None
    title: str
    year: int | None


class ForumCorpus:
    """Posts by id, in date order, with the lists the GraphQL views serve and the links each
    post's body carries."""

    def __init__(self, posts: list[ForumPost], papers: list[PaperTarget] | None = None, *, seed: int = 0):
        by_id: dict[str, ForumPost] = {}
        for p in posts:
            by_id.setdefault(p._id, p)
        self.posts = sorted(by_id.values(), key=lambda p: (p.posted_at, p._id))
        self.by_id = {p._id: p for p in self.posts}
        self.seed = seed
        self.papers = list(papers or [])
        self._paper_by_arxiv = {t.arxiv: t for t in self.papers if t.arxiv}
        self._by_title = {p.title.lower(): p for p in self.posts}
        self.tag_ids = {name: make_id("tag", name) for name in ["AI", *TAG_RULES]}
        self._words = self._title_index()
        self._links: dict[str, tuple[list[PaperTarget], list[ForumPost]]] = {}
        self._pingbacks: dict[str, list[str]] | None = None

    @classmethod
    def load(cls, papers: list[PaperTarget] | None = None, *, seed: int = 0) -> "ForumCorpus":
        extra, links = load_extra_posts()
        posts = load_posts()
        for p in posts:
            if p._id in links:
                p.links_arxiv = list(links[p._id].get("links_arxiv", []))
                p.links_posts = list(links[p._id].get("links_posts", []))
        return cls(posts + extra, papers, seed=seed)

    def __len__(self) -> int:
        return len(self.posts)

    def tag_slug(self, name: str) -> str:
        return slugify(name)

    # -- links -----------------------------------------------------------------------------

    def _title_index(self) -> dict[str, list[int]]:
        index: dict[str, list[int]] = {}
        for i, p in enumerate(self.posts):
            for w in set(re.findall(r"[a-z]{5,}", p.title.lower())):
                index.setdefault(w, []).append(i)
        return index

    def _rng_values(self, post: ForumPost, n: int) -> list[int]:
        digest = hashlib.sha256(f"{self.seed}:{post._id}".encode()).digest()
        return [digest[i % len(digest)] + 256 * digest[(i + 7) % len(digest)] for i in range(n)]

    def links_of(self, post: ForumPost) -> tuple[list[PaperTarget], list[ForumPost]]:
        """The papers and posts this post's body links to: for posts with curated links, those;
        otherwise 0-4 papers and up to 3 earlier posts that share a rare title word."""
        cached = self._links.get(post._id)
        if cached is not None:
            return cached
        papers: list[PaperTarget] = [self._paper_by_arxiv[a] for a in post.links_arxiv if a in self._paper_by_arxiv]
        linked: list[ForumPost] = [self._by_title[t.lower()] for t in post.links_posts if t.lower() in self._by_title]
        if post.recorded:
            r = self._rng_values(post, 12)
            if self.papers:
                for k in range(r[0] % 5):
                    papers.append(self.papers[r[1 + k] * 7919 % len(self.papers)])
            words = sorted(set(re.findall(r"[a-z]{5,}", post.title.lower())),
                           key=lambda w: (len(self._words.get(w, [])), w))
            for w in words:
                for i in self._words.get(w, []):
                    other = self.posts[i]
                    if other is post or other.posted_at >= post.posted_at or other in linked:
                        continue
                    linked.append(other)
                    if len(linked) >= 3:
                        break
                if len(linked) >= 3:
                    break
        papers = list(dict.fromkeys(papers))
        self._links[post._id] = (papers, linked)
        return papers, linked

    def pingbacks(self, post_id: str) -> list[str]:
        """Ids of the posts whose bodies link to ``post_id`` (ForumMagnum's ``pingbackPosts``)."""
        if self._pingbacks is None:
            back: dict[str, list[str]] = {}
            for p in self.posts:
                for other in self.links_of(p)[1]:
                    back.setdefault(other._id, []).append(p._id)
            self._pingbacks = back
        return self._pingbacks.get(post_id, [])

    def html_body(self, post: ForumPost) -> str:
        """A generated body: the summary, then sentences that link to papers and posts in the
        three URL forms real posts use for papers (arXiv, DOI, Semantic Scholar)."""
        papers, linked = self.links_of(post)
        parts = [f"<p>{html.escape(post.summary or post.title)}</p>"]
        for k, t in enumerate(papers):
            form = (k + len(post._id)) % 3
            if form == 0 and t.arxiv:
                url = f"https://arxiv.org/abs/{t.arxiv}"
            elif form == 1 and t.doi:
                url = f"https://doi.org/{t.doi}"
            else:
                url = f"https://www.semanticscholar.org/paper/{t.paper_id}"
            parts.append(f'<p>This builds on <a href="{html.escape(url)}">{html.escape(t.title)}</a>'
                         f"{f' ({t.year})' if t.year else ''}.</p>")
        for k, other in enumerate(linked):
            host = "www.alignmentforum.org" if k % 2 else "www.lesswrong.com"
            url = f"https://{host}/posts/{other._id}/{other.slug}"
            parts.append(f'<p>See also <a href="{url}">{html.escape(other.title)}</a>.</p>')
        parts.append('<p>(Footnote: <a href="#fn1">1</a>; '
                     '<a href="https://en.wikipedia.org/wiki/AI_alignment">background</a>.)</p>')
        return "".join(parts)


def paper_targets(s2_corpus, limit: int = 3000) -> list[PaperTarget]:
    """Link targets from a Semantic Scholar stand-in corpus: its real works first, then
    generated papers, each with the ids a post's link can carry."""
    out = []
    records = s2_corpus.records_view()
    work_ids = set(getattr(s2_corpus, "work_ids", []) or [])
    ordered = [r for r in records if r.get("paperId") in work_ids] + \
              [r for r in records if r.get("paperId") and r.get("paperId") not in work_ids]
    for r in ordered[:limit]:
        ext = r.get("externalIds") or {}
        out.append(PaperTarget(r["paperId"], ext.get("ArXiv"), ext.get("DOI"), r.get("title") or "",
                               r.get("year")))
    return out
