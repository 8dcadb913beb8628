"""Forum API JSON -> records: strict about shape (a post without an id or title is no post),
lenient about content (missing counts, odd dates, no author)."""

from __future__ import annotations

from kb.sources.forum.links import post_key
from kb.store.records import AuthorRef, PostRecord

#: Fields asked for every post; the body only when its links are wanted.
POST_FIELDS = ("_id slug title pageUrl postedAt baseScore voteCount commentCount af "
               "user { displayName slug } coauthors { displayName slug } tags { name } "
               "contents { wordCount plaintextDescription }")
SUMMARY_CHARS = 1500
SITE_NAMES = {True: "AI Alignment Forum", False: "LessWrong"}


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    return None


def _author(user) -> AuthorRef | None:
    if not isinstance(user, dict):
        return None
    name = user.get("displayName") or user.get("username")
    if not isinstance(name, str) or not name.strip():
        return None
    slug = user.get("slug")
    return AuthorRef(name.strip(), f"forum:{slug}" if isinstance(slug, str) and slug else None)


def parse_post(obj, *, reference_count: int | None = None) -> PostRecord | None:
    """A GraphQL ``Post`` or a search hit -> PostRecord (None when it is not a post)."""
    if not isinstance(obj, dict):
        return None
    forum_id = obj.get("_id") or obj.get("objectID")
    title = obj.get("title")
    if not isinstance(forum_id, str) or not forum_id.strip() or not isinstance(title, str) or not title.strip():
        return None
    forum_id = forum_id.strip()
    slug = obj.get("slug") if isinstance(obj.get("slug"), str) else None
    af = obj.get("af") if isinstance(obj.get("af"), bool) else None
    posted = obj.get("postedAt") if isinstance(obj.get("postedAt"), str) else None
    date = posted[:10] if posted and len(posted) >= 10 and posted[:4].isdigit() else None
    authors = [a for a in [_author(obj.get("user"))] + [_author(u) for u in obj.get("coauthors") or []] if a]
    if not authors and isinstance(obj.get("authorDisplayName"), str):
        authors = [AuthorRef(obj["authorDisplayName"], f"forum:{obj.get('authorSlug')}" if obj.get("authorSlug") else None)]
    contents = obj.get("contents") if isinstance(obj.get("contents"), dict) else {}
    summary = contents.get("plaintextDescription") or obj.get("body")
    summary = " ".join(summary.split())[:SUMMARY_CHARS] if isinstance(summary, str) and summary.strip() else None
    url = obj.get("pageUrl") if isinstance(obj.get("pageUrl"), str) else None
    if not url and slug:
        host = "www.alignmentforum.org" if af else "www.lesswrong.com"
        url = f"https://{host}/posts/{forum_id}/{slug}"
    tags = [t["name"] for t in obj.get("tags") or [] if isinstance(t, dict) and isinstance(t.get("name"), str)]
    return PostRecord(
        paper_id=post_key(forum_id), title=" ".join(title.split()), abstract=summary,
        year=int(date[:4]) if date else None, publication_date=date,
        venue=SITE_NAMES[bool(af)], authors=authors or None, url=url,
        publication_types=["Post"], reference_count=reference_count,
        detail_level=2, forum_id=forum_id, slug=slug, karma=_int(obj.get("baseScore")),
        vote_count=_int(obj.get("voteCount")), comment_count=_int(obj.get("commentCount")),
        word_count=_int(contents.get("wordCount")), af=af,
        tags=tags if isinstance(obj.get("tags"), list) else None)


def stub_post(forum_id: str, slug: str | None, text: str = "") -> PostRecord:
    """A post known only from a link to it: its id, and the link text as a provisional title."""
    title = text.strip() or (slug or forum_id).replace("-", " ").strip().capitalize()
    return PostRecord(paper_id=post_key(forum_id), title=title, forum_id=forum_id, slug=slug,
                      publication_types=["Post"], detail_level=0)
