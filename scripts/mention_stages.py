"""Where in the extractor each missed work was lost: a diagnosis, kept so it can be run again on
any part (issue 15: does a scorer have headroom, or must the candidates grow?).

    .venv/bin/python scripts/mention_stages.py dev dev2:all dev8:even    # counts; PART:HALF
    .venv/bin/python scripts/mention_stages.py dev8:even --examples       # and each miss (dev only)

Links removed, as the evaluation's targets are. Each required title, nickname or author
reference that no ``work`` mention overlaps is put in the first class that holds it:

- ``maybe``: a listed maybe overlaps it (the rules weighed it and did not trust it);
- ``hypothesis``: a candidate only a real title can confirm overlaps it (``is_hypothesis``);
- ``dropped``: ``_judge`` dropped a candidate over it;
- ``overlap``: a candidate over it lost to another in ``_resolve_overlaps`` and nothing stands there;
- ``internal``: a generator built a mention over it but never emitted it (a guard inside it);
- ``never``: no mention over it was ever built.

``maybe`` + ``hypothesis`` + ``dropped`` + ``overlap`` is what a scorer deciding the rules'
candidates could win back; ``internal`` + ``never`` only new candidates can. Wrong surfaces
(precision's errors, each distinct surface once per document) are counted by kind and by the
first words of their reason: all of them are what a scorer could remove.

Only counts are printed for a held-out part or a held-aside half (wrong surfaces by kind, not
by reason, since a reason may quote the text): ``--examples`` lists surfaces for development
pages that are not held aside, and refuses anything else.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import grounding_eval as ge  # noqa: E402
from grounding_subset import half  # noqa: E402

import kb.grounding.mentions as M  # noqa: E402
from kb.grounding.aliases import AliasTable  # noqa: E402

CLASSES = ("found", "maybe", "hypothesis", "dropped", "overlap", "internal", "never")
FORM_GROUP = {"title": "titles", "nickname": "names", "author-ref": "names"}


class Trace:
    """What one ``extract`` call built and decided: every mention constructed, the candidates
    overlap resolution weighed, and ``_judge``'s verdict on each survivor (with its reason at
    that moment). Installed by patching the module for the length of a ``with`` block."""

    def __init__(self):
        self.created: list = []
        self.weighed: list = []
        self.judged: list[tuple[object, bool, str]] = []

    def __enter__(self):
        self._saved = (M.Mention.__post_init__, M._resolve_overlaps, M._judge)
        post, resolve, judge = self._saved

        def traced_post(m):
            post(m)
            self.created.append(m)

        def traced_resolve(text, cands):
            self.weighed.extend(cands)
            return resolve(text, cands)

        def traced_judge(text, m, layout, terms=frozenset()):
            kept = judge(text, m, layout, terms)
            self.judged.append((m, kept, m.reason))
            return kept

        M.Mention.__post_init__, M._resolve_overlaps, M._judge = traced_post, traced_resolve, traced_judge
        return self

    def __exit__(self, *exc):
        M.Mention.__post_init__, M._resolve_overlaps, M._judge = self._saved
        return False


def traced_extract(text: str, aliases) -> tuple[list, Trace]:
    """``extract``'s mentions and the trace of how they were decided."""
    with Trace() as trace:
        out = M.extract(text, aliases=aliases)
    return out, trace


def _over(mentions, spans) -> list:
    return [m for m in mentions if any(ge._overlaps((m.start, m.end), b) for b in spans)]


def classify(doc: ge.Doc, out: list, trace: Trace) -> list[tuple[ge.Truth, str]]:
    """Each required title / name of ``doc`` with the class it falls in (``CLASSES``)."""
    works = [m for m in out if m.confidence == M.WORK]
    rows = []
    for t in doc.truths:
        if t.optional or t.form not in FORM_GROUP:
            continue
        final = _over(out, t.spans)
        if _over(works, t.spans):
            k = "found"
        elif [m for m in final if not M.is_hypothesis(m)]:
            k = "maybe"
        elif final:
            k = "hypothesis"
        elif _over([m for m, kept, _ in trace.judged if not kept], t.spans):
            k = "dropped"
        elif _over(trace.weighed, t.spans):
            k = "overlap"
        elif _over(trace.created, t.spans):
            k = "internal"
        else:
            k = "never"
        rows.append((t, k))
    return rows


def wrong_surfaces(doc: ge.Doc, out: list) -> list:
    """One ``work`` mention per distinct surface that overlaps no truth entry."""
    by_surface: dict[str, list] = {}
    for m in out:
        if m.confidence != M.WORK:
            continue
        ok = any(ge._overlaps((m.start, m.end), b) for t in doc.truths for b in t.spans)
        entry = by_surface.setdefault(M.normalise(m.surface), [False, m])
        entry[0] = entry[0] or ok
    return [m for ok, m in by_surface.values() if not ok]


def may_show(part: str, doc: ge.Doc) -> bool:
    """Surfaces only of development pages not held aside."""
    return part.startswith("dev") and not ge.held_aside(part, doc.name)


def main(argv: list[str]) -> int:
    examples = "--examples" in argv
    specs = [a for a in argv if not a.startswith("--")] or ["dev"]
    aliases = AliasTable.load(user=Path("/nonexistent/aliases.user.toml"))
    total: Counter = Counter()
    wrong_total: Counter = Counter()
    reasons = True          # a reason may quote the text ("a nickname the document defines for ..."): dev only
    for spec in specs:
        part, _, which = spec.partition(":")
        docs = half(ge.load(part, links=False), which or "all")
        showable = all(may_show(part, d) for d in docs)
        if examples and not showable:
            print(f"{spec}: held out or held aside, counts only", file=sys.stderr)
            return 2
        reasons = reasons and showable
        counts: Counter = Counter()
        for doc in docs:
            out, trace = traced_extract(doc.text, aliases)
            for t, k in classify(doc, out, trace):
                counts[FORM_GROUP[t.form], k] += 1
                if examples and k != "found":
                    print(f"  {k:10} {FORM_GROUP[t.form]:6} {doc.name[:40]:40} {t.surface[:70]!r}")
            for m in wrong_surfaces(doc, out):
                wrong_total[m.kind, m.reason.split(":")[0].split(", but")[0][:60] if reasons else ""] += 1
                counts["wrong"] += 1
                if examples:
                    print(f"  {'wrong':10} {m.kind:6} {doc.name[:40]:40} {m.surface[:70]!r} ({m.reason[:60]})")
        total += counts
        print(line(spec, counts))
    if len(specs) > 1:
        print(line("together", total))
    for (kind, why), n in wrong_total.most_common():
        print(f"  wrong {n:3}  {kind:10} {why}")
    return 0


def line(label: str, c: Counter) -> str:
    cells = []
    for group in ("titles", "names"):
        n = sum(v for (g, _), v in ((k, v) for k, v in c.items() if isinstance(k, tuple)) if g == group)
        cells.append(f"{group} {n}: " + " ".join(f"{k} {c[group, k]}" for k in CLASSES))
    return f"{label}: " + " | ".join(cells) + f" | wrong surfaces {c['wrong']}"


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
