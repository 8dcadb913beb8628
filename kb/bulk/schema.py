"""The columns kb reads from each bulk dataset, and the one SQL that types them for Parquet.

Raw files are read with every field as a string: scalars as their text, objects and lists as
their JSON text (both engines do this the same way), so that a field whose type changed between
releases (corpus ids were strings in older citations files, integers in newer ones) is cast
once, here, with ``TRY_CAST``, and the Parquet tables hold only plain SQL types both engines
and the loader agree on. Nested fields stay JSON text; the loader parses them in Python.
"""

from __future__ import annotations

SCALAR, JSON = "scalar", "json"

RAW: dict[str, dict[str, str]] = {
    "papers": {"corpusid": SCALAR, "externalids": JSON, "url": SCALAR, "title": SCALAR,
               "authors": JSON, "venue": SCALAR, "publicationvenueid": SCALAR, "year": SCALAR,
               "referencecount": SCALAR, "citationcount": SCALAR, "influentialcitationcount": SCALAR,
               "isopenaccess": SCALAR, "s2fieldsofstudy": JSON, "publicationtypes": JSON,
               "publicationdate": SCALAR, "journal": JSON},
    "citations": {"citationid": SCALAR, "citingcorpusid": SCALAR, "citedcorpusid": SCALAR,
                  "isinfluential": SCALAR, "contexts": JSON, "intents": JSON},
    "abstracts": {"corpusid": SCALAR, "openaccessinfo": JSON, "abstract": SCALAR},
    "tldrs": {"corpusid": SCALAR, "model": SCALAR, "text": SCALAR},
    "embeddings-specter_v2": {"corpusid": SCALAR, "model": SCALAR, "vector": SCALAR},
}

PRIMARY_KEY = {"papers": "corpusid", "citations": "citationid", "abstracts": "corpusid",
               "tldrs": "corpusid", "embeddings-specter_v2": "corpusid"}

_BIGINT = ("corpusid", "citationid", "citingcorpusid", "citedcorpusid")
_INT = ("year", "referencecount", "citationcount", "influentialcitationcount")
_BOOL = ("isopenaccess", "isinfluential")


def _typed(column: str) -> str:
    if column in _BIGINT:
        return f"TRY_CAST({column} AS BIGINT) AS {column}"
    if column in _INT:
        return f"TRY_CAST({column} AS INT) AS {column}"
    if column in _BOOL:
        return f"TRY_CAST({column} AS BOOLEAN) AS {column}"
    return f"CAST({column} AS STRING) AS {column}"


def columns(name: str) -> list[str]:
    """The Parquet table's columns, in order."""
    out = list(RAW[name])
    if name == "papers":
        out.insert(1, "paper_id")
    return out


def column_types(name: str) -> list[tuple[str, str]]:
    """(column, SQL type) of the Parquet table, for an empty stand-in table of the same shape."""
    def kind(c: str) -> str:
        return ("BIGINT" if c in _BIGINT else "INT" if c in _INT else "BOOLEAN" if c in _BOOL else "STRING")

    return [(c, kind(c)) for c in columns(name)]


def typed_select(name: str, source: str) -> str:
    """SELECT turning the raw string columns of ``source`` into the Parquet table's columns."""
    parts = [_typed(c) for c in RAW[name]]
    if name == "papers":
        # the papers dataset has no paperId field: it is the tail of the paper's S2 URL
        parts.insert(1, "NULLIF(lower(regexp_extract(url, '([0-9a-fA-F]{40})$', 1)), '') AS paper_id")
    key = PRIMARY_KEY[name]
    return f"SELECT {', '.join(parts)} FROM {source} WHERE TRY_CAST({key} AS BIGINT) IS NOT NULL"
