"""Scoring one half of an evaluation part: the even-numbered pages a round tunes on, or the
odd-numbered ones it holds aside as a generalisation check (``p01_...``, ``p02_...``).

    python tests/grounding_subset.py dev8 even --misses   # figures, then the even half's misses
    python tests/grounding_subset.py dev8 odd             # figures only: never the held-aside misses

Figures with links and with links removed (see ``grounding_eval.py``): titles, nicknames, author
references, links, nickname + author-reference recall and precision per distinct surface.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import grounding_eval as ge  # noqa: E402


def half(docs: list[ge.Doc], which: str) -> list[ge.Doc]:
    """The documents of one half by page number; ``all`` keeps every one."""
    if which == "all":
        return docs
    return [d for d in docs if (m := re.match(r"p(\d+)", d.name)) and (int(m.group(1)) % 2 == 0) == (which == "even")]


def line(sc: ge.Score, label: str) -> str:
    def cell(*forms: str) -> str:
        return f"{sum(sc.found[f] for f in forms)}/{sum(sc.total[f] for f in forms)}"
    return (f"{label}: title {cell('title')} nickname {cell('nickname')} author-ref {cell('author-ref')} "
            f"link {cell('link')} names {cell('nickname', 'author-ref')} = {sc.recall('nickname', 'author-ref'):.1%} "
            f"precision {sc.right}/{sc.surfaces} = {sc.precision:.1%}")


def main(argv: list[str]) -> int:
    from kb.grounding.aliases import AliasTable

    part, which = argv[0], argv[1] if len(argv) > 1 else "all"
    aliases = AliasTable.load(user=Path("/nonexistent/aliases.user.toml"))
    for links in (True, False):
        sc = ge.score(half(ge.load(part, links=links), which), aliases)
        print(line(sc, f"{part} {which} ({'with links' if links else 'links removed'})"))
        if "--misses" in argv and which == "even" and not links and part.startswith("dev"):
            for m in sc.misses:
                print("  MISS", *m)
            for w in sc.wrong:
                print("  WRONG", *w)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
