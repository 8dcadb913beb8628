"""One way for tests to run the command line in-process (the ``kb_cli`` fixture wraps it)."""

from __future__ import annotations

from typer.testing import CliRunner


def invoke(*args, db=None, **kwargs):
    """Run ``kb ARGS`` in this process and return click's Result (``exit_code``, ``stdout``,
    ``stderr``). ``db=PATH`` adds ``--db PATH``; other keywords go to ``CliRunner.invoke``
    (``input``, ``env``, ``terminal_width``, ``catch_exceptions``...)."""
    from cli import app

    argv = (["--db", str(db)] if db is not None else []) + [str(a) for a in args]
    return CliRunner().invoke(app, argv, **kwargs)
