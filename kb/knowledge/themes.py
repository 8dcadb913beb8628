"""The alignment-theme taxonomy: reading it, keeping the store in step with it, and asking
the store which papers carry a theme.

The taxonomy is a TOML file the user owns (``data/themes.toml``, or the file named by
``KB_THEMES``); the store's ``theme`` table mirrors it so that SQL can join on themes. Tags
live in ``paper_theme`` with one row per source; the view ``paper_theme_effective`` applies
the precedence rule (a manual tag, positive or negative, beats every automatic one). Queries
by theme always include sub-themes, because a reader asking for "interpretability" expects
the sparse-autoencoder papers too.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import ConfigError, UsageError
from kb.settings import DATA_DIR

DEFAULT_THEMES_FILE = DATA_DIR / "themes.toml"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SOURCES = ("manual", "rule", "model", "graph")
AUTO_SOURCES = ("rule", "model", "graph")
EFFECTIVE_VIEW = "paper_theme_effective"


@dataclass(frozen=True)
class Theme:
    slug: str
    name: str
    description: str = ""
    parent: str | None = None
    keywords: tuple[str, ...] = ()
    renamed_from: tuple[str, ...] = ()
    forum_tags: tuple[str, ...] = ()   # forum tags that speak for this theme (lower case)


@dataclass(frozen=True)
class Thresholds:
    """When an automatic source's score is enough to tag a paper.

    ``rule``: keyword score (a distinct mention counts 1.5 in the title, 1 in abstract/TLDR;
    overlapping phrases of a theme are one mention). ``rule_confident``: rule score trusted
    enough to train the model on. ``model``: threshold of the combined model score for themes
    the labelled works cannot calibrate (calibrated themes get their own, see
    kb.knowledge.theme_model). ``graph``: share of a paper's cited and citing papers carrying
    the theme, with at least ``graph_min`` such papers.
    """

    rule: float = 2.0
    rule_confident: float = 3.0
    model: float = 0.0
    graph: float = 0.5
    graph_min: int = 3

    def replace(self, **changes) -> "Thresholds":
        values = {k: getattr(self, k) for k in self.__dataclass_fields__}
        values.update({k: v for k, v in changes.items() if v is not None})
        return Thresholds(**values)


@dataclass
class Taxonomy:
    themes: dict[str, Theme]
    thresholds: Thresholds = field(default_factory=Thresholds)
    path: Path | None = None

    def __contains__(self, slug: str) -> bool:
        return slug in self.themes

    def children(self, slug: str) -> list[str]:
        return [t.slug for t in self.themes.values() if t.parent == slug]

    def descendants(self, slug: str) -> list[str]:
        """``slug`` and every theme below it, parents before children."""
        out, todo = [], [slug]
        while todo:
            current = todo.pop(0)
            if current in out:
                continue
            out.append(current)
            todo.extend(self.children(current))
        return out

    def ancestors(self, slug: str) -> list[str]:
        """Every theme above ``slug``, nearest first."""
        out = []
        parent = self.themes[slug].parent if slug in self.themes else None
        while parent and parent not in out:
            out.append(parent)
            parent = self.themes[parent].parent if parent in self.themes else None
        return out

    def depth(self, slug: str) -> int:
        return len(self.ancestors(slug))

    def ordered(self) -> list[Theme]:
        """Themes as a tree walk (each parent followed by its sub-themes), file order within."""
        out: list[Theme] = []

        def walk(parent: str | None) -> None:
            for t in self.themes.values():
                if t.parent == parent:
                    out.append(t)
                    walk(t.slug)

        walk(None)
        return out

    def resolve(self, slug: str) -> str:
        """The current slug for ``slug`` (following ``renamed_from``); UsageError if unknown."""
        if slug in self.themes:
            return slug
        for t in self.themes.values():
            if slug in t.renamed_from:
                return t.slug
        raise UsageError(unknown_theme_message(slug, self.themes.values()))


def unknown_theme_message(slug: str, themes: Iterable[Theme]) -> str:
    themes = list(themes)
    names = {t.slug: t.slug for t in themes}
    names.update({t.name.lower(): t.slug for t in themes})
    close = [names[m] for m in difflib.get_close_matches(slug.lower(), list(names), n=5, cutoff=0.5)]
    close += [t.slug for t in themes if slug.lower() in t.slug or slug.lower() in t.name.lower()]
    close = list(dict.fromkeys(close))[:5]
    hint = f"; did you mean: {', '.join(close)}?" if close else "; see `kb theme list`"
    return f"unknown theme {slug!r}{hint}"


# -- the taxonomy file --------------------------------------------------------------------------

def themes_path(env: dict[str, str] | None = None) -> Path:
    """The taxonomy file: ``KB_THEMES`` if set, else the one shipped in ``data/``."""
    env = os.environ if env is None else env
    return Path(env.get("KB_THEMES") or DEFAULT_THEMES_FILE)


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    path = Path(path) if path is not None else themes_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no themes file (set KB_THEMES or create it)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_taxonomy(text, path)


def parse_taxonomy(text: str, path: Path | str = "<themes>") -> Taxonomy:
    path = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None

    def fail(message: str, slug: str | None = None) -> ConfigError:
        line = _line_of(text, slug) if slug else None
        where = f"{path}:{line}" if line else str(path)
        return ConfigError(f"{where}: {message}")

    unknown_top = set(data) - {"theme", "tagging"}
    if unknown_top:
        raise fail(f"unknown section(s) {sorted(unknown_top)}; expected [theme.SLUG] and [tagging]")
    raw = data.get("theme", {})
    if not isinstance(raw, dict):
        raise fail("`theme` must be a table of [theme.SLUG] sections")
    themes: dict[str, Theme] = {}
    allowed = {"name", "description", "parent", "keywords", "renamed_from", "forum_tags"}
    for slug, body in raw.items():
        if not SLUG.match(slug):
            raise fail(f"theme slug {slug!r} must be lowercase letters, digits and dashes", slug)
        if not isinstance(body, dict):
            raise fail(f"theme {slug!r} must be a table", slug)
        extra = set(body) - allowed
        if extra:
            raise fail(f"theme {slug!r}: unknown key(s) {sorted(extra)}", slug)
        keywords = body.get("keywords", [])
        renamed = body.get("renamed_from", [])
        if isinstance(renamed, str):
            renamed = [renamed]
        forum_tags = body.get("forum_tags", [])
        for key, value in (("keywords", keywords), ("renamed_from", renamed), ("forum_tags", forum_tags)):
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise fail(f"theme {slug!r}: {key} must be a list of non-empty strings", slug)
        for key in ("name", "description", "parent"):
            if key in body and not isinstance(body[key], str):
                raise fail(f"theme {slug!r}: {key} must be a string", slug)
        themes[slug] = Theme(
            slug=slug,
            name=(body.get("name") or slug.replace("-", " ")).strip(),
            description=" ".join(str(body.get("description", "")).split()),
            parent=body.get("parent") or None,
            keywords=tuple(k.strip().lower() for k in keywords),
            renamed_from=tuple(renamed),
            forum_tags=tuple(t.strip().lower() for t in forum_tags),
        )
    for t in themes.values():
        if t.parent is not None and t.parent not in themes:
            raise fail(f"theme {t.slug!r}: parent {t.parent!r} is not a theme", t.slug)
        seen, parent = {t.slug}, t.parent
        while parent:
            if parent in seen:
                raise fail(f"theme {t.slug!r}: parent chain loops through {parent!r}", t.slug)
            seen.add(parent)
            parent = themes[parent].parent
        for old in t.renamed_from:
            if old in themes:
                raise fail(f"theme {t.slug!r}: renamed_from {old!r} is still a theme", t.slug)
    tagging = data.get("tagging", {})
    if not isinstance(tagging, dict):
        raise fail("[tagging] must be a table")
    known = set(Thresholds.__dataclass_fields__)
    bad = set(tagging) - known
    if bad:
        raise fail(f"[tagging]: unknown key(s) {sorted(bad)}; known: {sorted(known)}")
    for key, value in tagging.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise fail(f"[tagging]: {key} must be a number")
    thresholds = Thresholds().replace(**tagging)
    return Taxonomy(themes=themes, thresholds=thresholds, path=path)


def _line_of(text: str, slug: str) -> int | None:
    pattern = re.compile(rf"^[ \t]*\[[ \t]*theme\.{re.escape(slug)}[ \t]*\]", re.M)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


# -- editing the taxonomy file (text edits keep the user's comments and layout) --------------

def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _block_span(text: str, slug: str) -> tuple[int, int] | None:
    header = re.compile(rf"^[ \t]*\[[ \t]*theme\.{re.escape(slug)}[ \t]*\][^\n]*\n?", re.M)
    match = header.search(text)
    if not match:
        return None
    nxt = re.compile(r"^[ \t]*\[", re.M).search(text, match.end())
    return match.start(), (nxt.start() if nxt else len(text))


def add_theme(path: Path, slug: str, name: str | None = None, description: str = "",
              parent: str | None = None, keywords: Sequence[str] = ()) -> Theme:
    """Append a theme to the taxonomy file; the file stays valid or is left untouched."""
    taxonomy = load_taxonomy(path)
    if not SLUG.match(slug):
        raise UsageError(f"theme slug {slug!r} must be lowercase letters, digits and dashes")
    if slug in taxonomy:
        raise UsageError(f"theme {slug!r} already exists in {path}")
    if parent is not None and parent not in taxonomy:
        raise UsageError(unknown_theme_message(parent, taxonomy.themes.values()) + " (as parent)")
    lines = [f"\n[theme.{slug}]", f"name = {_toml_str(name or slug.replace('-', ' '))}",
             f"description = {_toml_str(' '.join(description.split()))}"]
    if parent:
        lines.append(f"parent = {_toml_str(parent)}")
    lines.append("keywords = [" + ", ".join(_toml_str(k) for k in keywords) + "]")
    text = Path(path).read_text(encoding="utf-8")
    new_text = text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"
    result = parse_taxonomy(new_text, path)
    _write(path, new_text)
    return result.themes[slug]


def remove_theme(path: Path, slug: str) -> list[str]:
    """Delete a theme's section; its sub-themes move up to its parent. Returns those moved."""
    taxonomy = load_taxonomy(path)
    if slug not in taxonomy:
        raise UsageError(unknown_theme_message(slug, taxonomy.themes.values()))
    text = Path(path).read_text(encoding="utf-8")
    start, end = _block_span(text, slug)
    text = text[:start] + text[end:]
    new_parent = taxonomy.themes[slug].parent
    moved = taxonomy.children(slug)
    for child in moved:
        text = _set_key(text, child, "parent", _toml_str(new_parent) if new_parent else None)
    parse_taxonomy(text, path)
    _write(path, text)
    return moved


def rename_theme(path: Path, old: str, new: str) -> None:
    """Give a theme a new slug and remember the old one (``renamed_from``), so the store moves
    its tags over on the next sync instead of dropping them."""
    taxonomy = load_taxonomy(path)
    if old not in taxonomy:
        raise UsageError(unknown_theme_message(old, taxonomy.themes.values()))
    if not SLUG.match(new):
        raise UsageError(f"theme slug {new!r} must be lowercase letters, digits and dashes")
    if new in taxonomy:
        raise UsageError(f"theme {new!r} already exists in {path}")
    text = Path(path).read_text(encoding="utf-8")
    start, _ = _block_span(text, old)
    header_end = text.index("\n", start) + 1 if "\n" in text[start:] else len(text)
    text = text[:start] + f"[theme.{new}]\n" + text[header_end:]
    previous = list(taxonomy.themes[old].renamed_from) + [old]
    text = _set_key(text, new, "renamed_from", "[" + ", ".join(_toml_str(s) for s in previous) + "]")
    for child in taxonomy.children(old):
        text = _set_key(text, child, "parent", _toml_str(new))
    parse_taxonomy(text, path)
    _write(path, text)


def _write(path: Path, text: str) -> None:
    """Replace the taxonomy file atomically: a kill mid-write must not truncate it."""
    from kb.output.atomic_write import atomic_write

    atomic_write(Path(path), text)


def _set_key(text: str, slug: str, key: str, value: str | None) -> str:
    """Set (or with ``value=None`` delete) one single-line ``key = value`` in a theme section."""
    start, end = _block_span(text, slug)
    block = text[start:end]
    pattern = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=[^\n]*\n?", re.M)
    if pattern.search(block):
        block = pattern.sub("" if value is None else f"{key} = {value}\n", block, count=1)
    elif value is not None:
        header_end = block.index("\n") + 1 if "\n" in block else len(block)
        prefix = block[:header_end] if block[:header_end].endswith("\n") else block[:header_end] + "\n"
        block = prefix + f"{key} = {value}\n" + block[header_end:]
    return text[:start] + block + text[end:]


# -- keeping the store in step ------------------------------------------------------------------

@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str, int]] = field(default_factory=list)  # (old, new, tags moved)
    removed: list[tuple[str, int, int]] = field(default_factory=list)  # (slug, auto dropped, manual kept)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.renamed or self.removed)

    def notes(self) -> list[str]:
        """What a user should hear about: tags that moved or were dropped."""
        lines = [f"theme {old} is now {new} ({moved} tags moved)" for old, new, moved in self.renamed]
        lines += [f"theme {slug} is gone from the taxonomy: {dropped} automatic tags dropped, "
                  f"{kept} manual tags kept (re-add the theme to restore them, or "
                  "`kb tag rm --forget`)" for slug, dropped, kept in self.removed if kept]
        return lines


def sync_taxonomy(store, taxonomy: Taxonomy) -> SyncReport:
    """Make the store's ``theme`` table match the file.

    A theme renamed in the file (``renamed_from``) carries all its tags to the new slug. A
    theme gone from the file loses its automatic tags (nothing would recompute them), but its
    manual tags are kept on a retired row, reported, and come back if the theme is re-added.
    """
    from kb.store import utc_now

    report = SyncReport()
    now = utc_now()
    with store.transaction() as conn:
        existing = {r["slug"]: r for r in conn.execute("SELECT * FROM theme")}
        for theme in taxonomy.themes.values():
            for old in theme.renamed_from:
                if old in existing and old not in taxonomy.themes:
                    moved = _move_tags(conn, old, theme.slug)
                    conn.execute("DELETE FROM theme WHERE slug = ?", (old,))
                    existing.pop(old)
                    report.renamed.append((old, theme.slug, moved))
        for theme in taxonomy.themes.values():
            values = (theme.name, theme.description, theme.parent,
                      json.dumps(list(theme.keywords), ensure_ascii=False))
            row = existing.get(theme.slug)
            if row is None:
                conn.execute(
                    "INSERT INTO theme (slug, name, description, parent, keywords, retired, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, 0, ?)", (theme.slug, *values, now))
                report.added.append(theme.slug)
            elif (row["name"], row["description"], row["parent"], row["keywords"]) != values or row["retired"]:
                conn.execute(
                    "UPDATE theme SET name = ?, description = ?, parent = ?, keywords = ?, retired = 0,"
                    " updated_at = ? WHERE slug = ?", (*values, now, theme.slug))
                report.updated.append(theme.slug)
        for slug, row in existing.items():
            if slug in taxonomy.themes:
                continue
            dropped = conn.execute(
                "DELETE FROM paper_theme WHERE theme = ? AND source != 'manual'", (slug,)).rowcount
            kept = conn.execute(
                "SELECT count(*) FROM paper_theme WHERE theme = ?", (slug,)).fetchone()[0]
            if kept:
                if not row["retired"] or dropped:
                    conn.execute("UPDATE theme SET retired = 1, updated_at = ? WHERE slug = ?", (now, slug))
                    report.removed.append((slug, dropped, kept))
            else:
                conn.execute("DELETE FROM theme WHERE slug = ?", (slug,))
                report.removed.append((slug, dropped, 0))
        # Tags whose theme never had a row (e.g. written before a sync) are left alone: they
        # surface as retired themes on the next sync that sees them.
    return report


def _move_tags(conn, old: str, new: str) -> int:
    before = conn.total_changes
    conn.execute(
        "INSERT OR IGNORE INTO paper_theme (paper, theme, source, score, negative, updated_at)"
        " SELECT paper, ?, source, score, negative, updated_at FROM paper_theme WHERE theme = ?",
        (new, old))
    moved = conn.total_changes - before
    conn.execute("DELETE FROM paper_theme WHERE theme = ?", (old,))
    return moved


def open_synced(db_path, taxonomy: Taxonomy | None = None):
    """The store at ``db_path`` opened for writing, its themes in step with the taxonomy file,
    and what the sync changed: every command that writes tags or themes starts here, so a
    rename in the file is honoured before any tag is written. Returns (store, taxonomy,
    report); the caller closes the store."""
    from kb.errors import StoreError
    from kb.store import Store
    from kb.store.base import store_exists

    taxonomy = taxonomy or load_taxonomy()
    if not store_exists(db_path):
        raise StoreError(f"no store at {db_path}; run `kb seed add` or `kb crawl` first")
    store = Store(db_path)
    try:
        report = sync_taxonomy(store, taxonomy)
    except BaseException:
        store.close()
        raise
    return store, taxonomy, report


# -- queries by theme ---------------------------------------------------------------------------

def effective_tags_sql(alias: str = "pt") -> str:
    """The condition under which a ``paper_theme`` row (aliased ``alias``) is a tag the reader
    sees: a positive manual row, or an automatic row of a (paper, theme) with no manual row."""
    return (f"{alias}.negative = 0 AND ({alias}.source = 'manual' OR NOT EXISTS ("
            f"SELECT 1 FROM paper_theme m_ WHERE m_.paper = {alias}.paper AND m_.theme = {alias}.theme"
            f" AND m_.source = 'manual'))")


def theme_slugs_for_filter(taxonomy: Taxonomy, slugs: str | Sequence[str]) -> list[str]:
    """Every slug a filter on ``slugs`` must match: each theme, its sub-themes, and their former
    slugs (so a rename in the file is honoured before the store has been synced)."""
    if isinstance(slugs, str):
        slugs = [s for s in re.split(r"[,\s]+", slugs) if s]
    out: list[str] = []
    for slug in slugs:
        for s in taxonomy.descendants(taxonomy.resolve(slug)):
            out.append(s)
            out.extend(taxonomy.themes[s].renamed_from)
    return list(dict.fromkeys(out))


def theme_filter(store, slug: str | Sequence[str], alias: str = "p",
                 taxonomy: Taxonomy | None = None, *, per_row: bool = False) -> tuple[str, list]:
    """An SQL condition on ``paper {alias}`` selecting papers tagged with ``slug`` (or any of a
    comma-separated list) or one of their sub-themes, and its parameters.

    The default form gathers the theme's papers once (best when the theme's papers drive the
    query); ``per_row`` checks each candidate row by the tag table's key instead (best when
    another index drives it and stops after a few rows, as ``kb top`` does).
    Raises UsageError naming close matches for an unknown slug.
    """
    taxonomy = taxonomy or load_taxonomy()
    slugs = theme_slugs_for_filter(taxonomy, slug)
    marks = ", ".join("?" for _ in slugs)
    if per_row:
        sql = (f"EXISTS (SELECT 1 FROM paper_theme pt WHERE pt.paper = {alias}.id"
               f" AND pt.theme IN ({marks}) AND {effective_tags_sql('pt')})")
    else:
        sql = (f"{alias}.id IN (SELECT pt.paper FROM paper_theme pt WHERE pt.theme IN ({marks})"
               f" AND {effective_tags_sql('pt')})")
    return sql, list(slugs)


def tagged_at_least(store, slug: str | Sequence[str], count: int,
                    taxonomy: Taxonomy | None = None) -> bool:
    """Whether ``slug`` (with sub-themes) has at least ``count`` tag rows: reads at most
    ``count`` index entries, so it is cheap however large the theme is."""
    taxonomy = taxonomy or load_taxonomy()
    slugs = theme_slugs_for_filter(taxonomy, slug)
    marks = ", ".join("?" for _ in slugs)
    found = store.conn.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM paper_theme WHERE theme IN ({marks}) LIMIT ?) t",
        (*slugs, count)).fetchone()[0]
    return found >= count


def themes_of(store, paper_ids: Iterable[int]) -> dict[int, list[tuple[str, float, str]]]:
    """The effective tags of each paper (integer ids) as (slug, score, source), best first.
    Papers without tags are absent."""
    ids = list(dict.fromkeys(int(i) for i in paper_ids))
    out: dict[int, list[tuple[str, float, str]]] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        marks = ",".join("?" * len(chunk))
        rows = store.conn.execute(
            f"SELECT paper, theme, score, source FROM {EFFECTIVE_VIEW} WHERE paper IN ({marks})"
            " ORDER BY paper, (source = 'manual') DESC, score DESC, theme", chunk)
        for row in rows:
            out.setdefault(row[0], []).append((row[1], float(row[2]), row[3]))
    return out


def theme_counts(store, taxonomy: Taxonomy, years: tuple[int, int] | None = None) -> list[dict]:
    """Per theme (tree order): papers tagged directly, papers including sub-themes, and the
    latter per year, for ``kb themes``."""
    direct = dict(store.conn.execute(
        f"SELECT theme, count(*) FROM {EFFECTIVE_VIEW} GROUP BY theme").fetchall())
    out = []
    for theme in taxonomy.ordered():
        slugs = theme_slugs_for_filter(taxonomy, theme.slug)
        marks = ", ".join("?" for _ in slugs)
        rows = store.conn.execute(
            f"SELECT p.year, count(DISTINCT p.id) FROM paper p WHERE p.id IN (SELECT paper FROM"
            f" {EFFECTIVE_VIEW} WHERE theme IN ({marks})) GROUP BY p.year", slugs).fetchall()
        per_year = {r[0]: r[1] for r in rows}
        out.append({
            "slug": theme.slug, "name": theme.name, "parent": theme.parent,
            "depth": taxonomy.depth(theme.slug),
            "direct": sum(direct.get(s, 0) for s in [theme.slug, *theme.renamed_from]),
            "papers": sum(per_year.values()),
            "per_year": {y: n for y, n in sorted(per_year.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))},
        })
    return out


def retired_themes(store) -> list[dict]:
    """Themes gone from the file whose manual tags the store still keeps."""
    rows = store.conn.execute(
        "SELECT t.slug, t.name, count(pt.paper) AS manual FROM theme t"
        " LEFT JOIN paper_theme pt ON pt.theme = t.slug AND pt.source = 'manual'"
        " WHERE t.retired = 1 GROUP BY t.slug ORDER BY t.slug").fetchall()
    return [dict(r) for r in rows]
