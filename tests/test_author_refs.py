"""The author-reference module on its own: it loads without ``mentions`` loaded first, and its
lazily compiled patterns behave as compiled ones."""

from __future__ import annotations

import re
import subprocess
import sys

from kb.grounding.author_refs import LazyPattern


def test_a_lazy_pattern_compiles_on_first_use_and_matches_like_a_compiled_one():
    lazy = LazyPattern(r"(\w+) et al\.", re.I)
    assert "finditer" not in vars(lazy)
    text = "As Roe ET AL. and Fenn et al. showed"
    assert [m.group(1) for m in lazy.finditer(text)] == ["Roe", "Fenn"]
    assert lazy.search(text, 10).group(1) == "Fenn" and lazy.match(text) is None
    assert "finditer" in vars(lazy)       # kept: later uses do not compile again


def test_the_module_imports_first_and_after_mentions():
    for first in ("kb.grounding.author_refs", "kb.grounding.mentions"):
        code = (f"import {first}\nfrom kb.grounding.mentions import extract\n"
                "print([m.surface for m in extract('As Roe and Fenn (2019) showed, it drifts.')])")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        assert "Roe and Fenn (2019)" in out
