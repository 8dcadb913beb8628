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


# -- crawl and runs (lead) ---------------------------------------------------------------------

def _duration(text: str | None) -> float | None:
    from kb.timeparse import parse_duration

    return None if text is None else parse_duration(text)


class CrawlDisplay:
    """A rich progress bar on a terminal; a plain log line every few seconds when piped."""

    def __init__(self, budget, enabled: bool = True):
        self.budget = budget
        self.enabled = enabled
        self.live = None
        self._last_line = 0.0

    def __enter__(self):
        if self.enabled and sys.stderr.isatty():
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.live = Progress(
                TextColumn("[bold]crawl"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), TextColumn("ETA"),
                TimeRemainingColumn(), console=err_console(), transient=False)
            self.live.__enter__()
            self.task = self.live.add_task("crawl", total=1000, detail="starting")
        return self

    def __call__(self, p) -> None:
        detail = (f"{p.requests} req · {p.new_papers} papers · {p.new_edges} edges · "
                  f"frontier {p.frontier} · {p.rate:.2f} req/s")
        if self.live is not None:
            self.live.update(self.task, completed=int(p.budget_fraction * 1000), detail=detail)
        elif self.enabled:
            import time as _time

            now = _time.monotonic()
            if now - self._last_line >= 5:
                self._last_line = now
                sys.stderr.write(f"kb crawl: {detail}\n")
                sys.stderr.flush()

    def __exit__(self, *exc):
        if self.live is not None:
            self.live.__exit__(*exc)


def render_crawl_report(report, as_json: bool) -> None:
    if as_json:
        emit_json(report.as_dict())
        return
    rows = [
        ["status", report.status], ["requests", report.requests], ["pages", report.pages],
        ["detail batches", report.batches], ["new papers", report.new_papers],
        ["new edges", report.new_edges], ["papers expanded (total)", report.expanded],
        ["lists still to fetch", report.frontier_left], ["truncated lists", report.truncated_lists],
        ["edges without paperId", report.edges_without_id], ["errors", report.errors],
        ["retries", report.retries], ["duration", f"{report.duration:.1f} s"],
        ["rate", f"{report.rate:.2f} req/s"],
    ]
    console().print(table(f"crawl run #{report.run_id}", ["", ""], rows))
    if report.message:
        console().print(report.message)


@app.command()
def crawl(
    depth: int = typer.Option(2, "--depth", min=0, help="Hops from a seed to expand."),
    max_papers: Optional[int] = typer.Option(None, "--max-papers", min=1, help="Stop after this many new papers."),
    max_requests: Optional[int] = typer.Option(300, "--max-requests", min=1, help="Stop after this many API requests."),
    max_time: Optional[str] = typer.Option(None, "--max-time", help="Stop after this long, e.g. 90s, 10m, 2h."),
    direction: str = typer.Option("both", "--direction", help="refs, cits or both."),
    min_year: Optional[int] = typer.Option(None, "--min-year", help="Do not expand papers older than this."),
    hub_citations: int = typer.Option(5000, "--hub-citations", help="Papers cited more than this expand their citers last."),
    no_details: bool = typer.Option(False, "--no-details", help="Skip batch fetches of full records (TLDRs)."),
    concurrency: int = typer.Option(8, "--concurrency", min=1, max=64, help="Requests in flight at once."),
    wait: bool = typer.Option(False, "--wait", help="Wait for another writer instead of refusing."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Follow citation trails from the seeds into the store, within a budget; resumable."""
    from kb.crawler import CrawlBudget, crawl as run_crawl

    if direction not in ("refs", "cits", "both"):
        raise UsageError(f"--direction must be refs, cits or both, not {direction!r}")
    budget = CrawlBudget(depth=depth, max_papers=max_papers, max_requests=max_requests,
                         max_time=_duration(max_time), direction=direction, min_year=min_year,
                         hub_citations=hub_citations, fetch_details=not no_details,
                         concurrency=concurrency)
    with CrawlDisplay(budget, enabled=not as_json) as display:
        report = run_crawl(state.db, budget, settings=state.settings, wait=wait, progress=display)
    render_crawl_report(report, as_json)
    if report.status == "failed":
        raise typer.Exit(7)


@app.command()
def runs(
    limit: int = typer.Option(20, "--limit", min=1),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List crawl, refresh and job runs: requests, new papers and edges, errors, duration."""
    from kb.runs import list_runs

    with open_store(readonly=True) as store:
        rows = list_runs(store, limit)
    if as_json:
        emit_json(rows)
        return
    console().print(table("runs", ["#", "kind", "status", "started", "duration", "requests",
                                   "+papers", "+edges", "errors", "message"],
                          [[r["id"], r["kind"], r["status"], r["started_at"][:19],
                            "" if r["duration_s"] is None else f"{r['duration_s']:.0f}s",
                            r["requests"], r["new_papers"], r["new_edges"], r["errors"],
                            (r["message"] or "")[:60]] for r in rows]))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
