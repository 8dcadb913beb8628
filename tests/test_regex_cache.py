"""Compiled regular expressions kept between processes (kb/regex_cache.py, kb/pycache.py): a
pattern built from the file must be the pattern ``re`` compiles, and the extraction's answer the
same with the file as without it."""

from __future__ import annotations

import re
from re import _compiler

import pytest

from kb import pycache, regex_cache
from kb.grounding.mentions import extract
from kb.settings import PROJECT_ROOT

pytestmark = pytest.mark.skipif(not regex_cache._usable(), reason="re's internals differ in this Python")

DOC = PROJECT_ROOT / "data" / "seeds"


@pytest.fixture(autouse=True)
def _fresh_re_cache():
    """Each test compiles its patterns anew (an earlier test's would be found in re's cache)."""
    re.purge()


@pytest.fixture
def text() -> str:
    return "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(DOC.glob("*.txt"))[:2])


def _run(text, path, aliases):
    with regex_cache.kept_patterns(path, write=True):
        return [m.__dict__ for m in extract(text, aliases=aliases)]


def test_every_kept_pattern_is_the_one_re_compiles(tmp_path, text, aliases):
    """The extraction's patterns, written by one run and read by the next, equal re's own compile
    of their text and flags (``Pattern.__eq__`` compares flags and code), and the mentions found
    with the kept patterns are the ones found without them."""
    path = tmp_path / "regex.marshal"
    re.purge()
    first = _run(text, path, aliases)
    kept = regex_cache.load(path)
    assert len(kept) > 30            # the patterns compiled while extracting (module ones were compiled at import)
    for (pattern, flags), entry in kept.items():
        assert regex_cache.compiled(pattern, entry) == _compiler.compile(pattern, flags), pattern[:80]
    re.purge()
    seeded = regex_cache.seed(kept)
    assert len(seeded) == len(kept)
    assert [m.__dict__ for m in extract(text, aliases=aliases)] == first
    re.purge()
    assert _run(text, path, aliases) == first


def test_a_second_run_writes_nothing_and_new_patterns_are_added(tmp_path, text, aliases):
    path = tmp_path / "regex.marshal"
    re.purge()
    _run(text, path, aliases)
    before = path.stat().st_mtime_ns, path.read_bytes()
    re.purge()
    _run(text, path, aliases)
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before   # nothing new: the file is left alone
    with regex_cache.kept_patterns(path, write=True):
        re.compile(r"zq(?P<x>x+)y\b")
    added = regex_cache.load(path)[(r"zq(?P<x>x+)y\b", 0)]
    assert regex_cache.compiled(r"zq(?P<x>x+)y\b", added).groupindex == {"x": 1}


def test_past_its_limit_the_file_keeps_its_first_run_s_patterns(tmp_path, monkeypatch):
    """The first run's patterns (most of them every run's) stay; those added later (mostly other
    documents') go first, and are handed to re first, so that re's cache drops them first."""
    path = tmp_path / "regex.marshal"
    monkeypatch.setattr(regex_cache, "MAX_PATTERNS", 3)

    def run(*patterns):
        with regex_cache.kept_patterns(path, write=True):
            for p in patterns:
                re.compile(p)
        return [set(part) for part in regex_cache.load_parts(path)]

    a, b, c = "kbtest-a-[a-z]+", "kbtest-b{}-[a-z]+", "kbtest-c-[a-z]+"
    assert run(a) == [{(a, 0)}, set()]
    assert run(b.format(0), b.format(1)) == [{(a, 0)}, {(b.format(0), 0), (b.format(1), 0)}]
    re.purge()
    with regex_cache.kept_patterns(path, write=False):
        order = [p for _, p, _ in re._cache]
    assert order.index(b.format(0)) < order.index(a)
    assert run(c) == [{(a, 0)}, {(c, 0)}]
    d = [f"kbtest-d{i}-[a-z]+" for i in range(3)]
    assert run(*d) == [{(p, 0) for p in d}, set()]      # kb's own patterns changed: a new first run


def test_a_damaged_or_foreign_file_is_ignored(tmp_path, monkeypatch):
    path = tmp_path / "regex.marshal"
    with regex_cache.kept_patterns(path, write=True):
        re.compile("kbtest-c-[a-z]+")
    good = path.read_bytes()
    assert regex_cache.load(path)
    path.write_bytes(good[:-5] + b"xxxxx")            # the CRC no longer matches
    assert regex_cache.load(path) == {}
    path.write_bytes(good)
    monkeypatch.setattr(regex_cache.sys, "version", "3.99.0 (another Python)")
    assert regex_cache.load(path) == {}
    path.write_bytes(b"junk")
    assert regex_cache.load(path) == {}
    monkeypatch.undo()
    path.write_bytes(good)
    re.purge()
    with regex_cache.kept_patterns(path, write=False):
        assert re.compile("kbtest-c-[a-z]+").match("kbtest-c-abc")


def test_nothing_is_written_where_python_writes_no_bytecode(tmp_path, monkeypatch):
    path = tmp_path / "regex.marshal"
    monkeypatch.setattr(pycache.sys, "dont_write_bytecode", True)
    with regex_cache.kept_patterns(path):
        re.compile("kbtest-d-[a-z]+")
    assert not path.exists()
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    assert not pycache.write(tmp_path / "a-file" / "under-it", b"s", 1)   # a place it cannot write: no error


def test_the_cache_lives_beside_kb_s_bytecode(monkeypatch, tmp_path):
    assert pycache.cache_path("regex") == PROJECT_ROOT / "kb" / "__pycache__" / f"regex.{pycache.sys.implementation.cache_tag}.marshal"
    monkeypatch.setattr(pycache.sys, "pycache_prefix", str(tmp_path))
    assert pycache.cache_path("regex").is_relative_to(tmp_path)



def test_a_pattern_compiled_in_the_block_is_parsed_once(tmp_path, monkeypatch):
    """The block's compiler keeps what it compiles: a first run does not parse its patterns twice."""
    parsed = []
    parse = regex_cache._parser.parse
    monkeypatch.setattr(regex_cache._parser, "parse", lambda p, flags=0, *a: parsed.append(p) or parse(p, flags, *a))
    path = tmp_path / "regex.marshal"
    original = re._compiler.compile
    with regex_cache.kept_patterns(path, write=True):
        assert re.compile("kbtest-e-(?P<w>[a-z]+)").match("kbtest-e-ok").group("w") == "ok"
    assert parsed.count("kbtest-e-(?P<w>[a-z]+)") == 1
    assert ("kbtest-e-(?P<w>[a-z]+)", 0) in regex_cache.load(path)
    assert re._compiler.compile is original           # re's own compiler again after the block


def _freeze_count_after(tmp_path, *args: str) -> int:
    """How many objects a whole `kb ARGS` process (run through `cli.main`, as the `kb` program
    is) had frozen when `main` returned."""
    import os
    import subprocess
    import sys

    code = ("import gc, sys, cli\nsys.argv = ['kb', *sys.argv[1:]]\ntry:\n    cli.main()\nexcept SystemExit:\n"
            "    pass\nsys.stderr.write(f'FROZEN {gc.get_freeze_count()}\\n')\n")
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "KB_HOME": str(tmp_path / "home")})
    line = [x for x in proc.stderr.splitlines() if x.startswith("FROZEN ")]
    assert line, proc.stderr[-2000:]
    return int(line[-1].split()[1])


def test_only_kb_mentions_freezes_its_objects_on_the_way_out(tmp_path):
    """`kb mentions` skips Python's last full collections (it writes only standard output);
    every other command ends as Python ends, so a store or file it leaves closes normally."""
    doc = tmp_path / "doc.txt"
    doc.write_text("As Hubinger et al. (2019) argue in Risks from Learned Optimization, mesa-optimizers may arise.\n")
    assert _freeze_count_after(tmp_path, "mentions", str(doc), "--json") > 0
    assert _freeze_count_after(tmp_path, "--help") == 0
    assert _freeze_count_after(tmp_path, "mentions", str(tmp_path / "missing.txt")) == 0
