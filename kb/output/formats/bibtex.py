"""BibTeX: citation keys, LaTeX escaping, and entries that LaTeX, Biber and bibtexparser read.

Keys are ``<first author's family name><year><first significant title word>`` folded to ASCII
(``christiano2017deep``), so the same paper gets the same key in every export; papers that
would share a key get ``a``, ``b``, ``c`` ... suffixes in paper-id order, which does not depend
on the export's sort. The same key is the CSL-JSON ``id`` and the RIS ``ID``, so a document
that cites ``@christiano2017deep`` works with any of the three files.

Semantic Scholar's own BibTeX (``citationStyles.bibtex``) is used when the store has it: it
carries volume and pages kb does not store. Its key is replaced by ours and its values, which
are plain text rather than LaTeX, are escaped like ours. Values are UTF-8: Biber and modern
BibTeX with ``inputenc`` take it as is.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from kb.output.entries import ExportEntry, safe_url

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\textbraceleft{}",  # not \{ : BibTeX counts every brace, escaped or not
    "}": r"\textbraceright{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}

_STOPWORDS = frozenset(
    "a an the on of in for to and or with from by at as is are be its via towards toward "
    "into about what why how when do does can we our".split())

_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def latex_escape(text: str | None) -> str:
    """Plain text to LaTeX: special characters escaped, whitespace and control characters
    collapsed to single spaces (a newline inside a field is legal but a stray control
    character is not)."""
    if not text:
        return ""
    text = "".join(" " if (ord(c) < 32 or 0x7F <= ord(c) < 0xA0) else c for c in str(text))
    text = " ".join(text.split())
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


def _protect_case(escaped_title: str) -> str:
    """Brace words whose capitals matter (RLHF, GPT-3, AlphaGo) so sentence-case styles keep
    them; plain capitalised words are left for the style to decide."""
    out = []
    for word in escaped_title.split(" "):
        letters = re.sub(r"\\[a-z]+\{\}|\\.", "", word)
        if any(c.isupper() for c in letters[1:]):
            out.append("{" + word + "}")
        else:
            out.append(word)
    return " ".join(out)


def ascii_fold(text: str) -> str:
    text = text.replace("ß", "ss").replace("æ", "ae").replace("ø", "o").replace("ł", "l")
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def family_name(name: str) -> str:
    """The family name of an author name written "Given Family" (as Semantic Scholar does),
    or "Family, Given"."""
    name = " ".join(name.split())
    if "," in name:
        return name.split(",", 1)[0].strip()
    parts = name.split(" ")
    while len(parts) > 1 and parts[-1].lower().strip(",") in _NAME_SUFFIXES:
        parts.pop()
    return parts[-1] if parts else ""


def base_key(entry: ExportEntry) -> str:
    """``familyYYYYword`` in lower-case ASCII; never empty."""
    family = ""
    if entry.authors:
        family = re.sub(r"[^a-z0-9]", "", ascii_fold(family_name(entry.authors[0])).lower())
    word = ""
    for token in re.findall(r"[a-z0-9]+", ascii_fold(entry.title or "").lower()):
        if token not in _STOPWORDS:
            word = token
            break
    if not family and not word:
        family = "s2" + re.sub(r"[^a-z0-9]", "", (entry.paper_id or "").lower())[:8]
    year = str(entry.year) if entry.year else "nd"
    return f"{family or 'anon'}{year}{word}"


def assign_keys(entries: list[ExportEntry]) -> None:
    """Give every entry a unique key (``entry.key``), deterministically."""
    groups: dict[str, list[ExportEntry]] = defaultdict(list)
    for e in entries:
        groups[base_key(e)].append(e)
    used: set[str] = set(k for k, g in groups.items() if len(g) == 1)
    for key, group in sorted(groups.items()):
        if len(group) == 1:
            group[0].key = key
            continue
        group.sort(key=lambda e: (e.paper_id or "", e.id))
        n = 0
        for e in group:
            while True:
                candidate = key + _suffix(n)
                n += 1
                if candidate not in used:
                    break
            used.add(candidate)
            e.key = candidate


def _suffix(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("a") + rem) + letters
    return letters


# -- reading Semantic Scholar's BibTeX ---------------------------------------------------------

_ENTRY_HEAD = re.compile(r"\s*@\s*([A-Za-z]+)\s*\{\s*([^,\s{}]*)\s*,")
_FIELD_NAME = re.compile(r"\s*,?\s*([A-Za-z][A-Za-z0-9_\-:]*)\s*=\s*")


def parse_entry(text: str) -> tuple[str, dict[str, str]] | None:
    """(entry type, {field: raw value}) of the first entry in ``text``, or None when it is not
    well-formed BibTeX with balanced braces."""
    if not text:
        return None
    head = _ENTRY_HEAD.match(text)
    if not head:
        return None
    kind = head.group(1).lower()
    pos = head.end()
    fields: dict[str, str] = {}
    n = len(text)
    while True:
        while pos < n and (text[pos].isspace() or text[pos] == ","):
            pos += 1
        if pos >= n:
            return None
        if text[pos] == "}":
            break
        m = _FIELD_NAME.match(text, pos)
        if not m:
            return None
        name = m.group(1).lower()
        pos = m.end()
        if pos >= n:
            return None
        if text[pos] in "{\"":
            closer = "}" if text[pos] == "{" else '"'
            depth, i = 0, pos + 1
            while i < n:
                c = text[i]
                if c == "{":
                    depth += 1
                elif c == "}":
                    if depth == 0 and closer == "}":
                        break
                    depth -= 1
                    if depth < 0:
                        return None
                elif c == '"' and closer == '"' and depth == 0:
                    break
                i += 1
            if i >= n:
                return None
            value = text[pos + 1:i]
            pos = i + 1
        else:
            m2 = re.match(r"[^,}\s]+", text[pos:])
            if not m2:
                return None
            value = m2.group(0)
            pos += m2.end()
        fields[name] = value
    return kind, fields


# LaTeX commands a stored value may keep: accents, letters, typography and inline math. Any
# other command (\input, \write18, \csname, \def ...) in text that came from an API could
# read files or run code when the bibliography is typeset, so such a value is escaped whole.
_SAFE_COMMANDS = frozenset("""
    i j o O l L ss aa AA ae AE oe OE c d b t u v H k r
    textendash textemdash textquoteright textquoteleft textquotedblleft textquotedblright
    textasciitilde textasciicircum textbackslash textbraceleft textbraceright textbar
    textit textbf textsc textrm texttt textsf textsuperscript textsubscript emph mbox
    ldots dots cdots cdot times pm mp leq geq neq approx sim infty ell partial nabla to
    rightarrow leftarrow log exp sqrt frac mathrm mathbf mathit mathcal mathbb mathsf text
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu
    xi pi varpi rho sigma tau upsilon phi varphi chi psi omega
    Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
""".split())
_COMMAND = re.compile(r"\\([A-Za-z]+)")


def _stored_value(raw: str) -> str:
    """A value from Semantic Scholar's BibTeX as safe LaTeX. Its values are plain text (a
    title with ``&`` or ``%`` breaks LaTeX as is); one that already uses LaTeX commands is
    kept when its braces balance and every command is a harmless one."""
    if "\\" in raw and _balanced(raw) and all(
            m.group(1) in _SAFE_COMMANDS for m in _COMMAND.finditer(raw)):
        return " ".join(raw.split())
    return latex_escape(raw)


def _balanced(text: str) -> bool:
    depth = 0
    for c in text:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


# -- writing entries ---------------------------------------------------------------------------

_VERBATIM_FIELDS = frozenset({"doi", "url", "eprint"})
_FIELD_ORDER = ("author", "title", "booktitle", "journal", "year", "month", "volume", "number",
                "pages", "publisher", "howpublished", "doi", "eprint", "archiveprefix",
                "primaryclass", "url", "abstract", "keywords", "note")


def _author_field(names: list[str]) -> str:
    parts = []
    for name in names:
        escaped = latex_escape(name)
        if not escaped:
            continue
        # One word (an organisation), a comma or a literal "and" would be split wrongly.
        if " " not in escaped or "," in escaped or re.search(r"\band\b", escaped, re.I):
            escaped = "{" + escaped + "}"
        parts.append(escaped)
    return " and ".join(parts)


_VENUE_FIELDS = frozenset({"journal", "booktitle", "publisher", "howpublished"})


#: BibTeX has no dataset type: a dataset is typed as any other work (@article with a venue).
ENTRY_TYPES = {"post": "online", "preprint": "misc", "conference": "inproceedings", "book": "book",
               "chapter": "incollection", "journal": "article", "other": "misc"}


def built_fields(entry: ExportEntry, kind: str | None = None) -> tuple[str, dict[str, str]]:
    """(type, fields as LaTeX) from the store's own data; ``kind`` forces the entry type, so
    the venue goes in the one field that type has (an @article gets a journal, never also a
    booktitle)."""
    kind = kind or entry.type_in(ENTRY_TYPES)
    fields: dict[str, str] = {}
    if entry.authors:
        fields["author"] = _author_field(entry.authors)
    if entry.title:
        fields["title"] = _protect_case(latex_escape(entry.title))
    venue = latex_escape(entry.venue)
    if venue and not entry.is_preprint:
        if kind == "inproceedings" or kind == "incollection":
            fields["booktitle"] = venue
        elif kind == "article":
            fields["journal"] = venue
        elif kind == "book":
            fields["publisher"] = venue
        elif kind == "online":
            fields["organization"] = venue
        else:
            fields["howpublished"] = venue
    if entry.year:
        fields["year"] = str(int(entry.year))
    if kind == "online" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry.publication_date or ""):
        fields["date"] = entry.publication_date
    return kind, fields


def entry_fields(entry: ExportEntry) -> tuple[str, dict[str, str]]:
    """(type, fields) for one entry: Semantic Scholar's BibTeX when present and well-formed,
    completed with what kb knows (DOI, arXiv eprint, URL, abstract, themes)."""
    parsed = parse_entry(entry.bibtex) if entry.bibtex else None
    if parsed is not None:
        kind, raw = parsed
        fields = {k: (_verbatim(v) if k in _VERBATIM_FIELDS else _stored_value(v))
                  for k, v in raw.items() if v and v.strip()}
        if "title" in fields:
            fields["title"] = _protect_case(fields["title"])
        if "url" in fields and not safe_url(fields["url"]):
            del fields["url"]  # javascript:, data:, file: ... never reach a PDF's links
        kind = kind if re.fullmatch(r"[a-z]+", kind) else "misc"
        _, own = built_fields(entry, kind)
        if fields.keys() & _VENUE_FIELDS:  # the record names its venue already
            own = {k: v for k, v in own.items() if k not in _VENUE_FIELDS}
        for k, v in own.items():
            fields.setdefault(k, v)
    else:
        kind, fields = built_fields(entry)
    # doi, eprint and url are verbatim fields (biblatex, \url): no LaTeX escaping, only
    # nothing that could unbalance the entry's braces.
    if entry.doi and _verbatim(entry.doi):
        fields.setdefault("doi", _verbatim(entry.doi))
    if entry.arxiv_id and _verbatim(entry.arxiv_id):
        fields.setdefault("eprint", _verbatim(entry.arxiv_id))
        fields.setdefault("archiveprefix", "arXiv")
    url = entry.main_url
    if url:
        fields.setdefault("url", _verbatim(url))
    if entry.abstract:
        fields.setdefault("abstract", latex_escape(entry.abstract))
    if entry.themes:
        fields.setdefault("keywords", latex_escape(", ".join(entry.themes)))
    return kind, fields


def _verbatim(value: str) -> str:
    return re.sub(r"[\s{}\\\"]", "", value or "")


def render_entry(entry: ExportEntry) -> str:
    kind, fields = entry_fields(entry)
    ordered = [k for k in _FIELD_ORDER if k in fields]
    ordered += sorted(k for k in fields if k not in _FIELD_ORDER)
    width = max((len(k) for k in ordered), default=0)
    lines = [f"@{kind}{{{entry.key},"]
    for k in ordered:
        lines.append(f"  {k.ljust(width)} = {{{fields[k]}}},")
    lines.append("}")
    return "\n".join(lines)


def render(entries: list[ExportEntry], *, title: str | None = None, checklist: bool = False) -> str:
    if any(e.key is None for e in entries):
        assign_keys(entries)
    # No user text in the comment: an "@" there would start an entry.
    header = f"% Exported by kb ({len(entries)} entries)\n"
    body = "\n\n".join(render_entry(e) for e in entries)
    return header + "\n" + body + ("\n" if body else "")
