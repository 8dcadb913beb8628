"""Title matching and relevance search over a stand-in corpus.

kb resolves papers named in forum prose by title (``/paper/search/match``) and lets users
search (``/paper/search``), so the stand-in must find the right paper for a slightly
abbreviated or misspelt title and refuse garbage, as the real API does, without pretending to
reproduce S2's ranking. Token overlap is enough for that: a title matches when it covers most
of the query's words; search ranks by idf-weighted overlap, title words counting double.
The index is built on first use and extended in place when papers are added.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import OrderedDict

_TOKEN = re.compile(r"[^\W_]+")
STOPWORDS = frozenset("""
a an and are as at be between by for from has have in into is it its of on or over than that
the their this to toward towards under via what when where which who why with within without
""".split())
#: A title matches a query when it contains this share of the query's words ...
MATCH_MIN_QUERY_COVERAGE = 0.75
#: ... and the blended score (0.75 * query coverage + 0.25 * title coverage) reaches this.
MATCH_MIN_SCORE = 0.6
#: The real relevance search never returns results past this offset.
SEARCH_RESULT_CAP = 1000


class SearchParamError(ValueError):
    """A search filter the real API would refuse; ``str()`` is the 400 message."""


def tokens(text: str | None) -> list[str]:
    return _TOKEN.findall((text or "").casefold())


def content_tokens(text: str | None) -> list[str]:
    toks = tokens(text)
    kept = [t for t in toks if t not in STOPWORDS]
    return kept or toks


def _year_range(value: str, name: str) -> tuple[int, int]:
    v = value.strip()
    try:
        if "-" in v:
            lo, _, hi = v.partition("-")
            return (int(lo) if lo else 0, int(hi) if hi else 9999)
        return int(v), int(v)
    except ValueError:
        raise SearchParamError(f"Unacceptable query params: [{name}={value}]") from None


def _date_bound(part: str, *, upper: bool, name: str, raw: str) -> int:
    p = part.strip()
    try:
        if not p:
            return dt.date.max.toordinal() if upper else 0
        bits = [int(b) for b in p.split("-")]
        if len(bits) == 1:
            d = dt.date(bits[0], 12, 31) if upper else dt.date(bits[0], 1, 1)
        elif len(bits) == 2:
            if upper:
                nxt = dt.date(bits[0] + (bits[1] == 12), bits[1] % 12 + 1, 1)
                d = nxt - dt.timedelta(days=1)
            else:
                d = dt.date(bits[0], bits[1], 1)
        else:
            d = dt.date(bits[0], bits[1], bits[2])
        return d.toordinal()
    except (ValueError, OverflowError):
        raise SearchParamError(f"Unacceptable query params: [{name}={raw}]") from None


def _date_range(value: str, name: str) -> tuple[int, int]:
    if ":" in value:
        lo, _, hi = value.partition(":")
    else:
        lo = hi = value
    return (_date_bound(lo, upper=False, name=name, raw=value),
            _date_bound(hi, upper=True, name=name, raw=value))


class SearchIndex:
    """Inverted indexes over titles and over abstracts/keywords of one corpus."""

    def __init__(self, corpus) -> None:
        self.corpus = corpus
        self.title_tokens: list[frozenset[str]] = []
        self.title_index: dict[str, list[int]] = {}
        self.text_index: dict[str, list[int]] = {}
        self.exact: dict[str, list[int]] = {}
        self._cache: OrderedDict = OrderedDict()
        for idx, rec in enumerate(corpus.records_view()):
            self.add(idx, rec)

    def add(self, idx: int, rec: dict) -> None:
        self._cache.clear()
        while len(self.title_tokens) <= idx:
            self.title_tokens.append(frozenset())
        if rec["paperId"] is None:
            return
        title = rec.get("title") or ""
        ttoks = frozenset(content_tokens(title))
        self.title_tokens[idx] = ttoks
        for t in ttoks:
            self.title_index.setdefault(t, []).append(idx)
        self.exact.setdefault(" ".join(tokens(title)), []).append(idx)
        extra = set(tokens(rec.get("abstract"))) | set(tokens(rec.get("_keywords")))
        for t in extra - ttoks - STOPWORDS:
            self.text_index.setdefault(t, []).append(idx)

    # -- /paper/search/match ---------------------------------------------------------------

    def match_title(self, query: str) -> tuple[int, float] | None:
        """The best title match for ``query`` and its score, or None when nothing is close."""
        corpus = self.corpus
        exact = self.exact.get(" ".join(tokens(query)))
        if exact:
            best = max(exact, key=lambda i: (corpus.count(i, "citationCount"), -i))
            return best, 1.0
        q = set(content_tokens(query))
        if not q:
            return None
        overlap: dict[int, int] = {}
        for t in q:
            for idx in self.title_index.get(t, ()):
                overlap[idx] = overlap.get(idx, 0) + 1
        best_key, best = None, None
        need = MATCH_MIN_QUERY_COVERAGE * len(q)
        for idx, n in overlap.items():
            if n < need:
                continue
            cov_q = n / len(q)
            cov_t = n / max(len(self.title_tokens[idx]), 1)
            score = 0.75 * cov_q + 0.25 * cov_t
            if score < MATCH_MIN_SCORE:
                continue
            key = (score, corpus.count(idx, "citationCount"), -idx)
            if best_key is None or key > best_key:
                best_key, best = key, (idx, score)
        return best

    # -- /paper/search ---------------------------------------------------------------------

    def _filter(self, filters: dict[str, str]):
        corpus = self.corpus
        records = corpus.records_view()
        checks = []
        if filters.get("year"):
            lo, hi = _year_range(filters["year"], "year")
            checks.append(lambda i: records[i]["year"] is not None and lo <= records[i]["year"] <= hi)
        if filters.get("publicationDateOrYear"):
            lo, hi = _date_range(filters["publicationDateOrYear"], "publicationDateOrYear")

            def in_dates(i: int) -> bool:
                rec = records[i]
                if rec["publicationDate"]:
                    d = corpus.date_key(i)
                    return lo <= d <= hi
                if rec["year"]:
                    return (dt.date(rec["year"], 1, 1).toordinal() <= hi
                            and dt.date(rec["year"], 12, 31).toordinal() >= lo)
                return False
            checks.append(in_dates)
        if filters.get("venue"):
            venues = [v.strip().casefold() for v in filters["venue"].split(",") if v.strip()]

            def in_venue(i: int) -> bool:
                rec = records[i]
                names = [rec.get("venue") or ""]
                pv = rec.get("publicationVenue") or {}
                names += [pv.get("name") or ""] + list(pv.get("alternate_names") or [])
                names = [n.casefold() for n in names if n]
                return any(v == n or n.startswith(v) for v in venues for n in names)
            checks.append(in_venue)
        if filters.get("fieldsOfStudy"):
            wanted = {f.strip().casefold() for f in filters["fieldsOfStudy"].split(",") if f.strip()}
            checks.append(lambda i: any((f.get("category") or "").casefold() in wanted
                                        for f in records[i]["s2FieldsOfStudy"] or [])
                          or any(f.casefold() in wanted for f in records[i]["fieldsOfStudy"] or []))
        if filters.get("publicationTypes"):
            wanted_t = {t.strip() for t in filters["publicationTypes"].split(",") if t.strip()}
            checks.append(lambda i: bool(wanted_t & set(records[i]["publicationTypes"] or [])))
        if "openAccessPdf" in filters:
            checks.append(lambda i: bool((records[i]["openAccessPdf"] or {}).get("url")))
        if filters.get("minCitationCount"):
            try:
                floor = int(filters["minCitationCount"])
            except ValueError:
                raise SearchParamError(
                    f"Unacceptable query params: [minCitationCount={filters['minCitationCount']}]") from None
            checks.append(lambda i: corpus.count(i, "citationCount") >= floor)
        return checks

    def search(self, query: str, filters: dict[str, str]) -> list[int]:
        """Matching indices, best first (relevance, then citation count, then age in corpus)."""
        key = (query, tuple(sorted(filters.items())), self.corpus.version)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        checks = self._filter(filters)
        q = list(dict.fromkeys(content_tokens(query)))
        n = max(len(self.corpus), 1)
        scores: dict[int, float] = {}
        for t in q:
            t_post = self.title_index.get(t, ())
            x_post = self.text_index.get(t, ())
            df = len(t_post) + len(x_post)
            if not df:
                continue
            weight = math.log(1.0 + n / df)
            for idx in t_post:
                scores[idx] = scores.get(idx, 0.0) + 2.0 * weight
            for idx in x_post:
                scores[idx] = scores.get(idx, 0.0) + weight
        hits = [i for i in scores if all(c(i) for c in checks)]
        count = self.corpus.count
        hits.sort(key=lambda i: (-round(scores[i], 9), -count(i, "citationCount"), i))
        self._cache[key] = hits
        if len(self._cache) > 64:
            self._cache.popitem(last=False)
        return hits
