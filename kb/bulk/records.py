"""Bulk dataset rows -> the records the store takes, through the same parser as API answers.

A row of the papers dataset (joined with its abstract and TLDR) is rewritten into the shape of
a Graph API paper object and handed to :func:`kb.sources.s2.parse.parse_paper`, so bulk papers
get exactly the cleaning, id checks and field rules API papers get, and a paper stored from
either source looks the same.
"""

from __future__ import annotations

import json
from typing import Any

from kb.sources.s2.parse import _str_list, parse_paper
from kb.store.records import EdgeRecord, PaperRecord

# Columns of the paper rows the extraction query returns, in order.
PAPER_ROW = ("corpusid", "paper_id", "externalids", "url", "title", "authors", "venue", "year",
             "referencecount", "citationcount", "influentialcitationcount", "s2fieldsofstudy",
             "publicationtypes", "publicationdate", "abstract", "openaccessinfo", "tldr")
EDGE_ROW = ("citingcorpusid", "citedcorpusid", "isinfluential", "contexts", "intents")


def _loads(text: Any) -> Any:
    if text is None or not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return None


def _external_ids(raw: Any) -> dict | None:
    ext = _loads(raw)
    if not isinstance(ext, dict):
        return None
    out = {k: v for k, v in ext.items() if v is not None}
    if isinstance(out.get("CorpusId"), str) and out["CorpusId"].isdigit():
        out["CorpusId"] = int(out["CorpusId"])  # the API gives it as a number
    return out


def _fields_of_study(raw: Any) -> list[str] | None:
    """The API's ``fieldsOfStudy``: the externally given categories of ``s2fieldsofstudy``."""
    items = _loads(raw)
    if not isinstance(items, list):
        return None
    found = [i.get("category") for i in items
             if isinstance(i, dict) and i.get("source") == "external" and isinstance(i.get("category"), str)]
    return list(dict.fromkeys(found)) or None


def paper_record(row: tuple, release: str | None = None) -> PaperRecord | None:
    r = dict(zip(PAPER_ROW, row))
    oa = _loads(r["openaccessinfo"])
    api_shaped = {
        "paperId": r["paper_id"], "corpusId": r["corpusid"], "externalIds": _external_ids(r["externalids"]),
        "url": r["url"], "title": r["title"], "abstract": r["abstract"],
        "tldr": {"text": r["tldr"]} if r["tldr"] else None, "year": r["year"],
        "publicationDate": r["publicationdate"], "venue": r["venue"], "authors": _loads(r["authors"]),
        "citationCount": r["citationcount"], "referenceCount": r["referencecount"],
        "influentialCitationCount": r["influentialcitationcount"],
        "openAccessPdf": {"url": oa.get("url")} if isinstance(oa, dict) else None,
        "fieldsOfStudy": _fields_of_study(r["s2fieldsofstudy"]),
        "publicationTypes": _loads(r["publicationtypes"]),
    }
    return parse_paper(api_shaped, detail_level=2)


def edge_record(row: tuple, paper_ids: dict[int, str]) -> EdgeRecord | None:
    r = dict(zip(EDGE_ROW, row))
    citing, cited = paper_ids.get(r["citingcorpusid"]), paper_ids.get(r["citedcorpusid"])
    if citing is None or cited is None:
        return None
    return EdgeRecord(citing=citing, cited=cited,
                      is_influential=r["isinfluential"] if isinstance(r["isinfluential"], bool) else None,
                      # null in the files where the API says [] (no context found): the same fact
                      intents=_str_list(_flat(_loads(r["intents"])) or []),
                      contexts=_str_list(_loads(r["contexts"]) or []))


def _flat(intents: Any) -> Any:
    """Intents are a flat list in the API and in older files, a list per context in newer ones."""
    if isinstance(intents, list) and any(isinstance(i, list) for i in intents):
        out: list = []
        for item in intents:
            for i in item if isinstance(item, list) else [item]:
                if i not in out:
                    out.append(i)
        return out
    return intents
