"""Check that no measured figure of an old README was lost when text moved out of it.

    python scripts/figures_kept.py OLD_README.md README.md docs/*.md

A figure is a number written with what makes it a measurement: a fraction (``161/168``), a
decimal (``0.866``), a unit (``12.4 min``, ``0.54 s``, ``405 kB``, ``8.6 GB``), a percentage
(``93.8%``), a ratio (``0.38×``, ``3x``) or thousands (``16,249``); bare small integers are
left out (they count pages, sessions and steps, and match anywhere). Each figure is counted in
OLD and in the new files together; a figure that OLD writes more often than the new files do
is reported with both counts, so a passage that was dropped (not moved) shows as its figures.
Exit status 1 when any figure is missing.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

_UNIT = r"(?:%|×|÷|x\b|s\b|ms\b|min\b|h\b|GB\b|MB\b|kB\b|KB\b|GiB\b|bytes\b)"
_FIGURE = re.compile(r"(?<![\w.,/])\d+(?:[.,]\d+)*(?:/\d+(?:[.,]\d+)*)?(?:\s?" + _UNIT + ")?")


def figures(text: str) -> Counter:
    """Every figure of ``text``, written without the space before its unit, with its count."""
    found = Counter()
    for m in _FIGURE.finditer(text):
        token = m.group(0).replace(" ", "")
        if re.search(r"[/.,%×÷a-zA-Z]", token):
            found[token] += 1
    return found


def main(argv: list[str]) -> int:
    old = figures(Path(argv[0]).read_text(encoding="utf-8"))
    new = Counter()
    for name in argv[1:]:
        new += figures(Path(name).read_text(encoding="utf-8"))
    missing = {f: (n, new[f]) for f, n in old.items() if new[f] < n}
    absent = sorted(f for f in missing if new[f] == 0)
    print(f"{len(old)} distinct figures ({sum(old.values())} occurrences) in {argv[0]}; "
          f"{len(old) - len(absent)} found in the new files; {len(missing)} written fewer times "
          f"there; {len(absent)} not at all")
    for f, (n, m) in sorted(missing.items()):
        print(f"  {f}: {n} -> {m}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
