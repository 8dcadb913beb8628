"""One module per export format; each has ``render(entries, *, title, checklist) -> str``."""

from __future__ import annotations

from kb.output.formats import bibtex, csl_json, csv, json, markdown, ris

RENDERERS = {
    "md": markdown.render,
    "bib": bibtex.render,
    "csl-json": csl_json.render,
    "ris": ris.render,
    "csv": csv.render,
    "json": json.render,
}
