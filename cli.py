"""The ``kb`` command line: parses arguments, calls into ``kb/``, renders the answer.

Nothing here decides anything about papers, citations or themes; it only turns arguments into
library calls and library results into terminal output (rich tables and progress on a terminal,
plain lines or JSON when piped). Heavy modules are imported inside the commands that need them
so that ``kb --help`` starts fast.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from typer.core import TyperGroup

from kb.errors import KbError, UsageError
from kb.settings import Settings


class KbGroup(TyperGroup):
    """Turns every user-caused error into one line on stderr and its exit code."""

    def invoke(self, ctx):  # noqa: D401 - click API
        try:
            return super().invoke(ctx)
        except KbError as exc:
            message = " ".join(str(exc).split()) or exc.__class__.__name__
            sys.stderr.write(f"kb: error: {message}\n")
            sys.stderr.flush()
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            sys.stderr.write("kb: interrupted; everything committed so far is kept\n")
            raise typer.Exit(130) from None


app = typer.Typer(
    cls=KbGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    help="kb: a literature-grounded knowledge base and citation crawler for AI-alignment research.",
)


class State:
    """Options every command shares, set by the top-level callback."""

    db: Path
    verbose: int = 0

    @property
    def settings(self) -> Settings:
        return Settings.from_env()


state = State()


@app.callback()
def main_options(
    db: Optional[Path] = typer.Option(
        None, "--db", envvar="KB_DB", help="The store (SQLite file). Default: data/kb.sqlite."),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="Log more (-vv for HTTP)."),
) -> None:
    state.db = db or Settings.from_env().db_path
    state.verbose = verbose
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if verbose < 2:
        logging.getLogger("httpx").setLevel(logging.WARNING)


# -- shared rendering helpers ------------------------------------------------------------------

def open_store(*, readonly: bool = False):
    from kb.store import Store

    return Store(state.db, readonly=readonly)


def is_terminal() -> bool:
    return sys.stdout.isatty()


def console():
    from rich.console import Console

    return Console()


def err_console():
    from rich.console import Console

    return Console(stderr=True)


def emit_json(value: Any) -> None:
    """Print JSON for scripts; never includes secrets because the library never returns them."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def table(title: str | None, columns: list[str], rows: list[list[Any]]):
    from rich.table import Table

    t = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*["" if v is None else str(v) for v in r])
    return t


# -- status ------------------------------------------------------------------------------------

@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the store: where it is, what it holds, and the last crawl."""
    from kb.status import store_status

    if not state.db.exists():
        info = {"store": str(state.db), "exists": False}
    else:
        with open_store(readonly=True) as store:
            info = store_status(store)
    if as_json:
        emit_json(info)
        return
    if not info.get("exists", True):
        console().print(f"No store yet at [bold]{info['store']}[/]. Start with `kb seed add` or `kb build`.")
        return
    rows = [[k.replace("_", " "), v] for k, v in info.items() if k not in ("last_run",)]
    c = console()
    c.print(table("kb status", ["", "value"], rows))
    if info.get("last_run"):
        run = info["last_run"]
        c.print(f"last run #{run['id']} ({run['kind']}, {run['status']}) started {run['started_at']}: "
                f"+{run['new_papers']} papers, +{run['new_edges']} edges, {run['requests']} requests")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
