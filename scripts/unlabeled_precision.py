"""The work surfaces one tree's extractor finds on unlabeled real prose that another's does not
(and the ones it loses), each with its sentence, to judge by reading: a rule's false positives
measured on text nobody tuned on (issue 15, session 13: the title round's rules).

    .venv/bin/python scripts/unlabeled_precision.py /path/to/main/worktree > diff.txt

The corpus: the summaries of the recorded Alignment Forum posts (/work/shared/forum-recorded), the
seed documents and the unseen documents (tests/data/unseen_docs); never an evaluation part.
Each tree extracts in its own process (its own ``kb`` on ``sys.path``), maybes included and
marked, so that a rule moving a surface from work to maybe shows.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORUM_POSTS = Path("/work/shared/forum-recorded/alignment-forum-posts.csv")

# run inside each tree's process: every mention of every document, as JSON lines
_EXTRACT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from kb.grounding.mentions import extract, listed
from kb.grounding.aliases import AliasTable
aliases = AliasTable.load()
for name, text in json.load(sys.stdin):
    for m in listed(extract(text, file=name, aliases=aliases), include_maybe=True):
        print(json.dumps([name, m.start, m.end, m.surface, m.confidence, m.reason, m.sentence]))
"""


def corpus() -> list[tuple[str, str]]:
    """(name, text) of each unlabeled document."""
    csv.field_size_limit(1 << 30)
    docs = []
    if FORUM_POSTS.exists():
        with FORUM_POSTS.open(newline="", encoding="utf-8") as f:
            docs += [("af:" + r["_id"], r["summary"]) for r in csv.DictReader(f) if r["summary"].strip()]
    for folder in (ROOT / "data" / "seeds", ROOT / "tests" / "data" / "unseen_docs"):
        docs += [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8", errors="replace"))
                 for p in sorted(folder.glob("*.txt"))]
    return docs


def surfaces(tree: Path, docs: list[tuple[str, str]]) -> dict[tuple, list]:
    out = subprocess.run([sys.executable, "-c", _EXTRACT, str(tree)], input=json.dumps(docs),
                         capture_output=True, text=True, check=True, cwd=tree).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    return {tuple(r[:4]): r for r in rows}


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    docs = corpus()
    base, here = surfaces(Path(argv[0]).resolve(), docs), surfaces(ROOT, docs)
    new = [here[k] for k in here if k not in base]
    lost = [base[k] for k in base if k not in here]
    print(f"{len(docs)} documents; {len(base)} surfaces in {argv[0]}, {len(here)} here: {len(new)} new, {len(lost)} lost")
    for label, rows in (("NEW", new), ("LOST", lost)):
        for name, start, _, surface, confidence, reason, sentence in rows:
            print(f"{label} {name} @{start} {confidence} [{reason}]\n  {surface!r}\n  {' '.join(sentence.split())[:400]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
