"""An experiment, kept so it can be run again: can a learned scorer decide which candidate
mentions are works better than the hand-written evidence in kb/grounding/mentions.py?

Candidates are the extractor's own (every title shape, quoted span, cue span, alias hit and
author reference it weighs, before its decision). Each is described by features that do not
depend on any one document: its shape (length, case pattern, stop-word ratio, colon subtitle,
digits), what is right around it (quotes, brackets, a year, a citation marker, cue words), its
place in the layout (heading, list item, caption, emphasis, sentence start), its sentence
(capitalised-word density, first person), how often the document repeats it, links and the
alias table, what the rules made of it (their score and reasons), and the words in and next to
it. Labels come from the development part of the grounding evaluation; a logistic regression is
trained and its regularisation and threshold chosen by 5-fold cross-validation over documents.

    .venv/bin/python scripts/mention_scorer_experiment.py --fresh b10      # train without b10, score it
    .venv/bin/python scripts/mention_scorer_experiment.py --fresh b10 --without-rules

What it found (docs/grounding-evaluation.md, "Issue 15, the first three rounds"): with the rules' score among the features the
model learns to repeat the rules (on the development part they are right 98% of the time, so
there is little else to learn); without them it is far weaker than the rules on a batch it had
not seen. kb therefore ships no learned model. Only the development part is read here.
"""

from __future__ import annotations

import copy
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import grounding_eval as ge  # noqa: E402

from kb.grounding.aliases import AliasTable  # noqa: E402
from kb.grounding.layout import Layout  # noqa: E402
from kb.grounding.mentions import WORK, extract  # noqa: E402

DECIDED_KINDS = ("title", "alias", "author-ref")

_WORD = re.compile(r"[A-Za-z\u00C0-\u024F0-9][\w'\u2019\-]*")
_FUNCTION = frozenset("""a an the of in on for to with via from by as at and or is are be vs versus into through without
beyond toward towards about under over between across not can do does its their your you we our it when what why how all
than that this using within per up out""".split())
_WORK_NOUN = re.compile(r"\b(?:paper|papers|post|posts|preprint|article|essay|book|report|blog|study|survey|sequence|"
                        r"publication|thesis|talk|lecture|chapter)\b", re.I)
_STRONG_CUE = re.compile(r"\b(?:see(?:\s+also)?|read|reread|cites?|citing|titled|entitled|called|named|in\s+their|"
                         r"(?:paper|post|essay|article|book|report|preprint)s?)\s*[:,]?\s*[\"'\u201c\u2018]?$", re.I)
_WEAK_CUE = re.compile(r"\b(?:e\.g\.|i\.e\.|like|such\s+as|from|in|and|of|also|on|by)\s*[:,]?\s*[\"'\u201c\u2018]?$", re.I)
_YEAR = re.compile(r"(?<!\d)(?:19[5-9]\d|20[0-4]\d)(?!\d)")
_MARKER_AFTER = re.compile(r"\s*(?:\[\d{1,3}(?:[,\u2013\-]\s*\d{1,3})*\]|\([^()\n]{0,80}(?:19|20)\d\d[a-z]?\)|\((?:et\s+al|[A-Z][\w\-]+\s+et\s+al))")
_FIRST_PERSON = re.compile(r"\b(?:I|we|We|my|My|our|Our|me|us)\b")
_QUOTES_OPEN = "\"'\u201c\u2018"
_QUOTES_CLOSE = "\"'\u201d\u2019"


@dataclass(frozen=True)
class Model:
    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    words: dict[str, float] = field(default_factory=dict)   # weight of a word in or next to the candidate

    def probability(self, x: list[float], words: frozenset[str] = frozenset()) -> float:
        z = self.intercept + sum(c * (v - m) / s for c, v, m, s in zip(self.coef, x, self.mean, self.scale))
        z += sum(self.words.get(w, 0.0) for w in words)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


FEATURES = (
    "kind_title", "kind_alias", "kind_author", "rule_score", "rule_work",
    "why_cue", "why_quoted", "why_list", "why_heading", "why_emphasis", "why_alias", "why_concept",
    "why_buts", "why_link", "why_sentence_case", "why_byline",
    "n_words", "one_word", "two_three_words", "cap_ratio", "title_case", "sentence_case", "upper_ratio",
    "acronym", "has_digit", "has_colon", "has_hyphen", "function_ratio", "question", "possessive", "et_al",
    "year_inside",
    "quoted", "paren_before", "paren_after", "strong_cue_before", "weak_cue_before", "work_noun_near",
    "year_near", "marker_after", "sentence_start", "sentence_caps", "sentence_words", "first_person",
    "line_heading", "line_list", "fills_line", "line_caption", "emphasised", "repeats", "line_words",
)


def _shape(surface: str) -> dict[str, float]:
    words = _WORD.findall(surface)
    n = len(words) or 1
    content = [w for w in words if w.lower() not in _FUNCTION]
    caps = [w for w in words if w[0].isupper() or w[0].isdigit()]
    title_case = bool(content) and all(w[0].isupper() or w[0].isdigit() for w in content) and len(words) >= 2
    return {
        "n_words": min(len(words), 24) / 24, "one_word": float(len(words) == 1),
        "two_three_words": float(2 <= len(words) <= 3), "cap_ratio": len(caps) / n,
        "title_case": float(title_case),
        "sentence_case": float(bool(words) and words[0][0].isupper() and len(words) >= 3 and not title_case),
        "upper_ratio": sum(w.isupper() and len(w) > 1 for w in words) / n,
        "acronym": float(any(sum(c.isupper() for c in w) >= 2 or (any(c.isupper() for c in w) and any(c.isdigit() for c in w))
                             for w in words)),
        "has_digit": float(any(c.isdigit() for c in surface)), "has_colon": float(":" in surface),
        "has_hyphen": float("-" in surface), "function_ratio": sum(w.lower() in _FUNCTION for w in words) / n,
        "question": float(surface.rstrip().endswith("?")), "possessive": float(bool(re.search(r"['\u2019]s\b", surface))),
        "et_al": float("et al" in surface), "year_inside": float(bool(_YEAR.search(surface))),
    }


def features(text: str, m, layout, repeats: int) -> list[float]:
    """The candidate as numbers, in ``FEATURES`` order."""
    reason = m.reason or ""
    f = {
        "kind_title": float(m.kind == "title"), "kind_alias": float(m.kind == "alias"),
        "kind_author": float(m.kind == "author-ref"), "rule_score": m.score, "rule_work": float(m.confidence == "work"),
        "why_cue": float("cue" in reason), "why_quoted": float("quoted" in reason),
        "why_list": float("list" in reason), "why_heading": float("heading" in reason),
        "why_emphasis": float("emphasised" in reason), "why_alias": float("alias table" in reason),
        "why_concept": float("without a citation" in reason or "concept" in reason),
        "why_buts": float(reason.count(", but")), "why_link": float(m.url is not None),
        "why_sentence_case": float("sentence-case" in reason), "why_byline": float("byline" in reason or "author's name" in reason),
    }
    f.update(_shape(m.surface))
    before = text[max(0, m.start - 40):m.start]
    after = text[m.end:m.end + 40]
    s_start = text.find(m.sentence[:20], max(0, m.start - len(m.sentence) - 5)) if m.sentence else m.start
    s_start = s_start if 0 <= s_start <= m.start else m.start
    sent_words = _WORD.findall(m.sentence or "")
    line = layout.line_at(m.start)
    line_words = len(_WORD.findall(line.text)) if line is not None else 0
    f.update({
        "quoted": float(before[-1:] in _QUOTES_OPEN and after[:1] in _QUOTES_CLOSE or after[:2][-1:] in _QUOTES_CLOSE
                        and before[-1:] in _QUOTES_OPEN),
        "paren_before": float(before.rstrip()[-1:] == "("), "paren_after": float(after.lstrip()[:1] == ")"),
        "strong_cue_before": float(bool(_STRONG_CUE.search(before))),
        "weak_cue_before": float(bool(_WEAK_CUE.search(before))),
        "work_noun_near": float(bool(_WORK_NOUN.search(before[-25:] + " " + after[:25]))),
        "year_near": float(bool(_YEAR.search(text[max(0, m.start - 60):m.start] + " " + text[m.end:m.end + 60]))),
        "marker_after": float(bool(_MARKER_AFTER.match(after))),
        "sentence_start": float(m.start - s_start <= 2),
        "sentence_caps": sum(w[0].isupper() for w in sent_words) / (len(sent_words) or 1),
        "sentence_words": min(len(sent_words), 60) / 60,
        "first_person": float(bool(_FIRST_PERSON.search(m.sentence or ""))),
        "line_heading": float(line is not None and line.heading),
        "line_list": float(line is not None and line.list_item),
        "fills_line": float(layout.fills_line(m.start, m.end)),
        "line_caption": float(line is not None and line.caption),
        "emphasised": float(layout.emphasised(m.start, m.end)),
        "repeats": math.log1p(max(0, repeats - 1)),
        "line_words": min(line_words, 60) / 60,
    })
    return [f[name] for name in FEATURES]


def lexical(text: str, m) -> frozenset[str]:
    """The words of the candidate and the word on each side of it, lower-cased: what a reader
    knows about "Skip to content", "Core Concepts" or "Week 3" that no shape tells."""
    inside = {"w:" + w.lower() for w in _WORD.findall(m.surface)}
    prev = _WORD.findall(text[max(0, m.start - 30):m.start])
    nxt = _WORD.findall(text[m.end:m.end + 30])
    if prev:
        inside.add("before:" + prev[-1].lower())
    if nxt:
        inside.add("after:" + nxt[0].lower())
    return frozenset(inside)


def _repeat_counts(mentions) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in mentions:
        counts[m.norm] = counts.get(m.norm, 0) + 1
    return counts


def candidate_rows(text: str, mentions, layout) -> list[tuple[object, list[float], frozenset[str]]]:
    """The mentions the model decides on, each with its features and words."""
    counts = _repeat_counts(mentions)
    return [(m, features(text, m, layout, counts[m.norm]), lexical(text, m)) for m in mentions if m.kind in DECIDED_KINDS]


C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.2, 0.81, 0.05))


def _label(m, doc) -> float | None:
    """1 for a mention of a required work, 0 for none, None when it only meets an optional one."""
    hits = [t for t in doc.truths if any(ge._overlaps((m.start, m.end), b) for b in t.spans)]
    if not hits:
        return 0.0
    return 1.0 if any(not t.optional for t in hits) else None


def prepare(docs, aliases, *, links: bool):
    """Per document: the rules' mentions and the decided ones' features and labels."""
    out = []
    for doc in docs:
        mentions = extract(doc.text, aliases=aliases)
        rows = candidate_rows(doc.text, mentions, Layout(doc.text))
        counts: dict[str, int] = {}
        for m, _, _ in rows:
            counts[m.norm] = counts.get(m.norm, 0) + 1
        xs, ys, ws, idx, words = [], [], [], [], []
        for m, x, lex in rows:
            y = _label(m, doc)
            xs.append(x)
            words.append(lex)
            ys.append(-1.0 if y is None else y)
            ws.append(1.0 / counts[m.norm])
            idx.append(mentions.index(m))
        out.append({"doc": doc, "links": links, "mentions": mentions, "x": xs, "y": ys, "w": ws, "idx": idx,
                    "words": words})
    return out


RULE_FEATURES = tuple(n for n in FEATURES if n.startswith(("rule_", "why_")))
DROPPED: tuple[str, ...] = ()


USE_WORDS = True


def vocabulary(items, min_docs: int = 3) -> list[str]:
    """Words seen around candidates in at least ``min_docs`` documents: what recurs across
    writers ("Contents", "Week", "paper"), not one document's names."""
    docs_of: dict[str, set[str]] = {}
    for it in items:
        for lex, y in zip(it["words"], it["y"]):
            if y >= 0:
                for w in lex:
                    docs_of.setdefault(w, set()).add(it["doc"].name)
    return sorted(w for w, d in docs_of.items() if len(d) >= min_docs)


def fit(items, c: float) -> Model:
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    x = np.array([r for it in items for r, y in zip(it["x"], it["y"]) if y >= 0], dtype=float)
    for name in DROPPED:
        x[:, FEATURES.index(name)] = 0.0
    y = np.array([y for it in items for y in it["y"] if y >= 0])
    w = np.array([w for it in items for w, y in zip(it["w"], it["y"]) if y >= 0])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    vocab = vocabulary(items) if USE_WORDS else []
    col = {v: i for i, v in enumerate(vocab)}
    lex = [lx for it in items for lx, yy in zip(it["words"], it["y"]) if yy >= 0]
    rows = [i for i, lx in enumerate(lex) for v in lx if v in col]
    cols = [col[v] for lx in lex for v in lx if v in col]
    bow = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(lex), len(vocab)))
    lr = LogisticRegression(C=c, max_iter=5000)
    lr.fit(sparse.hstack([sparse.csr_matrix((x - mean) / scale), bow]).tocsr(), y, sample_weight=w)
    dense = lr.coef_[0][:x.shape[1]]
    words = dict(zip(vocab, lr.coef_[0][x.shape[1]:]))
    return Model(FEATURES, tuple(mean), tuple(scale), tuple(dense), float(lr.intercept_[0]), 0.5, words)


def decided(item, model: Model | None, threshold: float):
    """The document's mentions with the model's decisions at ``threshold`` (None: the rules')."""
    mentions = copy.deepcopy(item["mentions"])
    if model is not None:
        for i, x, lex in zip(item["idx"], item["x"], item["words"]):
            mentions[i].confidence = WORK if model.probability(x, lex) >= threshold else "maybe"
    return [m for m in mentions if m.confidence == WORK]


def figures(items, models, threshold) -> ge.Score:
    """The evaluation's score with each document decided by its own model (or by the rules)."""
    by_doc = {id(it["doc"]): decided(it, models.get(it["doc"].name) if models else None, threshold) for it in items}
    docs = [it["doc"] for it in items]
    lookup = {d.text: by_doc[id(d)] for d in docs}
    return ge.score(docs, None, extract_with=lambda text, aliases, trusted_only=True: lookup[text])


def objective(sc: ge.Score) -> float:
    """What the targets ask for, equally: titles, nicknames + author references, precision."""
    return (sc.recall("title") + sc.recall("nickname", "author-ref") + sc.precision) / 3


def row(name: str, sc: ge.Score) -> str:
    return (f"{name:34} titles {sc.recall('title'):6.1%} ({sc.found['title']}/{sc.total['title']})  "
            f"nick+author {sc.recall('nickname', 'author-ref'):6.1%}  precision {sc.precision:6.1%} "
            f"of {sc.surfaces}")


def cross_validate(items, folds: int = 5):
    """Out-of-fold models per document, for each C: documents are split, never mentions."""
    names = sorted({it["doc"].name for it in items})
    fold_of = {n: i % folds for i, n in enumerate(names)}
    per_c = {}
    for c in C_GRID:
        models = {}
        for k in range(folds):
            train = [it for it in items if fold_of[it["doc"].name] != k]
            model = fit(train, c)
            models.update({n: model for n in names if fold_of[n] == k})
        per_c[c] = models
    return per_c


def main(argv: list[str]) -> int:
    global DROPPED, USE_WORDS
    if "--without-rules" in argv:
        DROPPED = RULE_FEATURES
    USE_WORDS = "--no-words" not in argv
    aliases = AliasTable.load(user=Path("/nonexistent/aliases.user.toml"))
    truth = json.loads((ge.EVAL / "dev" / "truth.json").read_text(encoding="utf-8"))
    fresh = argv[argv.index("--fresh") + 1] if "--fresh" in argv else None
    fresh_names = {n for n, d in truth["documents"].items() if fresh and d.get("batch") == fresh}
    # both versions of each document: with links, and with links removed (what the targets use)
    dev = prepare(ge.load("dev", links=False), aliases, links=False) + prepare(ge.load("dev", links=True), aliases, links=True)
    train = [it for it in dev if it["doc"].name not in fresh_names]

    def no_links(items):
        return [it for it in items if not it["links"]]

    print(row("rules alone (tuned on dev)", figures(no_links(train), None, 0.5)))
    per_c = cross_validate(train)
    best = max(((c, t) for c in C_GRID for t in THRESHOLDS),
               key=lambda ct: objective(figures(no_links(train), per_c[ct[0]], ct[1])))
    for c in C_GRID:
        t = max(THRESHOLDS, key=lambda t: objective(figures(no_links(train), per_c[c], t)))
        print(row(f"5-fold CV, C={c}, threshold {t}", figures(no_links(train), per_c[c], t)))
    c, t = best
    print(f"chosen: C={c}, threshold {t}")
    model = fit(train, c)
    model = Model(model.names, model.mean, model.scale, model.coef, model.intercept, t, model.words)
    if fresh:
        held = [it for it in no_links(dev) if it["doc"].name in fresh_names]
        print(row(f"fresh batch {fresh}, rules alone", figures(held, None, 0.5)))
        print(row(f"fresh batch {fresh}, learned (not trained on it)",
                  figures(held, {it["doc"].name: model for it in held}, t)))
        return 0
    top = sorted(zip(model.names, model.coef), key=lambda nc: -abs(nc[1]))[:12]
    print("largest weights:", ", ".join(f"{n} {w:+.2f}" for n, w in top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
