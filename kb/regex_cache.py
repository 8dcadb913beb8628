"""Compiled regular expressions kept between processes, as Python keeps bytecode.

``kb mentions`` is a short process that compiles about 450 regular expressions (the alias
table's prefix trees, the name classes of the author routes, the acronym and cue patterns), and
Python's ``re`` parses and compiles each in Python code: 0.35 s of the command's 0.75 s of CPU on
a 10k-word document, every run. The compiled form (the ``_sre`` code a pattern becomes) depends
only on the pattern's text, its flags and the Python that compiled it, so it is kept in a
:mod:`kb.pycache` file (``kb/__pycache__/regex.<cache tag>.marshal``) and handed to ``re``'s own
cache at the next start: a pattern found there is built from its code in C, and every
``re.compile``/``re.search`` in kb finds it unchanged. A pattern not in the file (changed code,
another document's acronyms, a user's aliases) is compiled as always, kept as it is compiled, and
added when the block ends. The file keeps the first run's patterns (every run compiles most of
them) apart from those added later, which are mostly other documents' (their acronyms, their
surnames): past :data:`MAX_PATTERNS` the later ones are dropped, and those are handed to ``re``
first, so that ``re``'s cache, which drops its oldest entry for each pattern it compiles once it
holds 512, drops them before the ones every run needs.

It leans on ``re``'s internals (its ``_cache`` dict, ``_compiler.compile`` and the steps inside
it, ``_parser.parse``, ``_compiler._code`` and ``_sre.compile``, the same in CPython 3.11 to
3.13), so the file is stamped with ``sys.version`` and the ``_sre`` code's version; where the
internals are missing :func:`kept_patterns` does nothing and every pattern is compiled as before.
tests/test_regex_cache.py checks that each pattern built from the file equals the one ``re``
compiles (``Pattern.__eq__`` compares the code).
"""

from __future__ import annotations

import re
import sys
from contextlib import contextmanager
from pathlib import Path

from kb import pycache

try:
    import _sre
    from re import _compiler, _parser
except ImportError:  # not CPython: no cache
    _sre = None

#: Past this many patterns the file drops those added after its first run (a document adds a few).
MAX_PATTERNS = 700

_NAME = "regex"


def _stamp() -> bytes:
    """What the kept code depends on: the file's layout, the Python and its ``_sre`` code version."""
    return repr(("kb-regex-2", sys.version, getattr(_sre, "MAGIC", None), getattr(_sre, "CODESIZE", None))).encode()


def _usable() -> bool:
    return _sre is not None and isinstance(getattr(re, "_cache", None), dict)


def load_parts(path: Path | None) -> tuple[dict, dict]:
    """The file's entries, the first run's and those added since, each ``{(pattern, flags):
    (final flags, code, groups, groupindex, indexgroup)}``; empty when the file is missing,
    damaged or from another Python."""
    parts = pycache.read(path, _stamp()) if _usable() else None
    if isinstance(parts, tuple) and len(parts) == 2 and all(isinstance(p, dict) for p in parts):
        return parts
    return {}, {}


def load(path: Path | None) -> dict:
    """All the file's entries (:func:`load_parts`) in one dict."""
    first, later = load_parts(path)
    return {**first, **later}


def entry_for(pattern: str, flags: int) -> tuple:
    """What the file keeps for one pattern: the arguments ``re``'s compiler hands to ``_sre``
    (``re._compiler.compile``, step by step), as plain ints, lists, dicts and tuples."""
    parsed = _parser.parse(pattern, flags)
    code = [int(c) for c in _compiler._code(parsed, flags)]
    groupindex = {str(k): int(v) for k, v in parsed.state.groupdict.items()}
    indexgroup = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return int(flags | parsed.state.flags), code, parsed.state.groups - 1, groupindex, tuple(indexgroup)


def compiled(pattern: str, entry: tuple) -> re.Pattern:
    """The pattern ``re.compile`` returns, built from its kept entry."""
    final_flags, code, groups, groupindex, indexgroup = entry
    return _sre.compile(pattern, final_flags, code, groups, groupindex, indexgroup)


def seed(entries: dict) -> set:
    """Put the entries' patterns into ``re``'s cache; returns the keys put there."""
    seeded = set()
    for (pattern, flags), entry in entries.items():
        key = (str, pattern, flags)
        if key in re._cache:
            continue
        try:
            re._cache[key] = compiled(pattern, entry)
        except (TypeError, ValueError, RuntimeError, OverflowError):  # code this Python does not take
            continue
        seeded.add(key)
    return seeded


@contextmanager
def kept_patterns(path: Path | None = None, *, write: bool | None = None):
    """Within the block, patterns compiled by earlier processes come from ``path`` (default:
    :func:`kb.pycache.cache_path`), and the ones compiled inside are added to the file on leaving
    it (when ``write``, default: where Python writes bytecode). While the block runs, ``re``'s
    compiler is :func:`entry_for` then :func:`compiled`, so that a pattern compiled here is kept
    without being compiled twice: a first run costs what it did before the file, plus its write."""
    path = path if path is not None else pycache.cache_path(_NAME)
    if path is None or not _usable():
        yield
        return
    first, later = load_parts(path)
    seed(later)                       # re's cache drops the entries it took first
    seed(first)
    new: dict = {}
    original = _compiler.compile

    def compile_and_keep(p, flags=0):
        if not isinstance(p, str) or flags & re.DEBUG:
            return original(p, flags)
        entry = entry_for(p, flags)
        new[(p, int(flags))] = entry
        return compiled(p, entry)

    _compiler.compile = compile_and_keep
    try:
        yield
    finally:
        _compiler.compile = original
    new = {key: entry for key, entry in new.items() if key not in first}
    if not new or not (pycache.may_write() if write is None else write):
        return
    if not first:
        first, later = new, {}
    elif len(first) + len(later) + len(new) <= MAX_PATTERNS:
        later = {**later, **new}
    elif len(first) + len(new) <= MAX_PATTERNS:
        later = new
    else:                             # the first run's patterns are not kb's any more (kb changed)
        first, later = new, {}
    pycache.write(path, _stamp(), (first, later))
