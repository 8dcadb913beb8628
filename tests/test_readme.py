"""Every command in README.md's ``sh`` blocks runs as written, in order, against a store built
the way ``bash scripts/main.sh --standin`` builds it: `kb build` over data/seeds/*.txt against a
stand-in of the default kind (generated papers plus the real works at their real scale, the
forum stand-in beside it), KB_RATE raised. Three things are smaller than main.sh's so the test
stays quick: the request budget, the generated part of the corpus (3,000 papers instead of
20,000: every command the README shows names real works, which both corpora hold), and the real
works' citers (at most 200 each instead of their real tens of thousands; their references and
the lists' oddities stay real): a citation page of a famous work brought 1,000 new papers, so
the store grew to 15,000 papers and every automatic tagging of it (five of them) cost half as
much again. A fresh-clone run of main.sh itself checks the full size, and
tests/test_standin_scale.py the lists at real scale.

The README's last section, the bulk datasets ("Beyond the API"), starts from its own
`kb seed add` and needs nothing the sections before it stored, so it runs in
tests/test_readme_datasets.py against a store of its own: the two files run on the two
workers at once (each half takes minutes).

Lines that set up the environment rather than use kb (``bash scripts/...``, ``. .venv/bin/
activate``) are not run here: scripts/test.sh runs the first, and this test is the second. The
crontab and systemd blocks are configuration files, not commands.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shlex
from pathlib import Path

import pytest

from kb.settings import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
BUILD_REQUESTS = "40"
README_CORPUS_PAPERS = 3000
README_MAX_CITERS = 200


def readme_commands(text: str) -> list[str]:
    """The kb commands of the README's ``sh`` blocks, in order, one per `;`-separated part."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()  # a trailing comment
            for part in re.split(r";\s+", line):
                if re.match(r"(\w+=\S+\s+)*kb ", part):
                    commands.append(part)
    return commands


def readme_parts(text: str) -> tuple[list[str], list[str]]:
    """The commands before the bulk-datasets section, and the commands from it on."""
    commands = readme_commands(text)
    first = next((i for i, c in enumerate(commands) if " datasets " in f" {c} "), len(commands))
    return commands[:first], commands[first:]


def split_env(command: str) -> tuple[dict[str, str], str]:
    """The ``NAME=value`` assignments a command starts with, and the command after them."""
    env = {}
    while (m := re.match(r"(\w+)=(\S+)\s+", command)):
        env[m.group(1)] = m.group(2)
        command = command[m.end():]
    return env, command


def argv(command: str, cwd: Path) -> list[str]:
    """What a shell would pass: quotes removed, ~ and globs expanded (relative to ``cwd``)."""
    out = []
    for token in shlex.split(command)[1:]:
        token = os.path.expanduser(token)
        if any(c in token for c in "*?["):
            matches = sorted(glob.glob(str(cwd / token)))
            if matches:
                out += [str(Path(m).relative_to(cwd)) for m in matches]
                continue
        out.append(token)
    return out


def test_readme_lists_the_commands_it_documents():
    text = README.read_text(encoding="utf-8")
    commands = readme_commands(text)
    before_datasets, datasets = readme_parts(text)
    assert len(commands) > 25 and before_datasets + datasets == commands
    assert datasets[0].endswith("kb datasets pull papers citations abstracts tldrs")
    assert not [c for c in commands if re.search(r"\b(PAPER|THEME|ID|QUERY)\b", c)], \
        "placeholders cannot run as written"


@contextlib.contextmanager
def readme_world(home: Path, *, build: bool):
    """(store path, working directory, environment) with both stand-ins running, after `kb build`
    like main.sh --standin when ``build``; an empty store otherwise."""
    from kb.standin.forum.corpus import paper_targets
    from kb.standin.forum.server import create_forum_standin
    from kb.standin.server import create_standin
    from tests.cli_runner import invoke

    (home / "data").mkdir()
    os.symlink(PROJECT_ROOT / "data" / "seeds", home / "data" / "seeds")
    os.symlink(PROJECT_ROOT / "data" / "examples", home / "data" / "examples")
    standin = create_standin(port=0, papers=README_CORPUS_PAPERS, max_citers=README_MAX_CITERS)
    standin.start()
    forum = create_forum_standin(paper_targets(standin.corpus), port=0)  # main.sh starts both
    forum.start()
    db = home / "data" / "standin.sqlite"
    env = {"KB_S2_API_URL": standin.url, "KB_FORUM_API_URL": forum.url, "KB_FORUM_RATE": "1000", "KB_DB": str(db), "KB_RATE": "1000", "HOME": str(home),
           "KB_JOBS": None, "S2_API_KEY": None}  # None: unset
    old = os.getcwd()
    os.chdir(home)
    try:
        if build:
            built = invoke("build", "--max-requests", BUILD_REQUESTS, env=env)
            assert built.exit_code == 0, built.stderr
        yield db, home, env
    finally:
        os.chdir(old)
        standin.stop()
        forum.stop()


@pytest.fixture(scope="module")
def standin_store(tmp_path_factory):
    with readme_world(tmp_path_factory.mktemp("readme"), build=True) as world:
        yield world


def run_as_written(commands: list[str], world, kb_cli, monkeypatch) -> list[str]:
    """Each command run in the README's working directory and environment; the failures."""
    _db, home, env = world
    monkeypatch.chdir(home)
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    failures = []
    for line in commands:
        assignments, command = split_env(line)
        with monkeypatch.context() as scoped:
            for name, value in assignments.items():
                scoped.setenv(name, value)
            result = kb_cli(*argv(command, home))
        if result.exit_code != 0:
            failures.append(f"{line}\n  exit {result.exit_code}: {result.stderr.strip()}")
    return failures


def assert_part_runs_as_written(part: int, world, kb_cli, monkeypatch) -> None:
    """Every command of README part ``part`` (0: before the datasets section, 1: that section)."""
    failures = run_as_written(readme_parts(README.read_text(encoding="utf-8"))[part], world, kb_cli, monkeypatch)
    assert not failures, "README commands that fail:\n" + "\n".join(failures)


def test_every_readme_command_before_the_datasets_runs_as_written(standin_store, kb_cli, monkeypatch):
    assert_part_runs_as_written(0, standin_store, kb_cli, monkeypatch)
    home = standin_store[1]
    assert (home / "reading.bib").stat().st_size > 0 and (home / "graph.html").stat().st_size > 0
