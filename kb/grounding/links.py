"""Links in prose: which targets are works and which are not.

A link's target is evidence about its anchor: "[Sleeper Agents](https://arxiv.org/abs/2401.05566)"
names a paper, "[deceptive alignment](https://www.lesswrong.com/tag/deceptive-alignment)" names a
tag page, "[this](https://www.google.com/search?q=...)" a search. The classes are decided by the
shape of the URL (host and path), never by a list of particular documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

WORK, POST, NOT_WORK, UNKNOWN = "paper", "post", "not-a-work", "unknown"

_PAPER_HOSTS = ("arxiv.org", "doi.org", "openreview.net", "aclanthology.org", "aclweb.org", "proceedings.mlr.press",
                "papers.nips.cc", "proceedings.neurips.cc", "neurips.cc", "dl.acm.org", "semanticscholar.org",
                "biorxiv.org", "medrxiv.org", "ssrn.com", "jmlr.org", "nature.com", "science.org", "ieeexplore.ieee.org",
                "link.springer.com", "distill.pub", "transformer-circuits.pub", "ar5iv.labs.arxiv.org", "ar5iv.org")
_FORUM_HOSTS = ("lesswrong.com", "alignmentforum.org", "greaterwrong.com", "forum.effectivealtruism.org",
                "substack.com", "medium.com", "overcomingbias.com", "ai-alignment.com", "bounded-regret.ghost.io")
_NOT_WORK_HOSTS = ("wikipedia.org", "wiktionary.org", "google.com", "bing.com", "duckduckgo.com", "amazon.com",
                   "goodreads.com", "chat.openai.com", "chatgpt.com", "claude.ai", "huggingface.co", "pypi.org",
                   "twitter.com", "x.com", "youtube.com", "youtu.be", "linkedin.com", "facebook.com", "reddit.com",
                   "discord.gg", "discord.com")
# Paths that list, search or sell rather than say something.
_NOT_WORK_PATH = re.compile(r"/(?:tag|tags|topics?|w|wiki|search|users?|user|profile|author|authors|category|"
                            r"categories|about|pricing|product|products|shop|store|jobs|careers|events?|sequences?)(?:/|$)"
                            r"|[?&](?:q|query|search|s)=", re.I)
_COMMENT = re.compile(r"#comments?\b|[?&]commentId=|#comment-|/comments?/?(?:$|[?#])", re.I)
_POST_PATH = re.compile(r"/(?:posts?|p|blog|essays?|articles?|notes|research|papers?|publications?|writing|\d{4}/\d{2})/", re.I)
_PDF = re.compile(r"\.pdf(?:$|[?#])", re.I)


def classify(url: str) -> str:
    """paper | post | not-a-work | unknown, from the URL's host and path."""
    try:
        parts = urlsplit(url if "://" in url else "https://" + url)
    except ValueError:
        return UNKNOWN
    host = (parts.hostname or "").lower()
    path = parts.path or "/"
    tail = (path + ("?" + parts.query if parts.query else "") + ("#" + parts.fragment if parts.fragment else ""))

    def on(hosts):
        return any(host == h or host.endswith("." + h) for h in hosts)

    if _COMMENT.search(tail):
        return NOT_WORK
    if on(("github.com", "gitlab.com", "bitbucket.org")):
        return WORK if _PDF.search(path) else NOT_WORK          # a repository, unless it serves a paper
    if on(_NOT_WORK_HOSTS):
        return NOT_WORK
    if on(_PAPER_HOSTS) or _PDF.search(path):
        return WORK if path.strip("/") else NOT_WORK
    if _NOT_WORK_PATH.search(tail) or path.strip("/") == "":
        return NOT_WORK
    if on(_FORUM_HOSTS):
        return POST
    if _POST_PATH.search(path) and re.search(r"[a-z0-9]+-[a-z0-9]+", path):
        return POST                                             # /blog/some-slug, /2023/05/a-title
    return UNKNOWN


@dataclass(frozen=True)
class Link:
    start: int          # the whole link's span in the text
    end: int
    anchor_start: int   # the anchor text's span
    anchor_end: int
    url: str
    target: str         # classify(url)


_MD_LINK = re.compile(r"\[([^\]\n]{1,300})\]\(((?:https?://|www\.)[^)\s]+)\)")
_HTML_A = re.compile(r"<a\s[^>]*?href\s*=\s*[\"']([^\"']+)[\"'][^>]*>(.*?)</a>", re.I | re.S)


def find_links(text: str) -> list[Link]:
    """Markdown and HTML links with their anchors."""
    out = []
    for m in _MD_LINK.finditer(text):
        out.append(Link(m.start(), m.end(), m.start(1), m.end(1), m.group(2), classify(m.group(2))))
    for m in _HTML_A.finditer(text):
        out.append(Link(m.start(), m.end(), m.start(2), m.end(2), m.group(1), classify(m.group(1))))
    return sorted(out, key=lambda link: link.start)


_GENERIC_ANCHOR = re.compile(r"^\s*(?:here|this|that|link|links|source|pdf|paper|post|article|blog|arxiv|this\s+"
                             r"(?:paper|post|one|link|article)|the\s+(?:paper|post|link|article)|\[?\d+\]?|read\s+more|"
                             r"click\s+here|see\s+here)\s*$", re.I)


def generic_anchor(anchor: str) -> bool:
    """"here", "this paper", "[3]": an anchor that names nothing by itself."""
    return bool(_GENERIC_ANCHOR.match(anchor))
