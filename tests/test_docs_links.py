"""The README and docs/ link to each other's sections; text moves between them every session
(replaced figures go to docs/), and a link moved with it silently points nowhere. This checks
every relative link and its #anchor the way GitHub renders them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6} (.+?)\s*$", re.M)
_FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def github_anchor(heading: str) -> str:
    """GitHub's id for a heading: lower case, punctuation dropped but hyphens and underscores,
    spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    return {github_anchor(h) for h in _HEADING.findall(_FENCE.sub("", text))}


def broken_links(doc: Path) -> list[str]:
    text = _FENCE.sub("", doc.read_text(encoding="utf-8"))
    broken = []
    for target in _LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (doc.parent / path).resolve() if path else doc
        if not linked.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked.read_text(encoding="utf-8")):
            broken.append(f"{target} (no such section)")
    return broken


def test_github_anchor_matches_githubs_rule():
    assert github_anchor("Themes: how `kb tag auto` decides") == "themes-how-kb-tag-auto-decides"
    assert github_anchor("Session 20: the README's account, as session 19 left it") == \
        "session-20-the-readmes-account-as-session-19-left-it"


def test_a_link_to_a_missing_section_is_found(tmp_path):
    (tmp_path / "a.md").write_text("# Top\n\n[ok](#top) [gone](#nowhere) [file](b.md#x) [web](https://x.org/#y)\n")
    (tmp_path / "b.md").write_text("## X\n")
    assert broken_links(tmp_path / "a.md") == ["#nowhere (no such section)"]


def own_markdown() -> list[Path]:
    """Every Markdown file kb writes itself: not the evaluation pages under tests/data, which
    quote other people's pages, links and all, and not what tools install."""
    found = []
    for top in sorted(ROOT.iterdir()):
        if top.name.startswith(".") or top.name in {"node_modules", "build", "dist"}:
            continue
        candidates = [top] if top.is_file() else top.rglob("*.md")
        found += [d for d in candidates if d.suffix == ".md"
                  and d.relative_to(ROOT).parts[:2] != ("tests", "data")]
    return sorted(found)


def test_every_relative_link_of_the_readme_and_docs_resolves():
    docs = own_markdown()
    assert ROOT / "README.md" in docs and ROOT / "kb" / "standin" / "README.md" in docs
    broken = {str(d.relative_to(ROOT)): b for d in docs if (b := broken_links(d))}
    assert not broken, broken
