"""What a forum post's links point at: papers (by arXiv id, DOI or Semantic Scholar paperId) and
other posts (by forum id), read from its ``htmlBody`` without any request.

Real posts link to papers in a handful of URL forms (arxiv.org/abs and /pdf, doi.org and
dx.doi.org, semanticscholar.org/paper/...), and to posts on lesswrong.com, alignmentforum.org
and greaterwrong.com, by 17-character ids or, for old Alignment Forum posts, 24-hex legacy ids,
sometimes inside a sequence URL (``/s/SEQ/p/ID``). Everything else (footnote anchors, Wikipedia,
Twitter, arbital) is not a citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

FORUM_HOSTS = ("lesswrong.com", "alignmentforum.org", "greaterwrong.com")
POST_KEY_PREFIX = "FORUM:"

_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf|html)/(\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})(?:v\d+)?", re.I)
_DOI = re.compile(r"(?:dx\.)?doi\.org/(10\.\d{4,9}/[^\s?#]+)", re.I)
_S2 = re.compile(r"semanticscholar\.org/paper/(?:[^/?#]+/)?([0-9a-f]{40})\b", re.I)
_POST = re.compile(r"^https?://(?:www\.)?(?:lesswrong\.com|alignmentforum\.org|greaterwrong\.com)"
                   r"(?:/s/[A-Za-z0-9]+)?/(?:posts|p)/([0-9a-f]{24}|[A-Za-z0-9]{17})(?:/([A-Za-z0-9\-_]+))?", re.I)


@dataclass(frozen=True)
class Link:
    kind: str          # "paper" | "post"
    key: str           # ARXIV:x, DOI:x, a 40-hex paperId, or a forum post id
    url: str
    text: str = ""
    slug: str | None = None


def post_key(forum_id: str) -> str:
    """The store's paper_id for a forum post."""
    return POST_KEY_PREFIX + forum_id


def post_ref(text: str) -> str | None:
    """The store key of a post named as ``FORUM:<id>`` or by a forum URL, else None."""
    text = text.strip()
    if text[:len(POST_KEY_PREFIX)].upper() == POST_KEY_PREFIX and len(text) > len(POST_KEY_PREFIX):
        return post_key(text[len(POST_KEY_PREFIX):])
    m = _POST.match(text)
    return post_key(m.group(1)) if m else None


def classify(url: str, text: str = "") -> Link | None:
    """The work a URL names, or None when it names no paper or post."""
    url = url.strip()
    if (m := _POST.match(url)):
        return Link("post", m.group(1), url, text, m.group(2))
    if (m := _ARXIV.search(url)):
        return Link("paper", "ARXIV:" + m.group(1), url, text)
    if (m := _DOI.search(url)):
        doi = m.group(1).rstrip(".,;)")
        if doi.lower().startswith("10.48550/arxiv."):
            return Link("paper", "ARXIV:" + doi[len("10.48550/arXiv."):], url, text)
        return Link("paper", "DOI:" + doi, url, text)
    if (m := _S2.search(url)):
        return Link("paper", m.group(1).lower(), url, text)
    return None


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors: list[list[str]] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self._open = [href, ""]
            self.anchors.append(self._open)

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open[1] += data


def body_links(html: str | None, *, own_id: str | None = None) -> list[Link]:
    """The distinct papers and posts a post body links to, in order of first appearance
    (a link to the post itself is not a citation)."""
    if not html:
        return []
    parser = _Anchors()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        pass
    seen: set[tuple[str, str]] = set()
    out: list[Link] = []
    for href, text in parser.anchors:
        link = classify(href, " ".join(text.split()))
        if link is None or (link.kind == "post" and link.key == own_id):
            continue
        if (link.kind, link.key) in seen:
            continue
        seen.add((link.kind, link.key))
        out.append(link)
    return out
