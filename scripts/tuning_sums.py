"""Offline sums over the tuning pages and the held-aside halves, links removed: titles, names
(nickname + author-ref) and right / wrong distinct surfaces, to compare two trees (issue 15).

    .venv/bin/python scripts/tuning_sums.py /path/to/tree

The tuning pages are dev..dev7 and the even pages of dev8-dev14, heldout16-23 and heldout25-28; the held-aside
halves are those parts' odd pages (figures only: never read their misses). The held-out parts are
not read. (dev12 joined the tuning set in session 15, dev13 and dev14 in session 16, heldout22, 23, 25 and 26
in session 17, heldout27 and 28 in session 18.)
"""
import sys, re
from pathlib import Path
root = Path(sys.argv[1]).resolve()
sys.path[:0] = [str(root), str(root / "tests")]
import grounding_eval as ge
for p in ("dev11", "dev13", "dev14"):
    if p not in ge.EVAL_PARTS:
        ge.EVAL_PARTS = ge.EVAL_PARTS + (p,); ge.EVAL_PARTS_ALL = ge.EVAL_PARTS; ge.decoy_titles.__defaults__ = (ge.EVAL_PARTS,)
from kb.grounding.aliases import AliasTable
import kb; assert str(Path(kb.__file__).resolve()).startswith(str(root))
aliases = AliasTable.load(user=Path("/nonexistent/aliases.user.toml"))
def num(n): return int(re.match(r"p(\d+)", n).group(1)) if re.match(r"p(\d+)", n) else None
tune, aside = [], []
for part in ["dev","dev2","dev3","dev4","dev5","dev6","dev7","dev8","dev9","dev10","dev11","dev12","dev13","dev14","heldout16","heldout17","heldout18","heldout19","heldout20","heldout21","heldout22","heldout23","heldout25","heldout26","heldout27","heldout28"]:
    for d in ge.load(part, links=False):
        k = num(d.name)
        odd = k is not None and k % 2 == 1
        halved = part in ("dev8","dev9","dev10","dev11","dev12","dev13","dev14") or part.startswith("heldout")
        (aside if (halved and odd) else tune).append(d)
for name, docs in (("tuning", tune), ("held-aside", aside)):
    sc = ge.score(docs, aliases)
    f = lambda *fs: (sum(sc.found[x] for x in fs), sum(sc.total[x] for x in fs))
    right = round(sc.precision * sc.surfaces)
    print(name, len(docs), "titles %d/%d" % f("title"), "names %d/%d" % f("nickname","author-ref"), "right %d wrong %d of %d" % (right, sc.surfaces-right, sc.surfaces))
