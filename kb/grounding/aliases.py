"""The alias table: nicknames researchers use for well-known works ("IOI", "Chinchilla",
"the Kaplan paper") and the work each one means.

Nicknames cannot be recognised from the shape of the text (an acronym looks like any other
acronym), so they come from a curated table, ``data/aliases.toml``, plus the user's own additions
(``kb alias add``), kept in a separate file so that an upgrade of the shipped table never
overwrites them. A hit carries an id the API accepts, or, for works without an arXiv id or DOI,
an exact title to match; books and forum posts carry no id at all and stay unresolved works.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tomllib
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import ConfigError, UsageError
from kb.settings import DATA_DIR

SHIPPED_PATH = DATA_DIR / "aliases.toml"
# Nicknames taken from curated paper lists by scripts/build_known_titles.py (generated, never
# edited by hand); the hand-kept table wins where both name a work.
CURATED_PATH = DATA_DIR / "aliases_curated.toml"
# Both tables as the loader reads them, written by scripts/build_known_titles.py (which a change
# to either table runs anyway, for the gazetteer): parsing their TOML was 0.04 s of every command
# that loads the table, reading this is 0.005 s. Read only while it holds the digest of both
# tables and of this module as they are now (:func:`parsed_text`); otherwise the TOML is parsed.
PARSED_PATH = DATA_DIR / "aliases_parsed.json"
KINDS = ("paper", "book", "post")

# Ids the Semantic Scholar API accepts for a paper.
_ID_PATTERNS = (
    re.compile(r"^ARXIV:(\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})(v\d+)?$", re.I),
    re.compile(r"^DOI:10\.\d{4,9}/\S+$", re.I),
    re.compile(r"^CorpusId:\d+$", re.I),
    re.compile(r"^(MAG|ACL|PMID|PMCID):\S+$", re.I),
    re.compile(r"^URL:https?://\S+$", re.I),
    re.compile(r"^[0-9a-f]{40}$"),
)

# Words after (or before) a model or system name that make it a reference to its paper.
# A citation marker right after a name ("DPO [23]", "GRPO (Shao et al., 2024)", "R1 (...) [2501.12948]")
# says the text cites the work, not just the method.
CITATION_MARKER = re.compile(r"\s*(?:\([^()\n]{0,160}\)\s*)?\[(?:\d+(?:\s*[,\-\u2013]\s*\d+)*|(?:source:)?(?:arxiv:)?\d{4}\.\d{4,5})\]"
                             r"|\s*\((?:[A-Z][\w\-]+(?:\s+(?:et\s+al\.?|(?:and|&)\s+[A-Z][\w\-]+))?,?\s+)?(?:19|20)\d\d[a-z]?\)", re.I)
CUE_AFTER = re.compile(r"\s+(?:technical\s+)?(?:paper|report|preprint|article|post|book|essay|work|document|write-?up)\b|" + CITATION_MARKER.pattern,
                       re.I)
CUE_BEFORE = re.compile(r"\b(?:the\s+)?(?:paper|post|book|essay|article|report|preprint)\s+$", re.I)
# "a technical report on eliciting latent knowledge (ELK)": the acronym of what a work is about, in
# brackets after its long form, names the work
CUE_BEFORE_LONG_FORM = re.compile(r"\b(?:paper|post|book|essay|article|report|preprint)\s+(?:on|about|introducing)\s+"
                                  r"(?:[\w\-]+\s+){0,7}[\w\-]+\s*\($", re.I)


_CITED_YEAR = re.compile(r"\s*(?:\)\s*)?\([^()\n]{0,80}?\b((?:19|20)\d\d)[a-z]?\)")


def cites_another(alias: "Alias", text: str, end: int) -> bool:
    """'reinforcement learning from human feedback (RLHF) (Ziegler et al. 2019)': the bracket
    after a method's name cites another paper than the one that introduced it (its year is
    not the alias's), so the name is used as a concept there."""
    m = _CITED_YEAR.match(text, end)
    return bool(m and alias.year and abs(int(m.group(1)) - alias.year) > 1)


def user_path(env: dict[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("KB_USER_ALIASES") or DATA_DIR / "aliases.user.toml")


def normalise_id(value: str) -> str:
    """Canonical spelling of a paper id (``arXiv:2211.00593`` -> ``ARXIV:2211.00593``); raises
    UsageError for something the API would not accept."""
    value = value.strip()
    low = value.lower()
    if re.fullmatch(r"\d{4}\.\d{4,5}(v\d+)?", value):
        value = "ARXIV:" + value
    elif low.startswith("arxiv:"):
        value = "ARXIV:" + value[6:]
    elif low.startswith("doi:"):
        value = "DOI:" + value[4:]
    elif low.startswith("10."):
        value = "DOI:" + value
    elif low.startswith("https://doi.org/") or low.startswith("http://dx.doi.org/"):
        value = "DOI:" + value.split("doi.org/", 1)[1]
    elif low.startswith("corpusid:"):
        value = "CorpusId:" + value[9:]
    elif low.startswith("http://") or low.startswith("https://"):
        value = "URL:" + value
    if value.upper().startswith("DOI:10.48550/ARXIV."):
        value = "ARXIV:" + value[len("DOI:10.48550/arXiv."):]
    if value.startswith("ARXIV:"):
        value = re.sub(r"v\d+$", "", value)
    if not any(p.match(value) for p in _ID_PATTERNS):
        raise UsageError(f"not a paper id Semantic Scholar accepts: {value!r} "
                         "(use ARXIV:2211.00593, DOI:10.xxxx/..., CorpusId:123 or a 40-hex paperId)")
    return value


@dataclass(frozen=True)
class Alias:
    names: tuple[str, ...]
    id: str | None = None
    title: str | None = None
    year: int | None = None
    kind: str = "paper"
    match: str | None = None          # "title": look the work up by its exact title
    needs_cue: frozenset[str] = field(default_factory=frozenset)
    source: str = "shipped"

    def to_dict(self) -> dict:
        return {"names": list(self.names), "id": self.id, "title": self.title, "year": self.year,
                "kind": self.kind, "match": self.match, "needs_cue": sorted(self.needs_cue),
                "source": self.source}


@dataclass(frozen=True)
class AliasHit:
    start: int
    end: int
    name: str
    alias: Alias
    cued: bool = True       # False: a model or method name without a word that makes it a citation
    glued: bool = False     # run on into the next cell of a table copied as text


def _parse(path: Path, source: str) -> list[Alias]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    entries = data.get("alias", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: [[alias]] entries expected")
    out = []
    for n, entry in enumerate(entries, 1):
        where = f"{path} alias #{n}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: not a table")
        names = entry.get("names")
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not names or not all(isinstance(x, str) and x.strip() for x in names):
            raise ConfigError(f"{where}: `names` must be a non-empty list of strings")
        kind = entry.get("kind", "paper")
        if kind not in KINDS:
            raise ConfigError(f"{where}: kind must be one of {', '.join(KINDS)}")
        pid = entry.get("id")
        if pid is not None:
            try:
                pid = normalise_id(str(pid))
            except UsageError as exc:
                raise ConfigError(f"{where}: {exc}") from None
        match = entry.get("match")
        title = entry.get("title")
        if kind == "paper" and pid is None and not (match == "title" and title):
            raise ConfigError(f"{where}: a paper needs an `id`, or `match = \"title\"` and a `title`")
        year = entry.get("year")
        cue = entry.get("needs_cue", [])
        if not isinstance(cue, list):
            raise ConfigError(f"{where}: `needs_cue` must be a list of names")
        out.append(Alias(tuple(x.strip() for x in names), pid, title,
                         int(year) if isinstance(year, int) else None, kind, match,
                         frozenset(cue), source))
    return out


def _tables_digest() -> str | None:
    """The digest of what the parsed form stands for: both tables and the parsing rules here."""
    h = hashlib.sha256()
    for path in (CURATED_PATH, SHIPPED_PATH, Path(__file__)):
        try:
            h.update(path.read_bytes())
        except OSError:
            return None
        h.update(b"\0")
    return h.hexdigest()


def parsed_text() -> str:
    """The text of :data:`PARSED_PATH` for the tables as they are now: their digest, then the
    curated and the hand-kept aliases in load order, one a line."""
    aliases = _parse(CURATED_PATH, "curated") + _parse(SHIPPED_PATH, "shipped")
    return (f'{{"digest": {json.dumps(_tables_digest())}, "aliases": [\n'
            + ",\n".join(json.dumps(a.to_dict(), ensure_ascii=False) for a in aliases) + "\n]}\n")


def _shipped_tables() -> list[Alias]:
    """The curated table, then the hand-kept one (which wins where both name a work): from their
    parsed form when it is current, else from their TOML."""
    try:
        form = json.loads(PARSED_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        form = {}
    digest = form.get("digest") if isinstance(form, dict) else None
    if digest is None or digest != _tables_digest():
        return _parse(CURATED_PATH, "curated") + _parse(SHIPPED_PATH, "shipped")
    return [Alias(tuple(a["names"]), a["id"], a["title"], a["year"], a["kind"], a["match"], frozenset(a["needs_cue"]),
                  a["source"]) for a in form["aliases"]]


class AliasTable:
    """All known nicknames, searchable in running text."""

    def __init__(self, aliases: list[Alias]):
        self.aliases = list(aliases)
        self._by_name: dict[str, Alias] = {}
        exact: list[str] = []
        folded: list[str] = []
        # Later entries (the user's) override earlier ones for the same name. A work's full title
        # is one of its names too, in any case: "language models are few-shot learners".
        for alias in self.aliases:
            full = [_full_title(alias.title)] if alias.title and len(alias.title.split()) >= 3 else []
            # "the sleeper agents paper": a known name with "paper" after it, in any case
            full += [n.lower() + " paper" for n in alias.names if _has_upper(n) and not n.lower().endswith(" paper")
                     and len(n) >= 5 and n not in alias.needs_cue]
            # "risks from learned optimization" in lower-case notes: a short title of three words or
            # more with a function word inside is a phrase nobody writes but to name the work
            full += [n.lower() for n in alias.names if _has_upper(n) and n not in alias.needs_cue and _titled_phrase(n)]
            for name in list(alias.names) + full:
                key = name if _has_upper(name) else name.lower()
                if key not in self._by_name:
                    (exact if _has_upper(name) else folded).append(name)
                    if "'" in name:
                        # "Humanity’s Last Exam", "Anthropic’s RSP": typeset prose writes the
                        # apostrophe curly; :meth:`lookup` reads it straight
                        (exact if _has_upper(name) else folded).append(name.replace("'", "\u2019"))
                self._by_name[key] = alias
        # "Truthful QA", "Trivia QA", "AQu A": a benchmark's name as a PDF's text layer splits it,
        # a space where the name's case turns from lower to upper (names that need a cue are left
        # out: their cue rules know only their own spelling)
        for alias in self.aliases:
            if alias.source == "curated" and alias.match == "title":
                continue            # a coined name from a list's titles: rare enough in PDFs, and each costs compile time
            for name in alias.names:
                spaced = _split_at_case_turns(name)
                if spaced and name not in alias.needs_cue and spaced not in self._by_name:
                    exact.append(spaced)
                    self._by_name[spaced] = alias
        # names of three words or more (most of them full titles) are found by their second word
        # (:class:`_LongNames`), the shorter ones by the prefix-tree patterns
        self._long = [_LongNames([n for n in exact if _long(n)], fold=False),
                      _LongNames([n for n in folded if _long(n)], fold=True)]
        self._exact, self._folded, self._glued = _patterns(frozenset(n for n in exact if not _long(n)),
                                                           frozenset(n for n in folded if not _long(n)))

    @classmethod
    def load(cls, shipped: Path | None = SHIPPED_PATH, user: Path | None = None) -> "AliasTable":
        aliases = _shipped_tables() if shipped == SHIPPED_PATH else _parse(shipped, "shipped") if shipped else []
        aliases += _parse(user if user is not None else user_path(), "user")
        return cls(aliases)

    def __len__(self) -> int:
        return len(self.aliases)

    def lookup(self, name: str) -> Alias | None:
        name = " ".join(name.split()).replace("\u2019", "'")
        return self._by_name.get(name) or self._by_name.get(name.lower())

    def find(self, text: str, *, uncued: bool = False) -> list[AliasHit]:
        """Non-overlapping alias hits, longest first at each place. With ``uncued``, names that
        need a cue are returned without one too, marked ``cued=False``."""
        hits: list[AliasHit] = []
        spans = [(m.start(), m.end()) for pattern in (self._exact, self._folded) if pattern is not None
                 for m in pattern.finditer(text)]
        spans += [span for index in self._long for span in index.spans(text)]
        for start, end in spans:
            name = text[start:end]
            alias = self.lookup(name)
            if alias is None:
                continue
            cued = True
            plain = name.replace("\u2019", "'")
            if plain in alias.needs_cue or plain.lower() in {c.lower() for c in alias.needs_cue}:
                cued = bool(CUE_AFTER.match(text, end) or CUE_BEFORE.search(text[max(0, start - 30):start])
                            or CUE_BEFORE_LONG_FORM.search(text[max(0, start - 120):start])) \
                    and not cites_another(alias, text, end)
                if not (cued or uncued):
                    continue
            hits.append(AliasHit(start, end, name, alias, cued))
        hits += self._glued_cells(text, uncued=uncued)
        hits += self._quoted_before_a_work(text)
        hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
        kept: list[AliasHit] = []
        for h in hits:
            if kept and h.start < kept[-1].end:
                if (h.end - h.start) > (kept[-1].end - kept[-1].start):
                    kept[-1] = h
                continue
            kept.append(h)
        return kept

    def _quoted_before_a_work(self, text: str) -> list[AliasHit]:
        """'the "emergent misalignment" paper', 'the "Simulators" post': a known name in quotes before
        the kind of work it is, the quotes and the noun part of the mention. The name may be any
        of the entry's names, or its "... paper" name written in lower case; a name that needs a cue
        has it here."""
        if '" ' not in text and "\u201d " not in text:
            return []
        hits = []
        for m in _QUOTED_THEN_WORK.finditer(text):
            name = " ".join(m.group(1).split())
            alias = self.lookup(name) or self.lookup(f"{name} {m.group(2)}")
            if alias is not None:
                hits.append(AliasHit(m.start(), m.end(), text[m.start():m.end()], alias))
        return hits

    def _glued_cells(self, text: str, *, uncued: bool) -> list[AliasHit]:
        """Names glued to the cell after them by a page whose table lost its borders when it was
        copied as text ("HumanEvalA programming benchmark ...", "GLUE/SuperGLUEA general ...").
        A name that runs on into a capitalised word is a different word ("CLIPScore"), so only a
        line that opens with the name and goes on as a sentence counts, and only where two lines
        or more of the text show it: a flattened table, not a coined word."""
        if self._glued is None:
            return []
        hits = []
        for m in self._glued.finditer(text):
            alias = self.lookup(m.group(1))
            if alias is None or (m.group(1) in alias.needs_cue and not uncued):
                continue
            hits.append(AliasHit(m.start(1), m.end(1), m.group(1), alias, m.group(1) not in alias.needs_cue, glued=True))
        return hits if len({text.count("\n", 0, h.start) for h in hits}) >= 2 else []


_QUOTED_THEN_WORK = re.compile(r"[\"\u201c]([^\"\u201c\u201d\n]{2,80}?)[\"\u201d][ \t]+"
                               r"(paper|post|report|preprint|essay|book|article|sequence)(?![\w\-])")


def _long(name: str) -> bool:
    return len(name.split()) >= 3


_CHUNK = re.compile(r"\S+")
_WORDISH = re.compile(r"[\w\-]")
_NOT_WORDISH = re.compile(r"[^\w\-]")


class _LongNames:
    """Names of three words or more, found without a regular expression. As alternatives of the
    prefix-tree pattern the table's 2,500 such names (its full titles, in any case) cost 0.3 s of
    CPU to compile in every process, more than the rest of the table; here they cost a dictionary
    keyed by each name's second word, which must stand alone between white space in the text, as
    every inner word of such a name does. A hit obeys the patterns' rules: the first word may end a
    run of characters that is not a word ('"language models are ...'), the last may be followed by
    punctuation, and neither may run on into a word, a hyphen or a file name's extension; white
    space between words may be any run; ``fold`` compares in any case."""

    def __init__(self, names: list[str], *, fold: bool):
        self.fold = fold
        # second word -> first word -> (place among the names with that second word, the words):
        # a chunk of the text that is a second word is tried only with the first words the chunk
        # before it can end with, not with every name sharing the second word ("of": 51 names)
        self._by_second: dict[str, dict[str, list[tuple[int, tuple[str, ...]]]]] = {}
        places: dict[str, int] = {}
        for name in names:
            words = tuple(w.lower() for w in name.split()) if fold else tuple(name.split())
            place = places[words[1]] = places.get(words[1], -1) + 1
            self._by_second.setdefault(words[1], {}).setdefault(words[0], []).append((place, words))

    def spans(self, text: str) -> list[tuple[int, int]]:
        if not self._by_second:
            return []
        keys = _CHUNK.findall(text)
        if self.fold:
            keys = [k.lower() for k in keys]
        by_second = self._by_second
        seconds = [j for j in range(1, len(keys) - 1) if keys[j] in by_second]
        if not seconds:
            return []
        chunks = [(m.start(), m.end()) for m in _CHUNK.finditer(text)]
        fold = (lambda s: s.lower()) if self.fold else (lambda s: s)
        out = []
        for j in seconds:
            firsts = by_second[keys[j]]
            pa, pb = chunks[j - 1]
            # where a first word may start: the chunk's start, or after a character not of a word
            # (re's \w is what str.isalnum() says, and "_")
            found = []
            for start in (pa,) if text[pa:pb].isalnum() else \
                    [pa] + [m.end() for m in _NOT_WORDISH.finditer(text, pa, pb - 1)]:
                for place, words in firsts.get(fold(text[start:pb]), ()):
                    last = j + len(words) - 2
                    if last >= len(chunks) or len(words[0]) != pb - start:
                        continue
                    if any(fold(text[chunks[k][0]:chunks[k][1]]) != words[k - j + 1] for k in range(j + 1, last)):
                        continue
                    la, lb = chunks[last]
                    end = la + len(words[-1])
                    if end > lb or fold(text[la:end]) != words[-1] or _WORDISH.match(text, end) \
                            or (text.startswith(".", end) and re.match(r"\.\w", text[end:end + 2])):
                        continue
                    found.append((place, (start, end)))
            out += [span for _, span in sorted(found)]
        return out


_INNER_FUNCTION_WORDS = frozenset("of in on for to with via from by as at and or the a an is are not".split())


def _titled_phrase(name: str) -> bool:
    words = name.split()
    return len(words) >= 3 and any(w in _INNER_FUNCTION_WORDS for w in words[1:-1]) \
        and not re.search(r"['\u2019]s\b|\bet al\b|\bpaper$", name)


def _full_title(title: str) -> str:
    """A work's full title as one of its names: in any case ("language models are few-shot
    learners"), except a title of three words that is a plain noun phrase ("Natural Adversarial
    Examples", "Generative Adversarial Networks"), which prose also writes for the thing itself
    ("search for natural adversarial examples"): that one counts only capitalised as a title. A
    short title with an article or a preposition ("The Bitter Lesson", "the off-switch game") is
    a name in any case."""
    title = " ".join(title.split())
    words = title.split()
    if len(words) == 3 and not any(w.lower() in _INNER_FUNCTION_WORDS for w in words):
        return title if _has_upper(title) else title.lower()
    return title.lower()


def _split_at_case_turns(name: str) -> str | None:
    """"TruthfulQA" -> "Truthful QA", "AQuA" -> "AQu A"; None for a name without such a turn or
    with a space already."""
    if len(name) < 4 or " " in name or not re.fullmatch(r"[A-Za-z][\w\-]*", name):
        return None
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)
    return spaced if spaced != name else None


def _has_upper(name: str) -> bool:
    # a lower-case name (most folded names and titles) holds no capital: answered without a loop
    return not name.islower() and any(c.isupper() for c in name)


def _trie_body(names: list[str]) -> str:
    """The names as one regular expression shaped like a prefix tree ("Llama(?: 2)?" rather than
    "Llama 2|Llama"): a thousand names as a flat alternation are tried one by one at every
    position of the text (0.3-1.3 s over the evaluation documents), the tree reads each character
    once (20-25x faster, the same matches). Where one name is a prefix of another the longer is
    tried first, as the flat alternation sorted longest first did: at any position the names that
    fit are a chain of prefixes, so both orders agree. A space matches any run of white space."""
    root: dict = {}
    for name in set(names):
        node = root
        for token in re.findall(r" |[^ ]", name):
            node = node.setdefault(token, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [(r"\s+" if token == " " else re.escape(token)) + emit(child)
                    for token, child in sorted(node.items()) if token]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


@functools.lru_cache(maxsize=4)
def _patterns(exact: frozenset[str], folded: frozenset[str]) -> tuple[re.Pattern | None, re.Pattern | None, re.Pattern | None]:
    """The table's patterns: its names as written, its names in any case, and its names glued to
    a table's next cell. Building and compiling them is most of the 0.15 s an alias table costs,
    so the prefix tree of the names as written is built once for two of them, and a process that
    loads the same table again (a test, a server) reuses them. The patterns depend only on the
    sets of names (:func:`_trie_body` sorts them). The two trees' text is kept beside kb's bytecode
    with the names it was built from (:func:`_trie_bodies`), and the patterns compiled from it in
    ``kb mentions`` by :mod:`kb.regex_cache`."""
    body, folded_body = _trie_bodies(exact, folded)
    return (_bounded(body, 0) if body else None, _bounded(folded_body, re.I) if folded_body else None,
            _glued_alternation(body))


def _alternation(names: list[str], flags: int) -> re.Pattern | None:
    if not names:
        return None
    return _bounded(_trie_body(names), flags)


def _trie_bodies(exact: frozenset[str], folded: frozenset[str]) -> tuple[str | None, str | None]:
    """:func:`_trie_body` of the names as written and of the names in any case. Building the two
    trees was 0.025 s of every ``kb mentions``; they are kept (:mod:`kb.pycache`) with the sorted
    names they came from, stamped with this module's code, and read back when the names are the
    same (a user's aliases change them; the file then holds the new ones)."""
    from kb import pycache

    names = (sorted(exact), sorted(folded))
    path = pycache.cache_path("alias_tries")
    stamp = b"kb-alias-tries-1 %d" % zlib.crc32(Path(__file__).read_bytes())
    kept = pycache.read(path, stamp)
    if isinstance(kept, tuple) and len(kept) == 3 and kept[0] == names:
        return kept[1], kept[2]
    bodies = tuple(_trie_body(n) if n else None for n in names)
    if pycache.may_write():
        pycache.write(path, stamp, (names, *bodies))
    return bodies


def _bounded(body: str, flags: int) -> re.Pattern:
    """Names (a :func:`_trie_body`) as whole words of the text."""
    return re.compile(rf"(?<![\w\-])(?:{body})(?![\w\-]|\.\w)", flags)


def _glued_alternation(body: str | None) -> re.Pattern | None:
    if body is None:
        return None
    # the first cell of a line (or the second of "A/B"), then a capitalised word and a lower-case one
    return re.compile(rf"(?m)^[ \t]*(?:[\w\-]{{2,20}}/)?({body})(?=[A-Z][a-z]*\s+[a-z])")


def add_user_alias(names: list[str], *, id: str | None = None, title: str | None = None,
                   year: int | None = None, kind: str = "paper", path: Path | None = None) -> Alias:
    """Append one alias to the user's alias file and return it."""
    names = [" ".join(n.split()) for n in names if n and n.strip()]
    if not names:
        raise UsageError("give at least one nickname")
    if kind not in KINDS:
        raise UsageError(f"--kind must be one of {', '.join(KINDS)}")
    pid = normalise_id(id) if id else None
    if kind == "paper" and not pid and not title:
        raise UsageError("a paper alias needs --id (or --title to match the exact title)")
    path = path or user_path()
    lines = ["", "[[alias]]", "names = [" + ", ".join(json.dumps(n, ensure_ascii=False) for n in names) + "]"]
    if kind != "paper":
        lines.append(f'kind = "{kind}"')
    if pid:
        lines.append(f'id = "{pid}"')
    elif kind == "paper":
        lines.append('match = "title"')
    if title:
        lines.append("title = " + json.dumps(title, ensure_ascii=False))
    if year:
        lines.append(f"year = {int(year)}")
    _parse(path, "user")  # a malformed or unreadable file is reported, never appended to
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text(encoding="utf-8") if path.exists() else (
        "# Your own nicknames for works; same format as kb's data/aliases.toml.\n")
    candidate = existing.rstrip("\n") + "\n" + "\n".join(lines) + "\n"
    tomllib.loads(candidate)  # never write a file we could not read back
    from kb.output.atomic_write import atomic_write

    atomic_write(path, candidate)
    return Alias(tuple(names), pid, title, year, kind, None if pid else ("title" if kind == "paper" else None),
                 frozenset(), "user")
