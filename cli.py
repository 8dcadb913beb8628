"""The ``kb`` command line: parses arguments, calls into ``kb/``, renders the answer.

Nothing here decides anything about papers, citations or themes; it only turns arguments into
library calls and library results into terminal output (rich tables and progress on a terminal,
plain lines or JSON when piped). Heavy modules are imported inside the commands that need them
so that ``kb --help`` starts fast.
"""

from __future__ import annotations

import gc
import json
import logging
import sqlite3
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from typer.core import TyperGroup

from kb.errors import ApiError, KbError, UsageError
from kb.settings import Settings

try:  # recent typer carries its own click
    from typer._click import exceptions as _click_exceptions
except ImportError:  # older typer depends on click itself
    from click import exceptions as _click_exceptions
ClickUsageError = _click_exceptions.UsageError
NoArgsIsHelpError = getattr(_click_exceptions, "NoArgsIsHelpError", ())  # click < 8.2 has none


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
        # Bad input that never reaches kb's own checks gets the same one line (reliability).
        except ClickUsageError as exc:
            _usage_failure(exc)
        except sqlite3.DatabaseError as exc:  # a damaged page found mid-read
            from kb.store.base import describe, is_postgres_url

            if is_postgres_url(state.db):
                _one_line_failure(f"the PostgreSQL store {describe(state.db)} failed: {exc}", 5)
            _one_line_failure(f"the store {state.db} is damaged or unreadable ({exc}); restore it "
                              "from a backup, or salvage it with `sqlite3 FILE .recover`", 5)
        except UnicodeEncodeError as exc:
            if "surrogates" not in str(exc):
                raise
            _one_line_failure("an argument is not valid UTF-8 text; kb reads text arguments as UTF-8", 2)

    def parse_args(self, ctx, args):  # options before the command (`kb --db`): same one line
        try:
            return super().parse_args(ctx, args)
        except ClickUsageError as exc:
            _usage_failure(exc)


def _one_line_failure(message: str, code: int):
    sys.stderr.write(f"kb: error: {' '.join(message.split())}\n")
    sys.stderr.flush()
    raise typer.Exit(code) from None


def _usage_failure(exc: ClickUsageError):
    if isinstance(exc, NoArgsIsHelpError):  # `kb job` alone: show the help, as before
        raise exc
    where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
    _one_line_failure(exc.format_message() + where, exc.exit_code)


app = typer.Typer(
    cls=KbGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    help="kb: a literature-grounded knowledge base and citation crawler for AI-alignment research.",
)


class State:
    """Options every command shares, set by the top-level callback."""

    db: "Path | str"  # a SQLite file or a postgresql:// URL
    verbose: int = 0

    @property
    def settings(self) -> Settings:
        return Settings.from_env()


state = State()


@app.callback()
def main_options(
    db: Optional[str] = typer.Option(
        None, "--db", envvar="KB_DB",
        help="The store: a SQLite file, or postgresql://user@host/dbname. Default: data/kb.sqlite."),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="Log more (-vv for HTTP)."),
) -> None:
    from kb.store.base import store_target

    state.db = store_target(db) if db else Settings.from_env().db_path
    state.verbose = verbose
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if verbose < 2:
        logging.getLogger("httpx").setLevel(logging.WARNING)


#: The flag every listing takes: its data as JSON instead of the rendered view.
_JSON_OPT = typer.Option(False, "--json", help="Print JSON.")

#: How every command that takes a paper says what it accepts (kb.knowledge.resolve reads them all).
PAPER_HELP = ("A paper: S2 id (or the first 10 characters `kb seed list` shows), #N, CorpusId:N, "
              "DOI, arXiv id, URL, or a few words of its title.")


# -- options every paper listing shares ----------------------------------------------------------

_FILTER_OPTIONS = (
    ("theme", Optional[str], typer.Option(None, "--theme", help="Only papers of this theme (and its sub-themes).")),
    ("year_from", Optional[int], typer.Option(None, "--year-from", help="Only papers from this year on.")),
    ("year_to", Optional[int], typer.Option(None, "--year-to", help="Only papers up to this year.")),
    ("seed_distance", Optional[int], typer.Option(None, "--seed-distance", min=0, help="Only papers at most this many citation hops from a seed.")),
    ("min_citations", Optional[int], typer.Option(None, "--min-citations", min=0, help="Only papers cited at least this often (S2 count or in-store count, whichever is larger).")),
)


def filter_options(command):
    """Give a command the filters every paper listing takes (--theme, --year-from, --year-to,
    --seed-distance, --min-citations), declared once here. The command receives them as one
    ``filters`` argument (a dict) and turns it into a PaperFilter with :func:`paper_filter`."""
    import functools
    import inspect

    signature = inspect.signature(command, eval_str=True)
    kept = [p for p in signature.parameters.values() if p.name != "filters"]
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=kind)
             for name, kind, option in _FILTER_OPTIONS]

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        filters = {name: kwargs.pop(name) for name, _, _ in _FILTER_OPTIONS}
        return command(*args, filters=filters, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=kept + added)
    wrapper.__annotations__ = {p.name: p.annotation for p in kept + added}
    return wrapper


def paper_filter(filters: dict, *, limit: Optional[int], sort: Optional[str], query: Optional[str] = None):
    """The one PaperFilter a listing command asks for: its filters, ``limit`` (0: all) and
    ``sort`` (default: relevance with a full-text query, rank without), checked."""
    from kb.knowledge.query import PaperFilter

    f = PaperFilter(**filters, limit=limit or None, sort=sort or ("relevance" if query else "rank"))
    f.validate(fulltext=bool(query))
    return f


# -- shared rendering helpers ------------------------------------------------------------------

def open_store(*, readonly: bool = False):
    from kb.store import Store

    return Store(state.db, readonly=readonly)


def store_exists(target) -> bool:
    from kb.store.base import store_exists as exists

    return exists(target)


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

    t = Table(title=title, show_lines=False, header_style="bold", show_header=any(columns))
    for c in columns:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*["" if v is None else str(v) for v in r])
    return t


# -- db ----------------------------------------------------------------------------------------

db_app = typer.Typer(no_args_is_help=True, help="The store itself: copy it between backends.")
app.add_typer(db_app, name="db")


@db_app.command("copy")
def db_copy(
    source: str = typer.Argument(..., help="The store to copy: a SQLite file or postgresql://..."),
    destination: str = typer.Argument(..., help="Where to: a new SQLite file or an empty PostgreSQL "
                                                 "database/schema (or a copy this command left unfinished)."),
    force: bool = typer.Option(False, "--force", help="Empty a destination that holds another "
                                                        "store (or an older copy) first."),
    as_json: bool = _JSON_OPT,
) -> None:
    """Copy a whole store between backends (SQLite -> PostgreSQL and back), then check that
    both hold the same rows (counts and a content digest). Run it again to resume a copy that
    was stopped; a destination holding anything else is refused unless --force."""
    from kb.errors import StoreError
    from kb.store.base import describe, store_exists, store_target
    from kb.store.copy import copy_store

    src, dst = store_target(source), store_target(destination)
    if not store_exists(src):
        raise StoreError(f"no store at {describe(src)}")
    progress = None
    if is_terminal() and not as_json and sys.stderr.isatty():
        from rich.progress import Progress

        bar = Progress(console=err_console(), transient=True)
        tasks: dict = {}

        def progress(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(table, total=max(total, 1))
            bar.update(tasks[table], completed=done)

        with bar:
            report = copy_store(src, dst, progress=progress, force=force)
    else:
        report = copy_store(src, dst, force=force)
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        copied = sum(t.copied for t in report.tables)
        rows = sum(t.destination_rows for t in report.tables)
        print(f"Copied {copied:,} rows ({rows:,} in {len(report.tables)} tables) from "
              f"{report.source} to {report.destination}; digest {report.source_digest[:16]}")
    if not report.identical:
        differing = [t.table for t in report.tables if t.source_rows != t.destination_rows]
        raise StoreError(f"the copy differs from its source (tables {differing or 'with equal counts'}"
                         f"; digest {report.destination_digest[:16]} != {report.source_digest[:16]}): "
                         "did the source change during the copy? run it again with --force")


# -- status ------------------------------------------------------------------------------------

@app.command()
def status(as_json: bool = _JSON_OPT) -> None:
    """Show the store: where it is, what it holds, and the last crawl."""
    from kb.store.status import store_status

    if not store_exists(state.db):
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


# -- crawl and runs ---------------------------------------------------------------------

def _duration(text: str | None) -> float | None:
    from kb.crawl.timeparse import parse_duration

    return None if text is None else parse_duration(text)


class CrawlDisplay:
    """A rich progress bar on a terminal; quiet when piped (with -v, a plain log line every few
    seconds on stderr, for cron logs)."""

    def __init__(self, budget, enabled: bool = True):
        self.budget = budget
        self.enabled = enabled
        self.live = None
        self._last_line = 0.0

    def __enter__(self):
        if self.enabled and sys.stderr.isatty():
            from rich.progress import (
                BarColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

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
        elif self.enabled and state.verbose:
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
        ["edges without paperId", report.edges_without_id],
        ["duplicate list entries (stored once)", report.duplicate_entries], ["errors", report.errors],
        ["papers unknown to the API (404)", len(report.not_found)],
        ["retries", report.retries], ["duration", f"{report.duration:.1f} s"],
        ["rate", f"{report.rate:.2f} req/s"],
    ]
    if report.lists_set_aside:
        rows.append(["lists set aside (failing)", report.lists_set_aside])
    rec = report.recommendations
    if rec:
        rows.append(["recommended for the seeds", f"{rec['recommended']} papers ({rec['new_papers']} new), "
                     f"{rec['seeds_asked']} seeds asked, {rec['requests']} requests"])
    console().print(table(f"crawl run #{report.run_id}", ["", ""], rows))
    for failed in report.failed_lists:
        console().print(f"set aside: {failed['list']} of {failed['paper']}: {failed['error']}",
                        soft_wrap=True, markup=False)
    if report.message and report.status not in ("failed", "incomplete"):
        console().print(report.message)  # a failure's message is the one error line instead


@app.command()
def crawl(
    depth: int = typer.Option(2, "--depth", min=0, help="Hops from a seed to expand."),
    max_papers: Optional[int] = typer.Option(None, "--max-papers", min=1, help="Stop after this many new papers."),
    max_requests: int = typer.Option(300, "--max-requests", min=0, help="Stop after this many API requests (0: no limit)."),
    max_time: Optional[str] = typer.Option(None, "--max-time", help="Stop after this long, e.g. 90s, 10m, 2h."),
    direction: str = typer.Option("both", "--direction", help="refs, cits or both."),
    min_year: Optional[int] = typer.Option(None, "--min-year", help="Do not expand papers older than this."),
    hub_citations: int = typer.Option(5000, "--hub-citations", help="Papers cited more than this expand their citers last."),
    no_details: bool = typer.Option(False, "--no-details", help="Skip batch fetches of full records (TLDRs)."),
    concurrency: int = typer.Option(8, "--concurrency", min=1, max=64, help="Requests in flight at once."),
    wait: bool = typer.Option(False, "--wait", help="Wait for another writer instead of refusing."),
    refresh: bool = typer.Option(False, "--refresh", help="Re-check seeds and top papers for new citers; expand what is new."),
    tag: bool = typer.Option(True, "--tag/--no-tag", help="Re-tag themes automatically after the crawl."),
    top: int = typer.Option(50, "--top", min=0, help="With --refresh: also watch this many top-ranked papers."),
    older_than: str = typer.Option("7d", "--older-than", help="With --refresh: re-check papers not checked for this long."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Try again the lists earlier runs set aside after they kept failing."),
    recommended: bool = typer.Option(False, "--recommended", help="First add Semantic Scholar's recommendations for the seeds (one request for them all, one per seed; counted in --max-requests)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Follow citation trails from the seeds into the store, within a budget; resumable."""
    from kb.crawl.crawler import CrawlBudget
    from kb.crawl.crawler import crawl as run_crawl

    if direction not in ("refs", "cits", "both"):
        raise UsageError(f"--direction must be refs, cits or both, not {direction!r}")
    budget = CrawlBudget(depth=depth, max_papers=max_papers, max_requests=max_requests or None,
                         max_time=_duration(max_time), direction=direction, min_year=min_year,
                         hub_citations=hub_citations, fetch_details=not no_details,
                         concurrency=concurrency, retry_failed=retry_failed, recommended=recommended)
    with CrawlDisplay(budget, enabled=not as_json) as display:
        if refresh:
            from kb.crawl.refresh import RefreshOptions
            from kb.crawl.refresh import refresh as run_refresh

            options = RefreshOptions(top=top, older_than_seconds=_duration(older_than))
            report = run_refresh(state.db, budget, options, settings=state.settings, wait=wait,
                                 progress=display, tag=tag)
        else:
            report = run_crawl(state.db, budget, settings=state.settings, wait=wait, progress=display,
                               tag=tag)
    render_crawl_report(report, as_json)
    if report.status == "failed":
        _one_line_failure(report.message, report.error_code or 7)
    if report.status == "incomplete":  # lists still failing: cron must notice
        _one_line_failure(report.message, ApiError.exit_code)


@app.command()
def runs(
    limit: int = typer.Option(20, "--limit", min=1),
    as_json: bool = _JSON_OPT,
) -> None:
    """List crawl, refresh and job runs: requests, new papers and edges, errors, duration."""
    from kb.crawl.runs import list_runs

    with open_store(readonly=True) as store:
        rows = list_runs(store, limit)
    if as_json:
        emit_json([r.model_dump() for r in rows])
        return
    console().print(table("runs", ["#", "kind", "status", "started", "duration", "requests",
                                   "+papers", "+edges", "errors", "message"],
                          [[r.id, r.kind, r.status, r.started_at[:19],
                            "" if r.duration_s is None else f"{r.duration_s:.0f}s",
                            r.requests, r.new_papers, r.new_edges, r.errors,
                            (r.message or "")[:60]] for r in rows]))
    for r in rows:
        for failed in r.lists_set_aside():
            console().print(f"run #{r.id} set aside {failed['list']} of {failed['paper']}: "
                            f"{failed['error']}", soft_wrap=True, markup=False)


@app.command()
def build(
    documents: Optional[list[Path]] = typer.Argument(None, help="Seed documents (default: data/seeds/*.txt)."),
    depth: int = typer.Option(2, "--depth", min=0, help="Hops from a seed to expand."),
    max_requests: int = typer.Option(300, "--max-requests", min=0, help="Crawl request budget (0: no limit)."),
    max_time: Optional[str] = typer.Option(None, "--max-time", help="Crawl time budget, e.g. 10m."),
    tag: bool = typer.Option(True, "--tag/--no-tag", help="Tag themes automatically at the end."),
    wait: bool = typer.Option(False, "--wait", help="Wait for another writer instead of refusing."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """The main job: resolve the works the seed documents name, crawl their citation trails,
    rank and tag, and summarise."""
    from kb.build import build as run_build
    from kb.crawl.crawler import CrawlBudget

    budget = CrawlBudget(depth=depth, max_requests=max_requests or None, max_time=_duration(max_time))
    with CrawlDisplay(budget, enabled=not as_json) as display:
        report = run_build(state.db, documents, budget, settings=state.settings, wait=wait, tag=tag,
                           progress=display)
    if as_json:
        emit_json(report.as_dict())
    else:
        s = report.seeds
        statuses = ", ".join(f"{v} {k}" for k, v in sorted(s["by_status"].items()))
        console().print(f"[bold]seeds[/]: {len(s['documents'])} documents, {s['mentions']} mentions "
                        f"({statuses or 'none'}); {s['seeds']} seed papers, {s['requests']} requests")
        render_crawl_report(report.crawl, False)
        st = report.store
        console().print(f"[bold]store[/] {st['store']}: {st['papers']} papers, {st['edges']} edges, "
                        f"{st.get('seeds', 0)} seeds, {st.get('tags', 0)} theme tags. "
                        "Next: `kb top`, `kb search QUERY`, `kb export --format md`.", soft_wrap=True)
    if report.crawl.status == "failed":
        _one_line_failure(report.crawl.message, report.crawl.error_code or 7)


# -- periodic jobs and what is new -------------------------------------------------------

job_app = typer.Typer(no_args_is_help=True, help="Named periodic crawl jobs for cron or systemd timers.")
app.add_typer(job_app, name="job")


def _jobs_file(jobs_file: Optional[Path]) -> Path:
    from kb.crawl.jobs import adopt_legacy_jobs, jobs_path

    if jobs_file:
        return jobs_file
    for message in adopt_legacy_jobs(state.db):
        err_console().print(message, soft_wrap=True)
    return jobs_path(state.db)


@job_app.command("add")
def job_add(
    name: str = typer.Argument(..., help="A short name, e.g. nightly."),
    every: str = typer.Option("1d", "--every", help="How often the job is due: 6h, 1d, 7d..."),
    depth: int = typer.Option(1, "--depth", min=0, help="Hops from a seed to expand new papers."),
    theme: Optional[str] = typer.Option(None, "--theme", help="List only papers of this theme in the digest (the crawl itself follows every theme)."),
    top: int = typer.Option(50, "--top", min=0, help="Watch this many top-ranked papers besides the seeds."),
    older_than: str = typer.Option("1d", "--older-than", help="Re-check a paper at most this often."),
    max_requests: int = typer.Option(500, "--max-requests", min=1),
    max_time: Optional[str] = typer.Option("30m", "--max-time"),
    digest_dir: Optional[Path] = typer.Option(None, "--digest-dir", help="Write a Markdown digest of what is new here."),
    tag: bool = typer.Option(True, "--tag/--no-tag", help="Re-tag themes after a run that changed the graph (--no-tag: leave it to `kb tag auto`)."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite a job of the same name."),
    jobs_file: Optional[Path] = typer.Option(None, "--jobs-file", envvar="KB_JOBS"),
) -> None:
    """Add a named job to the jobs file."""
    from kb.crawl.jobs import Job, load_jobs, save_jobs

    path = _jobs_file(jobs_file)
    jobs = load_jobs(path)
    if name in jobs and not replace:
        raise UsageError(f"a job named {name!r} exists; pass --replace to overwrite it")
    jobs[name] = Job(name=name, every=every, depth=depth, theme=theme, top=top, older_than=older_than,
                     max_requests=max_requests, max_time=max_time,
                     digest_dir=str(digest_dir) if digest_dir else None, tag=tag).validate()
    save_jobs(path, jobs)
    console().print(f"job [bold]{name}[/] saved in {path}")


@job_app.command("rm")
def job_rm(name: str, jobs_file: Optional[Path] = typer.Option(None, "--jobs-file", envvar="KB_JOBS")) -> None:
    """Remove a job."""
    from kb.crawl.jobs import get_job, load_jobs, save_jobs

    path = _jobs_file(jobs_file)
    jobs = load_jobs(path)
    get_job(jobs, name)
    del jobs[name]
    save_jobs(path, jobs)


@job_app.command("list")
def job_list(
    as_json: bool = typer.Option(False, "--json"),
    jobs_file: Optional[Path] = typer.Option(None, "--jobs-file", envvar="KB_JOBS"),
) -> None:
    """List jobs, when each last succeeded and whether it is due."""
    from kb.crawl.jobs import job_table, load_jobs

    rows = job_table(state.db, load_jobs(_jobs_file(jobs_file)))
    if as_json:
        emit_json(rows)
        return
    console().print(table("jobs", ["name", "every", "depth", "theme", "max requests", "last success", "due"],
                          [[r["name"], r["every"], r["depth"], r["theme"], r["max_requests"],
                            r["last_success"], "yes" if r["due"] else "no"] for r in rows]))


@job_app.command("run")
def job_run(
    name: Optional[str] = typer.Argument(None, help="The job to run (or use --due)."),
    due: bool = typer.Option(False, "--due", help="Run every job that is due (the cron entry point)."),
    wait: bool = typer.Option(False, "--wait", help="Wait for another writer instead of refusing."),
    as_json: bool = typer.Option(False, "--json"),
    jobs_file: Optional[Path] = typer.Option(None, "--jobs-file", envvar="KB_JOBS"),
) -> None:
    """Run a job now, or all due jobs. Exit 0 ok, 10 partial, 11 failed, 12 another run holds the store."""
    from dataclasses import asdict

    from kb.crawl.jobs import combined_exit_code, due_jobs, get_job, load_jobs, run_job

    jobs = load_jobs(_jobs_file(jobs_file))
    if due == (name is not None):
        raise UsageError("give a job name or --due (not both)")
    selected = due_jobs(state.db, jobs) if due else [get_job(jobs, name)]
    results = [run_job(state.db, job, settings=state.settings, wait=wait) for job in selected]
    if as_json:
        emit_json([asdict(r) for r in results])
    else:
        for r in results:
            line = (f"job {r.job}: {r.status} (exit {r.exit_code}); {r.requests} requests, "
                    f"+{r.new_papers} papers, +{r.new_edges} edges")
            if r.digest:
                line += f"; digest {r.digest}"
            if r.message:
                line += f"; {r.message}"
            (console() if r.exit_code == 0 else err_console()).print(line, soft_wrap=True)
        if not results:
            console().print("no job is due")
    raise typer.Exit(combined_exit_code(results))


@app.command("new")
def whats_new(
    since: str = typer.Option("last", "--since", help="'last' (the latest run that added papers), 'run:N', or a date."),
    theme: Optional[str] = typer.Option(None, "--theme", help="Only papers of this theme (and sub-themes)."),
    fmt: str = typer.Option("table", "--format", help="table, md or json."),
    limit: int = typer.Option(50, "--limit", min=0, help="At most this many papers, best-ranked first (0: all)."),
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """List the papers a run added, ranked, grouped by theme, with why each came in."""
    from kb.crawl.whats_new import (
        digest_markdown,
        group_by_theme,
        new_papers,
        parse_since,
    )

    with open_store(readonly=True) as store:
        moment = parse_since(store, since)
        rows = new_papers(store, moment, theme=theme, limit=limit or None)
    if as_json or fmt == "json":
        emit_json(rows)
    elif fmt == "md":
        sys.stdout.write(digest_markdown(rows, moment) + "\n")
    elif fmt == "table":
        c = console()
        if not rows:
            c.print(f"nothing new since {moment.describe()}")
        for group, items in group_by_theme(rows).items():
            c.print(table(f"{group} ({len(items)})", ["#", "title", "year", "why"],
                          _rows([[r["id"], r["title"], r["year"], r["why"]] for r in items])))
        if limit and len(rows) == limit:
            c.print(f"the best {limit} shown; `--limit 0` shows every new paper")
    else:
        raise UsageError(f"--format must be table, md or json, not {fmt!r}")


# -- exports, reading lists and graphs -----------------------------------------

_EXPORT_EXTENSIONS = {".md": "md", ".markdown": "md", ".bib": "bib", ".ris": "ris",
                      ".csv": "csv", ".json": "json"}
_GRAPH_EXTENSIONS = {".graphml": "graphml", ".gexf": "gexf", ".html": "html", ".htm": "html"}


def _export_format(fmt: Optional[str], output: Optional[str], table_: dict[str, str],
                   default: str) -> str:
    """--format wins; else the output file's extension; else the default. An extension kb
    does not write (``x.docx``) is refused rather than filled with another format."""
    if fmt:
        return fmt
    if output and output != "-":
        suffix = Path(output).suffix.lower()
        if suffix in table_:
            return table_[suffix]
        if suffix:
            raise UsageError(f"kb does not write {suffix} files; name the file "
                             f"{' or '.join(sorted(set(table_)))}, or give --format")
    return default


def _emit_text(text: str, output: Optional[str], what: str) -> None:
    """Write to stdout (no -o, or -o -), else atomically to the file the user named."""
    if output is None or output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()
        return
    from kb.output.atomic_write import atomic_write

    path = atomic_write(Path(output), text)
    sys.stderr.write(f"kb: wrote {what} to {path}\n")


_SORT_OPT = typer.Option(None, "--sort", help="relevance (with a query), rank, seed, pagerank, cocitation, coupling, citations, store-citations, year, oldest.")
_OUTPUT_OPT = typer.Option(None, "--output", "-o", help="Write to this file (atomically); '-' or nothing: stdout.")


@app.command("export")
@filter_options
def export_command(
    query: Optional[str] = typer.Argument(None, help="Optional full-text query, as for `kb search`."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="md, bib, csl-json, ris, csv or json (default: from -o's extension, else md)."),
    output: Optional[str] = _OUTPUT_OPT,
    limit: int = typer.Option(100, "--limit", min=0, help="At most this many papers (0: all)."),
    sort: Optional[str] = _SORT_OPT,
    title: Optional[str] = typer.Option(None, "--title", help="Heading of a Markdown export."),
    filters: dict = None,
) -> None:
    """Export a reading list of papers (filtered and sorted as in `kb search`)."""
    from kb.output.export import export_papers, normalise_format

    fmt = normalise_format(_export_format(fmt, output, _EXPORT_EXTENSIONS, "md"))
    f = paper_filter(filters, limit=limit, sort=sort, query=query)
    with open_store(readonly=True) as store:
        text, count = export_papers(store, f, fmt, query=query, title=title)
    _emit_text(text, output, f"{_papers_word(count)} ({fmt})")


@app.command("graph")
@filter_options
def graph_command(
    query: Optional[str] = typer.Argument(None, help="Optional full-text query, as for `kb search`."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="html, graphml or gexf (default: from -o's extension, else html)."),
    output: Optional[str] = _OUTPUT_OPT,
    limit: int = typer.Option(300, "--limit", min=0, help="At most this many nodes, best-ranked first (0: all)."),
    sort: Optional[str] = _SORT_OPT,
    title: Optional[str] = typer.Option(None, "--title", help="Title of the graph."),
    around: Optional[str] = typer.Option(None, "--around", help="Only papers near this one. " + PAPER_HELP),
    hops: int = typer.Option(1, "--hops", min=0, help="With --around: at most this many citations away."),
    filters: dict = None,
) -> None:
    """Export the citation subgraph of the selected papers (a self-contained HTML view, GraphML or GEXF)."""
    from kb.output.graph import export_graph, normalise_graph_format

    fmt = normalise_graph_format(_export_format(fmt, output, _GRAPH_EXTENSIONS, "html"))
    f = paper_filter(filters, limit=limit, sort=sort, query=query)
    with open_store(readonly=True) as store:
        if around is not None:
            from kb.knowledge.resolve import paper_number
            from kb.knowledge.trail import neighbourhood

            f.ids = neighbourhood(store, paper_number(store, around), hops)
        text, sub = export_graph(store, f, fmt, query=query, title=title)
    _emit_text(text, output, f"{_papers_word(len(sub.nodes))} and {len(sub.edges)} citations ({fmt})")


list_app = typer.Typer(no_args_is_help=True, help="Named, saved reading lists with read/unread marks.")
app.add_typer(list_app, name="list")


def _resolve_ids(store, papers: list[str]) -> list[int]:
    from kb.knowledge.resolve import paper_number

    return [paper_number(store, text) for text in papers]


@list_app.command("create")
def list_create(
    name: str = typer.Argument(..., help="The list's name."),
    description: Optional[str] = typer.Option(None, "--description", "-d"),
    as_json: bool = _JSON_OPT,
) -> None:
    """Create an empty reading list."""
    from kb.output.reading_lists import create_list

    with open_store() as store:
        info = create_list(store, name, description)
    if as_json:
        emit_json(info.model_dump())
    else:
        console().print(f"Created reading list [bold]{_rich_escape(info.name)}[/].")


def _papers_word(n: int) -> str:
    return f"{n} paper" if n == 1 else f"{n} papers"


def _rich_escape(text: str) -> str:
    from rich.markup import escape

    return escape(text or "")


@list_app.command("delete")
def list_delete(name: str = typer.Argument(...),
                as_json: bool = _JSON_OPT) -> None:
    """Delete a reading list (the papers stay in the store)."""
    from kb.output.reading_lists import delete_list

    with open_store() as store:
        info = delete_list(store, name)
    if as_json:
        emit_json(info.model_dump())
    else:
        console().print(f"Deleted reading list [bold]{_rich_escape(info.name)}[/] ({_papers_word(info.papers)}).")


@list_app.command("add")
@filter_options
def list_add(
    name: str = typer.Argument(..., help="The list's name."),
    papers: Optional[list[str]] = typer.Argument(None, help=PAPER_HELP),
    from_search: Optional[str] = typer.Option(None, "--from-search", help="Also add the papers this full-text query finds."),
    limit: int = typer.Option(20, "--limit", min=0, help="With --from-search or filters: at most this many (0: all)."),
    sort: Optional[str] = _SORT_OPT,
    note: Optional[str] = typer.Option(None, "--note", help="A note stored with each added paper."),
    as_json: bool = _JSON_OPT,
    filters: dict = None,
) -> None:
    """Add papers to a reading list, by id or title, or all that a search or filter selects."""
    from kb.output.export import select_ids
    from kb.output.reading_lists import add_papers, get_list

    filtered = from_search is not None or any(v is not None for v in filters.values())
    if not papers and not filtered:
        raise UsageError("name papers to add, or select them with --from-search or filters")
    with open_store() as store:
        get_list(store, name)
        ids = _resolve_ids(store, papers or [])
        selected: list[int] = []
        if filtered:
            f = paper_filter(filters, limit=limit, sort=sort, query=from_search)
            selected = select_ids(store, f, query=from_search)
        result = add_papers(store, name, ids + selected, note=note)
    if filtered:
        result["limit_reached"] = bool(limit and len(selected) == limit)
    if as_json:
        emit_json(result)
    else:
        console().print(f"Added {_papers_word(result['added'])} to [bold]{_rich_escape(result['list'])}[/]"
                        + (f" ({result['already']} already on it)." if result["already"] else "."))
    if result.get("limit_reached"):
        sys.stderr.write(f"kb: note: the selection stopped at --limit {limit}; "
                         "`--limit 0` adds every match\n")


@list_app.command("rm")
def list_rm(
    name: str = typer.Argument(..., help="The list's name."),
    papers: list[str] = typer.Argument(..., help=PAPER_HELP),
    as_json: bool = _JSON_OPT,
) -> None:
    """Remove papers from a reading list."""
    from kb.output.reading_lists import get_list, remove_papers

    with open_store() as store:
        get_list(store, name)
        result = remove_papers(store, name, _resolve_ids(store, papers))
    if as_json:
        emit_json(result)
    else:
        console().print(f"Removed {_papers_word(result['removed'])} from [bold]{_rich_escape(result['list'])}[/].")


@list_app.command("mark")
def list_mark(
    name: str = typer.Argument(..., help="The list's name."),
    papers: Optional[list[str]] = typer.Argument(None, help=PAPER_HELP + " Or --all."),
    read: bool = typer.Option(True, "--read/--unread", help="Mark read (default) or unread."),
    all_papers: bool = typer.Option(False, "--all", help="Mark every paper on the list."),
    as_json: bool = _JSON_OPT,
) -> None:
    """Mark papers on a reading list as read or unread."""
    from kb.output.reading_lists import get_list, mark

    if not papers and not all_papers:
        raise UsageError("name the papers to mark, or use --all")
    with open_store() as store:
        get_list(store, name)
        result = mark(store, name, None if all_papers else _resolve_ids(store, papers or []),
                      read=read)
    if as_json:
        emit_json(result)
    else:
        console().print(f"Marked {_papers_word(result['changed'])} {result['marked']} on "
                        f"[bold]{_rich_escape(result['list'])}[/].")


@list_app.command("show")
def list_show(
    name: Optional[str] = typer.Argument(None, help="The list to show (none: all lists)."),
    unread: bool = typer.Option(False, "--unread", help="Only unread papers."),
    read_only: bool = typer.Option(False, "--read", help="Only read papers."),
    as_json: bool = _JSON_OPT,
) -> None:
    """Show a reading list with read/unread marks, or all lists."""
    from kb.output.reading_lists import all_lists, show_list

    with open_store(readonly=True) as store:
        info = (show_list(store, name, unread_only=unread, read_only=read_only) if name
                else [summary.model_dump() for summary in all_lists(store)])
    if as_json:
        emit_json(info)
        return
    if name is None:
        rows = [[l["name"], l["papers"], l["read"], l["unread"], l["description"] or ""] for l in info]
        if is_terminal():
            console().print(table("reading lists", ["name", "papers", "read", "unread", "description"], rows))
        else:
            for r in rows:
                sys.stdout.write("\t".join(str(v) for v in r) + "\n")
        return
    rows = [["x" if i["read"] else " ", i["position"], i["title"] or i["paper_id"], i["year"] or "",
             ", ".join(i["themes"]), i["paper_id"]] for i in info["items"]]
    if is_terminal():
        heading = f"{info['name']}: {info['papers']} papers, {info['read']} read"
        console().print(table(heading, ["read", "#", "title", "year", "themes", "paper id"], rows))
    else:
        for r in rows:
            sys.stdout.write(f"[{r[0]}] {r[2]} ({r[3] or 'n.d.'}) {r[5]}\n")


@list_app.command("export")
def list_export(
    name: str = typer.Argument(..., help="The list's name."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="md, bib, csl-json, ris, csv or json (default: from -o's extension, else md)."),
    output: Optional[str] = _OUTPUT_OPT,
    order: str = typer.Option("list", "--order", help="list (the order added) or rank."),
    unread: bool = typer.Option(False, "--unread", help="Only unread papers."),
) -> None:
    """Export a reading list in any export format (Markdown shows read marks as checkboxes)."""
    from kb.output.export import normalise_format
    from kb.output.reading_lists import export_list

    fmt = normalise_format(_export_format(fmt, output, _EXPORT_EXTENSIONS, "md"))
    with open_store(readonly=True) as store:
        text, count = export_list(store, name, fmt, sort=order, unread_only=unread)
    _emit_text(text, output, f"{_papers_word(count)} ({fmt})")


# -- themes and tags -----------------------------------------------------------

theme_app = typer.Typer(no_args_is_help=True, help="Edit the theme taxonomy (data/themes.toml or $KB_THEMES).")
tag_app = typer.Typer(no_args_is_help=True, help="Tag papers with themes: by hand, or automatically.")
app.add_typer(theme_app, name="theme")
app.add_typer(tag_app, name="tag")

_SPARK = "▁▂▃▄▅▆▇█"


def _themes_file() -> Path:
    from kb.knowledge.themes import themes_path

    return themes_path()


def _synced_store():
    """Open the store for writing with its themes in step with the taxonomy file."""
    from kb.knowledge.themes import open_synced

    store, taxonomy, report = open_synced(state.db)
    for note in report.notes():
        sys.stderr.write(f"kb: {note}\n")
    return store, taxonomy


def _sparkline(per_year: dict, years: list[int]) -> str:
    counts = [per_year.get(y, 0) for y in years]
    top = max(counts, default=0)
    if not top:
        return " " * len(years)
    return "".join(" " if c == 0 else _SPARK[min(len(_SPARK) - 1, (c * len(_SPARK) - 1) // top)]
                   for c in counts)


@app.command("themes")
def themes_command(
    as_json: bool = _JSON_OPT,
    years: int = typer.Option(16, "--years", min=1, help="How many recent years the per-year bar spans."),
) -> None:
    """Papers per theme (sub-themes included), with a bar of papers per year."""
    from kb.knowledge.themes import retired_themes, theme_counts

    store, taxonomy = _synced_store()
    with store:
        rows = theme_counts(store, taxonomy)
        retired = retired_themes(store)
    if as_json:
        emit_json({"themes": rows, "retired": retired, "taxonomy": str(taxonomy.path)})
        return
    known = sorted({y for r in rows for y in r["per_year"] if y is not None})
    span = list(range(max(known[0], known[-1] - years + 1), known[-1] + 1)) if known else []
    header = f"per year {span[0]}–{span[-1]}" if span else "per year"
    out = [["  " * r["depth"] + r["slug"], r["papers"], r["direct"], _sparkline(r["per_year"], span)]
           for r in rows]
    c = console()
    c.print(table(f"themes ({taxonomy.path})", ["theme", "papers", "tagged directly", header], out))
    for r in retired:
        c.print(f"retired theme {r['slug']}: {r['manual']} manual tags kept")


@theme_app.command("list")
def theme_list(as_json: bool = _JSON_OPT) -> None:
    """The taxonomy: slug, parent, name, description and rule keywords."""
    from kb.knowledge.themes import load_taxonomy

    taxonomy = load_taxonomy()
    items = [{"slug": t.slug, "name": t.name, "parent": t.parent, "description": t.description,
              "keywords": list(t.keywords), "renamed_from": list(t.renamed_from)}
             for t in taxonomy.ordered()]
    if as_json:
        emit_json(items)
        return
    rows = [["  " * taxonomy.depth(i["slug"]) + i["slug"], i["name"], i["description"],
             len(i["keywords"])] for i in items]
    console().print(table(f"themes in {taxonomy.path}", ["slug", "name", "description", "keywords"], rows))


@theme_app.command("add")
def theme_add(
    slug: str = typer.Argument(..., help="Lowercase letters, digits and dashes."),
    name: Optional[str] = typer.Option(None, "--name", help="Display name (default: from the slug)."),
    description: str = typer.Option("", "--description", "-d", help="One line."),
    parent: Optional[str] = typer.Option(None, "--parent", help="Slug of the broader theme."),
    keywords: list[str] = typer.Option([], "--keyword", "-k", help="Rule phrase (repeatable)."),
) -> None:
    """Add a theme to the taxonomy file; the store follows."""
    from kb.knowledge.themes import add_theme

    theme = add_theme(_themes_file(), slug, name=name, description=description, parent=parent,
                      keywords=keywords)
    if store_exists(state.db):
        store, _ = _synced_store()
        store.close()
    console().print(f"added theme [bold]{theme.slug}[/] to {_themes_file()}; "
                    "run `kb tag auto` to tag papers with it")


@theme_app.command("rm")
def theme_rm(slug: str = typer.Argument(...)) -> None:
    """Remove a theme: its automatic tags go, its manual tags are kept (and reported)."""
    from kb.knowledge.themes import remove_theme

    moved = remove_theme(_themes_file(), slug)
    if store_exists(state.db):
        store, _ = _synced_store()
        store.close()
    extra = f"; sub-themes moved up: {', '.join(moved)}" if moved else ""
    console().print(f"removed theme {slug} from {_themes_file()}{extra}")


@theme_app.command("rename")
def theme_rename(old: str = typer.Argument(...), new: str = typer.Argument(...)) -> None:
    """Rename a theme; all its tags (manual and automatic) follow."""
    from kb.knowledge.themes import rename_theme

    rename_theme(_themes_file(), old, new)
    if store_exists(state.db):
        store, _ = _synced_store()
        store.close()
    console().print(f"renamed theme {old} to {new} in {_themes_file()}")


@tag_app.command("add")
def tag_add(paper: str = typer.Argument(..., help=PAPER_HELP),
            themes: list[str] = typer.Argument(..., help="Theme slugs.")) -> None:
    """Tag a paper by hand; a manual tag always wins over automatic ones."""
    from kb.knowledge.resolve import paper_number
    from kb.knowledge.tagging import set_manual

    store, taxonomy = _synced_store()
    with store:
        pid = paper_number(store, paper)
        done = set_manual(store, pid, themes, taxonomy=taxonomy)
    console().print(f"tagged #{pid} with {', '.join(done)}")


@tag_app.command("rm")
def tag_rm(paper: str = typer.Argument(..., help=PAPER_HELP), themes: list[str] = typer.Argument(..., help="Theme slugs."),
           forget: bool = typer.Option(False, "--forget",
                                       help="Drop your word instead: automatic tags decide again.")) -> None:
    """Say a paper is NOT about these themes (remembered across `kb tag auto`)."""
    from kb.knowledge.resolve import paper_number
    from kb.knowledge.tagging import forget_manual, set_manual

    store, taxonomy = _synced_store()
    with store:
        pid = paper_number(store, paper)
        if forget:
            gone = forget_manual(store, pid, themes, taxonomy=taxonomy)
            console().print(f"forgot manual tags of #{pid}: {', '.join(gone) or 'none'}")
        else:
            done = set_manual(store, pid, themes, negative=True, taxonomy=taxonomy)
            console().print(f"#{pid} is not about {', '.join(done)}")


@tag_app.command("list")
def tag_list(
    paper: Optional[str] = typer.Argument(None, help=PAPER_HELP + " Lists its tags with score and source."),
    theme: Optional[str] = typer.Option(None, "--theme", help="Or: list the papers of this theme (and sub-themes)."),
    limit: int = typer.Option(50, "--limit", min=0, help="With --theme: at most this many papers (0 = all)."),
    as_json: bool = _JSON_OPT,
) -> None:
    """A paper's tags (every source, which one is in effect), or the papers of a theme."""
    from kb.knowledge.resolve import paper_number
    from kb.knowledge.tagging import paper_tags, theme_papers

    if (paper is None) == (theme is None):
        raise UsageError("give a PAPER, or --theme THEME")
    with open_store(readonly=True) as store:
        if paper is not None:
            pid = paper_number(store, paper)
            tags = paper_tags(store, pid)
            if as_json:
                emit_json({"paper": pid, "tags": tags})
                return
            rows = [[t["theme"], t["source"], t["score"], "not this theme" if t["negative"] else "",
                     "yes" if t["effective"] else ""] for t in tags]
            console().print(table(f"tags of #{pid}", ["theme", "source", "score", "", "in effect"], rows))
            return
        rows = theme_papers(store, theme, limit=limit or None)
    if as_json:
        emit_json(rows)
        return
    console().print(table(f"papers of theme {theme}", ["#", "title", "year", "themes"],
                          [[r["id"], r["title"], r["year"],
                            ", ".join(f"{t['theme']} ({t['source']})" for t in r["themes"])] for r in rows]))


@tag_app.command("auto")
def tag_auto(
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; write nothing."),
    rule: Optional[float] = typer.Option(None, "--rule", help="Keyword score needed (title phrase 2, abstract phrase 1)."),
    rule_confident: Optional[float] = typer.Option(None, "--rule-confident", help="Rule score trusted as a training label."),
    model: Optional[float] = typer.Option(None, "--model", help="SVM margin needed."),
    graph: Optional[float] = typer.Option(None, "--graph", help="Share of neighbours with the theme needed."),
    graph_min: Optional[int] = typer.Option(None, "--graph-min", help="Neighbours with the theme needed."),
    sources: str = typer.Option("rule,model,graph", "--sources", help="Comma list of rule, model, graph."),
    show: int = typer.Option(30, "--show", min=0, help="List at most this many changes (0 = all)."),
    full: bool = typer.Option(False, "--full", help="Retrain and rescore every paper even if the cached model holds."),
    as_json: bool = _JSON_OPT,
) -> None:
    """Retrain the per-theme models and recompute every automatic tag (thresholds from
    the \\[tagging] table of the themes file unless given here). On a SQLite store whose cached
    model still holds, only new and changed papers are scored, without training."""
    from kb.knowledge.tagging import retag
    from kb.knowledge.themes import load_taxonomy

    taxonomy = load_taxonomy()
    thresholds = taxonomy.thresholds.replace(rule=rule, rule_confident=rule_confident, model=model,
                                             graph=graph, graph_min=graph_min)
    chosen = [s.strip() for s in sources.split(",") if s.strip()]
    result, titles = retag(state.db, taxonomy, thresholds, dry_run=dry_run, sources=chosen, full=full)
    if as_json:
        emit_json({**result.summary(), "changes": [c.as_dict() for c in result.changes]})
        return
    s = result.summary()
    verb = "would change" if dry_run else "changed"
    how = ("new or changed papers scored with the cached model (--full retrains)" if result.cached
           else f"papers; models trained for {len(result.trained)} themes")
    console().print(f"{s['papers']} {how}: {verb} {s['tags_added']} tags added, {s['tags_removed']} removed "
                    f"({s['rows_added']} rows added, {s['rows_removed']} removed, {s['rows_rescored']} rescored)")
    shown = result.changes[: show or None]
    if shown:
        console().print(table(None, ["change", "#", "theme", "source", "score", "title"],
                              [[("+" if c.change == "add" else "-"), c.paper, c.theme, c.source,
                                None if c.score is None else round(c.score, 3), titles.get(c.paper)]
                               for c in shown]))
        if len(result.changes) > len(shown):
            console().print(f"... and {len(result.changes) - len(shown)} more (--show 0 for all)")


# -- search, ranking, show and trail --------------------------------------

_TOP_BY = ("relevance", "seed", "pagerank", "cocitation", "coupling", "citations", "store-citations")


def _short_authors(names: list) -> str:
    if not names:
        return ""
    return names[0] + (" et al." if len(names) > 2 else f" & {names[1]}" if len(names) == 2 else "")


def _fmt_figure(value, digits: int = 3) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    if value == 0:
        return "0"
    return f"{value:.{digits}g}"


def _render_papers(rows: list[dict], title: str, figure: str | None = None,
                   figure_label: str | None = None) -> None:
    """A listing as a rich table on a terminal, one tab-separated line per paper otherwise."""
    from rich.text import Text

    if not is_terminal():
        for r in rows:
            value = r.get(figure) if figure else None  # raw numbers (no "3,370") for scripts
            extra = ["" if value is None else str(value)] if figure else []
            sys.stdout.write("\t".join([r["paper_id"], str(r["year"] or ""), *extra,
                                        " ".join((r["title"] or "").split())]) + "\n")
        return
    from rich.table import Table

    t = Table(title=title, header_style="bold", show_lines=False)
    t.add_column("#", justify="right", style="dim")
    t.add_column("paper", overflow="fold", ratio=1)
    t.add_column("year", justify="right")
    if figure:
        t.add_column(figure_label or figure, justify="right")
    t.add_column("cites", justify="right")
    t.add_column("hops", justify="right")
    t.add_column("themes", overflow="fold")
    for i, r in enumerate(rows, 1):
        cell = Text(r["title"] or "(untitled)", style="bold")
        authors = _short_authors(r.get("authors") or [])
        cell.append(f"\n{authors}" if authors else "", style="italic")
        cell.append(f"  #{r['id']}", style="dim")
        snippet = r.get("snippet") or ""
        plain = snippet.replace("«", "").replace("»", "").strip("… ")
        if snippet and plain.lower() != (r["title"] or "").strip().lower():
            cell.append("\n")  # the matching passage, when it is not just the title
            for i_part, part in enumerate(snippet.replace("»", "«").split("«")):
                cell.append(part, style="yellow" if i_part % 2 else "dim")
        cites = r.get("citation_count")
        row = [str(i), cell, str(r["year"] or "")]
        if figure:
            row.append(_fmt_figure(r.get(figure)))
        row += ["" if cites is None else f"{cites:,}",
                "" if r.get("seed_distance") is None else str(r["seed_distance"]),
                ", ".join(r.get("themes") or [])]
        t.add_row(*row)
    console().print(t)


@app.command("search")
@filter_options
def search_command(
    query: str = typer.Argument(..., help='Words (all must match), "a phrase", prefix*, OR, NOT/-word, (groups), title:/abstract:/tldr:.'),
    sort: str = typer.Option("relevance", "--sort", help="relevance, rank, year, citations (also: pagerank, cocitation, coupling, store-citations, oldest)."),
    limit: int = typer.Option(20, "--limit", min=0, help="At most this many papers (0: all)."),
    as_json: bool = _JSON_OPT,
    filters: dict = None,
) -> None:
    """Full-text search over titles, abstracts and TLDRs, ranked by bm25 (title counts most)."""
    from kb.knowledge.query import attach_themes
    from kb.knowledge.search import search

    f = paper_filter(filters, limit=limit, sort=sort, query=query)
    with open_store(readonly=True) as store:
        result = search(store, query, f)
        attach_themes(store, result.rows)
    if as_json:
        emit_json(result.as_dict())
        return
    shown = len(result.rows)
    _render_papers(result.rows, f"{shown} of {result.total:,} papers matching {query!r}",
                   figure="score", figure_label="bm25")
    if not result.rows and is_terminal():
        console().print("No paper matches. Try fewer words, a prefix* or OR.")


@app.command("rank")
def rank_command(as_json: bool = _JSON_OPT) -> None:
    """Recompute every paper's ranks (PageRank, seed PageRank, co-citation, coupling, citations)."""
    from kb.knowledge.ranking import compute_ranks

    with open_store() as store:
        summary = compute_ranks(store)
    if as_json:
        emit_json(summary.as_dict())
        return
    console().print(
        f"Ranked {summary.papers:,} papers and {summary.edges:,} citations "
        f"({summary.seeds} seeds) in {summary.seconds:.1f}s: load {summary.load_seconds:.1f}s, "
        f"compute {summary.compute_seconds:.1f}s ({summary.iterations} + "
        f"{summary.seed_iterations} iterations), write {summary.write_seconds:.1f}s.")


@app.command("top")
@filter_options
def top_command(
    by: str = typer.Option("relevance", "--by", help="relevance (the default: see `kb show` for why a paper scores high), seed (seed PageRank), pagerank, cocitation, coupling, citations, store-citations."),
    like: Optional[list[str]] = typer.Option(None, "--like", help="Rank by similarity to this paper instead (repeat for several): co-citation, coupling and embeddings, as `kb similar`."),
    no_seeds: bool = typer.Option(False, "--no-seeds", help="Leave the seeds out: only papers the crawl found."),
    limit: int = typer.Option(20, "--limit", min=0, help="At most this many papers (0: all)."),
    as_json: bool = _JSON_OPT,
    filters: dict = None,
) -> None:
    """The best papers by one of the rank figures (run `kb rank` after adding papers by hand)."""
    from kb.knowledge.query import attach_themes, query_papers
    from kb.knowledge.ranking import last_rank_run

    if by not in _TOP_BY:
        raise UsageError(f"unknown --by {by!r}; choose one of {', '.join(_TOP_BY)}")
    f = paper_filter(filters, limit=limit, sort="rank" if by == "relevance" else by)
    f.exclude_seeds = no_seeds
    figure = {"seed": "seed_pagerank", "citations": "citation_count",
              "store-citations": "in_citations"}.get(by, by)
    with open_store(readonly=True) as store:
        if like:
            from kb.knowledge.resolve import paper_number
            from kb.knowledge.similar import like_papers

            rows = attach_themes(store, like_papers(store, [paper_number(store, p) for p in like], f))
            by, figure = "similarity", "similarity"
        else:
            rows = attach_themes(store, query_papers(store, f))
        run = last_rank_run(store)
    if run is None:
        err_console().print("kb: note: ranks have not been computed yet; run `kb rank`")
    if as_json:
        emit_json({"by": by, "ranked_at": run["computed_at"] if run else None, "results": rows})
        return
    label = {"seed_pagerank": "seed rank", "citation_count": "cites (S2)",
             "in_citations": "cited in store"}.get(figure, figure)
    _render_papers(rows, f"Top {len(rows)} papers by {by}" + (f" in {filters['theme']}" if filters["theme"] else ""),
                   figure=figure, figure_label=label)


@app.command("similar")
def similar_command(
    papers: list[str] = typer.Argument(..., help=PAPER_HELP + " One or more."),
    limit: int = typer.Option(20, "--limit", min=1, help="At most this many papers."),
    as_json: bool = _JSON_OPT,
) -> None:
    """Papers like the given ones (co-citation, bibliographic coupling, embeddings), with reasons."""
    from kb.knowledge.resolve import paper_number
    from kb.knowledge.similar import similar_listing

    with open_store(readonly=True) as store:
        query = [paper_number(store, p) for p in papers]
        rows = similar_listing(store, query, limit=limit)
    if as_json:
        emit_json({"query": query, "results": rows})
        return
    if not is_terminal():
        for r in rows:
            print("\t".join([f"#{r['id']}", f"{r['similarity']:.3f}", str(r["year"] or ""),
                             r["title"] or r["paper_id"], "; ".join(r["reasons"])]))
        return
    from rich.markup import escape

    c = _page_console()
    c.print(f"[bold]{len(rows)} papers like {len(query)} paper{'s' if len(query) != 1 else ''}[/]")
    for i, r in enumerate(rows, 1):
        c.print(f"{i:>3}. [bold]{escape(r['title'] or r['paper_id'])}[/] ({r['year'] or 'n.d.'}) "
                f"#{r['id']}  similarity {r['similarity']:.3f}")
        if r["reasons"]:
            c.print("     [dim]" + escape("; ".join(r["reasons"])) + "[/]")


def _page_console():
    """Wraps to the terminal; piped, keeps each line whole so grep and diff see it intact."""
    from rich.console import Console

    return Console(soft_wrap=not is_terminal())


def _theme_label(tag: dict) -> str:
    if tag["source"] == "manual":
        return f"{tag['theme']} (manual)"
    return f"{tag['theme']} ({tag['source']} {tag['score']:.2f})"


def _signals_label(signals: dict) -> str:
    """Why kb tag auto gave a theme, in words: the model, embedding, keywords, neighbours, forum tags."""
    parts = []
    if "model" in signals:
        cut = f" (threshold {signals['threshold']:+.2f})" if "threshold" in signals else ""
        which = "posts' text model" if signals.get("model_for") == "posts" else "text model"
        parts.append(f"{which} {signals['model']:+.2f}{cut}")
    if "embedding" in signals:
        parts.append(f"embedding {signals['embedding']:.2f} (0: untagged papers, 1: the theme's)")
    if signals.get("rule"):
        parts.append(f"keywords {', '.join(signals['rule'])} (score {signals.get('rule_score', 0):.1f})")
    if "graph" in signals:
        count, share = signals["graph"]
        parts.append(f"{count} citation neighbours with the theme ({share:.0%})")
    if signals.get("forum"):
        parts.append(f"forum tags {', '.join(signals['forum'])}")
    return "; ".join(parts) or "no signal recorded"


def _brief(p: dict) -> str:
    return f"{p.get('title') or '(untitled)'} ({p.get('year') or 'n.d.'})"


@app.command("show")
def show_command(
    paper: str = typer.Argument(..., help=PAPER_HELP),
    neighbours: int = typer.Option(8, "--neighbours", min=0, help="How many references and citers to list."),
    as_json: bool = _JSON_OPT,
) -> None:
    """Everything kb knows about one paper: fields, themes, ranks, seed sentences, neighbours."""
    from rich.markup import escape

    from kb.knowledge.paper_view import paper_view
    from kb.knowledge.resolve import resolve_paper

    with open_store(readonly=True) as store:
        view = paper_view(store, resolve_paper(store, paper), neighbours=neighbours)
    if as_json:
        emit_json(view)
        return
    c = _page_console()
    c.print(f"[bold]{escape(view['title'] or '(untitled)')}[/]")
    if view["authors"]:
        c.print(escape(", ".join(view["authors"])))
    c.print(" · ".join(escape(str(x)) for x in (view["year"], view["venue"]) if x))
    ids = [f"#{view['id']}", view["paper_id"]]
    ids += [f"CorpusId:{view['corpus_id']}"] if view["corpus_id"] else []
    ids += [f"DOI:{view['doi']}"] if view["doi"] else []
    ids += [f"ARXIV:{view['arxiv_id']}"] if view["arxiv_id"] else []
    c.print("[dim]" + escape("  ".join(ids)) + "[/]")
    for name, url in view["links"].items():
        c.print(f"  {name}: {escape(url)}")
    counts = [f"{view[k]:,} {label}" for k, label in (
        ("citation_count", "citations"), ("reference_count", "references"),
        ("influential_citation_count", "influential citations")) if view[k] is not None]
    if counts:
        c.print(("Links in its body: " if view["kind"] == "post" else "S2: ") + ", ".join(counts))
    for name in view["truncated_lists"]:
        c.print(f"[yellow]Truncated:[/] the API serves only the first 9,999 {name}; the store has those.")
    for failed in view["failing_lists"]:
        c.print(f"[red]Set aside:[/] its {failed['list']} kept failing ({escape(failed['error'])}); "
                "`kb crawl --retry-failed` tries again.", soft_wrap=True)
    if view.get("post"):
        post = view["post"]
        facts = [f"{post['karma']} karma" if post["karma"] is not None else None,
                 "on the Alignment Forum" if post["af"] else None,
                 "tags: " + ", ".join(post["tags"]) if post["tags"] else None]
        c.print("Forum post: " + escape(" · ".join(f for f in facts if f)))
        c.print("[dim]from the forum (LessWrong / Alignment Forum)[/]")
    else:
        origin = view["source"]
        c.print("[dim]from " + " and ".join(
            (["the Semantic Scholar API"] if origin["api"] else [])
            + ([f"bulk data (release {origin['bulk_release']})"] if origin["bulk_release"] else [])
            or ["the Semantic Scholar API (id only)"]) + "[/]")
    if view["themes"]:
        c.print("[bold]Themes:[/] " + ", ".join(_theme_label(t) for t in view["themes"]))
        for t in view["themes"]:
            if t.get("signals"):
                c.print(f"  [dim]{escape(t['theme'])}: {escape(_signals_label(t['signals']))}[/]")
    if view["is_seed"]:
        c.print("[bold]Seed[/] paper.")
    elif view["seed_distance"] is not None:
        via = view["crawl"] or {}
        src = via.get("reached_from_paper")
        how = (f", first reached via {via.get('reached_via')} of {escape(src['title'] or src['paper_id'])}"
               if src else "")
        hops = view["seed_distance"]
        c.print(f"{hops} citation hop{'' if hops == 1 else 's'} from the nearest seed{how} "
                "(`kb trail` shows the paths).")
    else:
        c.print("Not reached from a seed by the crawler.")
    if view["tldr"]:
        c.print(f"\n[bold]TLDR[/] {escape(view['tldr'])}")
    if view["abstract"]:
        c.print(f"\n[bold]Abstract[/] {escape(view['abstract'])}")
    if view["ranks"]:
        labels = {"relevance": "relevance (default order)",
                  "seed_pagerank": "seed PageRank",
                  "pagerank": "PageRank", "cocitation": "co-citation with seeds",
                  "coupling": "coupling with seeds", "in_citations": "cited by (in store)"}
        c.print(table("Ranks", ["figure", "value", "position"], [
            [labels[k], _fmt_figure(v["value"]), f"{v['position']:,} of {v['of']:,}"]
            for k, v in view["ranks"].items() if k in labels]))
    else:
        c.print("\nNo ranks yet: run `kb rank`.")
    if view["why"]:
        c.print("[bold]Why relevant:[/] " + escape("; ".join(view["why"])))
    if view["seed_sentences"]:
        c.print("\n[bold]Named in the seed documents[/]")
        from rich.text import Text

        for m in view["seed_sentences"]:
            where = Path(m["document"]).name if m.get("document") else "?"
            line = Text(f"  {where} ", style="dim")
            sentence = Text(" ".join((m.get("sentence") or "").split()))
            if m.get("surface"):  # the words that named the paper
                sentence.highlight_words([" ".join(m["surface"].split())], style="bold",
                                         case_sensitive=False)
            c.print(line + sentence)
    for key, total_key, label in (("references", "references_in_store", "References"),
                                  ("citers", "citers_in_store", "Cited by")):
        if view[key]:
            c.print(table(f"{label} in the store (best {len(view[key])} of {view[total_key]:,})",
                          ["paper", "year", "seed rank", "hops"],
                          [[r["title"] or r["paper_id"], r["year"],
                            _fmt_figure(r["seed_pagerank"]), r["seed_distance"]]
                           for r in view[key]]))


@app.command("trail")
def trail_command(
    paper: str = typer.Argument(..., help=PAPER_HELP),
    max_paths: int = typer.Option(10, "--max-paths", min=1, help="Show at most this many shortest paths."),
    as_json: bool = _JSON_OPT,
) -> None:
    """The shortest citation paths from any seed to a paper: why it is in the knowledge base."""
    from rich.markup import escape

    from kb.knowledge.resolve import resolve_paper
    from kb.knowledge.trail import find_trail

    with open_store(readonly=True) as store:
        row = resolve_paper(store, paper)
        trail = find_trail(store, row["id"], max_paths=max_paths)
    if as_json:
        emit_json(trail.as_dict())
        return
    c = _page_console()
    name = escape(_brief(trail.papers.get(trail.paper, {})))
    if trail.distance is None:
        extra = " within the search limits" if trail.limited else ""
        c.print(f"No citation path{extra} from any of the {trail.seeds} seeds to {name}.")
        return
    if trail.distance == 0:
        c.print(f"{name} is a seed.")
        return
    c.print(f"{name}: {trail.distance} hop{'s' if trail.distance != 1 else ''} from the nearest "
            f"seed; {trail.total_paths:,} shortest path{'s' if trail.total_paths != 1 else ''}"
            + (f" (showing {len(trail.paths)})" if len(trail.paths) < trail.total_paths else ""))
    for i, path in enumerate(trail.paths, 1):
        c.print(f"\n[bold]Path {i}[/]")
        c.print(f"  [green]{'seed':<10}[/] {escape(_brief(trail.papers.get(path[0].source, {})))}")
        for hop in path:
            arrow = "→ cites" if hop.direction == "cites" else "← cited by"
            c.print(f"  {arrow:<10} {escape(_brief(trail.papers.get(hop.target, {})))}")


# -- local Semantic Scholar stand-in ------------------------------------------

standin_app = typer.Typer(no_args_is_help=True,
                          help="A local Semantic Scholar API stand-in for tests and benchmarks.")
app.add_typer(standin_app, name="standin")


@standin_app.command("serve")
def standin_serve(
    port: int = typer.Option(8765, "--port", help="Port on 127.0.0.1 (0: any free port)."),
    papers: Optional[int] = typer.Option(None, "--papers", min=0, help="How many synthetic papers to generate. Default: 20,000, the corpus `scripts/main.sh --standin` serves."),
    seed: int = typer.Option(0, "--seed", help="Seed of the generated corpus."),
    works: Optional[list[Path]] = typer.Option(
        None, "--works", help="Real-works JSONL file (repeatable). Default: kb/standin/works/*.jsonl."),
    hub_citers: Optional[int] = typer.Option(
        None, "--hub-citers", help="Add a hub paper with this many citers (e.g. 10500)."),
    rate_limit: Optional[float] = typer.Option(
        None, "--rate-limit", help="Enforce this many requests/second (429 beyond it)."),
    api_key: Optional[str] = typer.Option(
        None, "--api-key", help="Require this x-api-key header (403 otherwise)."),
    fault_rate: Optional[list[str]] = typer.Option(
        None, "--fault-rate",
        help="KIND=P (429, 500, 502, 503, 504, drop, malformed, slow, duplicate, nullids), or a "
             "bare P spread over 429/5xx. Repeatable."),
    fault_seed: int = typer.Option(0, "--fault-seed", help="Seed of the fault RNG."),
    latency: float = typer.Option(0.0, "--latency", help="Seconds added to every answer."),
    forum_port: Optional[int] = typer.Option(
        None, "--forum-port", help="Port of the forum (LessWrong / Alignment Forum) stand-in; "
                                   "default --port + 1 (any free port with --port 0); -1: no forum."),
    shared_pool: float = typer.Option(
        0.0, "--shared-pool", min=0.0, max=1.0,
        help="Share of the time the keyless shared pool is busy: 429s whatever the client's rate."),
    failing_list: Optional[list[str]] = typer.Option(
        None, "--failing-list", help="PAPER_ID[/references]: this list answers 500 for ever. Repeatable."),
) -> None:
    """Serve a generated corpus (plus the real works) the way api.semanticscholar.org does, and
    the real Alignment Forum posts the way the forum's GraphQL and search endpoints do."""
    import threading

    from kb.standin.datasets.bulk import RELEASES
    from kb.standin.faults import parse_fault_rates
    from kb.standin.server import DEFAULT_PAPERS, create_standin

    faults = parse_fault_rates(fault_rate or [], seed=fault_seed, latency=latency)
    standin = create_standin(papers=DEFAULT_PAPERS if papers is None else papers, seed=seed, works=works, rate_limit=rate_limit,
                             api_key=api_key, faults=faults, port=port, hub_citers=hub_citers)
    standin.set_shared_pool(shared_pool or None, seed=fault_seed)
    for spec in failing_list or []:
        paper_id, _, direction = spec.partition("/")
        standin.fail_list_always(paper_id, direction or "citations")
    servers = [standin]
    if forum_port is None:
        forum_port = port + 1 if port else 0
    if forum_port >= 0:
        from kb.standin.forum.corpus import paper_targets
        from kb.standin.forum.server import create_forum_standin

        servers.append(create_forum_standin(paper_targets(standin.corpus), seed=seed, port=forum_port,
                                            rate_limit=rate_limit, faults=faults))
    for server in servers:
        try:
            server.start()
        except OSError as exc:
            raise UsageError(f"cannot listen on 127.0.0.1:{server.port}: {exc.strerror or exc}") from None
    corpus = standin.corpus
    sys.stdout.write(f"kb standin: {len(corpus):,} papers ({len(corpus.work_ids):,} real works, "
                     f"{corpus.edge_count:,} citations) at {standin.url}; "
                     f"use KB_S2_API_URL={standin.url}. Ctrl-C stops.\n"
                     f"kb standin: bulk datasets (releases {', '.join(RELEASES)}) at "
                     f"{standin.url}/datasets/v1 (any x-api-key, or --api-key's).\n")
    if len(servers) > 1:
        forum = servers[1]
        sys.stdout.write(f"kb standin: {len(forum.forum):,} forum posts at {forum.url}; "
                         f"use KB_FORUM_API_URL={forum.url}\n")
    sys.stdout.flush()
    import signal

    def stop_all(*_):
        for server in servers:
            threading.Thread(target=server.stop, daemon=True).start()

    # SIGTERM (and SIGINT, even where a shell made background jobs ignore it) stops cleanly.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop_all)
    try:
        standin.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for server in servers:
            server.stop()
        standin.datasets.close()


# -- mentions, seeds and aliases ------------------------------------------------

seed_app = typer.Typer(no_args_is_help=True, help="Seed papers: add them from documents, ids, titles or BibTeX.")
alias_app = typer.Typer(no_args_is_help=True, help="Nicknames for well-known works (IOI, Chinchilla, ...).")
app.add_typer(seed_app, name="seed")
app.add_typer(alias_app, name="alias")


def _rows(rows: list[list[Any]]) -> list[list[str]]:
    """Cells as plain text: forum sentences are full of [brackets] that rich would read as markup."""
    from rich.markup import escape

    return [["" if v is None else escape(str(v)) for v in r] for r in rows]


def _alias_table():
    from kb.grounding.aliases import AliasTable

    return AliasTable.load()


@app.command("mentions")
def mentions_cmd(
    files: list[Path] = typer.Argument(..., help="Text files to read."),
    all_candidates: bool = typer.Option(False, "--all", help="Also list the \"maybe\" mentions kb does not act on."),
    online: bool = typer.Option(False, "--online", help="Also check the \"maybe\" title candidates against Semantic "
                                "Scholar's titles (at most 40 candidates a run, up to three requests each)."),
    as_json: bool = _JSON_OPT,
) -> None:
    """List the works a document names (titles, nicknames, author references, ids, links). Offline
    unless --online; a "maybe" whose text is the title of a paper in the store counts as a work."""
    from kb.regex_cache import kept_patterns

    with kept_patterns():  # half the command's CPU was compiling the same patterns every run
        from kb.grounding.mentions import extract_files, listed

        found = extract_files(files, _alias_table())
    _verify_mentions(found, online=online)
    found = listed(found, include_maybe=all_candidates)
    _EXIT.freeze = True
    rows = [{"file": m.file, "surface": m.surface, "start": m.start, "end": m.end, "kind": m.kind,
             "id": m.id, "confidence": m.confidence, "reason": m.reason, "score": round(m.score, 2),
             "truncated": m.truncated, "url": m.url, "sentence": m.sentence}
            for m in found]
    if as_json:
        emit_json(rows)
        return
    if not is_terminal():
        for r in rows:
            sys.stdout.write(f"{r['file']}\t{r['start']}\t{r['end']}\t{r['kind']}\t{r['confidence']}\t{r['id'] or ''}\t{r['surface']}\n")
        return
    console().print(table(f"{len(rows)} mentions", ["file", "at", "kind", "mention", "id", "confidence", "why"],
                          _rows([[Path(r["file"]).name, r["start"], r["kind"],
                                  r["surface"] + (" …" if r["truncated"] else ""), r["id"] or "", r["confidence"],
                                  r["reason"]]
                                 for r in rows])))


def _verify_mentions(found: list, *, online: bool) -> dict:
    from kb.grounding.verify import verify_mentions

    from kb.errors import StoreError

    # offline, the seeds module (asyncio, the store layer: 0.08 s of CPU) has nothing to give
    settings, budget = None, 0
    if online:
        from kb.grounding.seeds import MAYBE_REQUESTS

        settings, budget = state.settings, MAYBE_REQUESTS
    if store_exists(state.db):
        try:
            with open_store(readonly=True) as store:
                return verify_mentions(found, store=store, settings=settings, budget=budget)
        except StoreError as exc:          # the store is only extra evidence: go on without it
            err_console().print(f"kb: warning: the store's titles were not checked ({exc})", soft_wrap=True,
                                markup=False)
    return verify_mentions(found, settings=settings, budget=budget)


async def _with_client(fn, *args):
    from kb.sources.s2.client import S2Client

    async with S2Client(state.settings) as client:
        return await fn(client, *args)


@seed_app.command("add")
def seed_add(
    files: Optional[list[Path]] = typer.Argument(None, help="Documents whose mentions become seeds."),
    ids: Optional[list[str]] = typer.Option(None, "--id", help="A paper id (ARXIV:..., DOI:..., CorpusId:..., sha). Repeatable."),
    titles: Optional[list[str]] = typer.Option(None, "--title", help="A paper title. Repeatable."),
    bib: Optional[list[Path]] = typer.Option(None, "--bib", help="A BibTeX file (entries by DOI, arXiv id or title)."),
    wait: bool = typer.Option(False, "--wait", help="Wait for another writer instead of refusing."),
    as_json: bool = _JSON_OPT,
) -> None:
    """Find, resolve and store seed papers; unresolved mentions are kept with their sentence."""
    from kb.grounding.seeds import add_seeds

    total = add_seeds(state.db, documents=files or [], ids=ids or [], titles=titles or [],
                      bib=bib or [], aliases=_alias_table() if files else None,
                      settings=state.settings, wait=wait).to_dict()
    for warning in total["warnings"]:
        err_console().print(f"kb: warning: {warning}", soft_wrap=True, markup=False)
    if as_json:
        emit_json(total)
        return
    statuses = ", ".join(f"{v} {k}" for k, v in sorted(total["by_status"].items()))
    console().print(f"{total['mentions']} mentions ({statuses or 'none'}); {total['new_seeds']} new seeds; "
                    f"{total['requests']} requests, {total['cached']} answered from the cache. "
                    "`kb seed list` shows them.")


@seed_app.command("list")
def seed_list(
    show_all: bool = typer.Option(False, "--all", help="Also show rejected candidates."),
    as_json: bool = _JSON_OPT,
) -> None:
    """Seeds with the documents and sentences that named them, and the unresolved mentions."""
    from kb.grounding.seeds import list_seeds

    if not store_exists(state.db):
        raise UsageError(f"no store at {state.db}; start with `kb seed add`")
    with open_store(readonly=True) as store:
        info = list_seeds(store, include_rejected=show_all)
    if as_json:
        emit_json(info)
        return
    c = console()
    rows = []
    for s in info["seeds"]:
        first = s["mentions"][0] if s["mentions"] else {}
        where = f"{Path(first['document']).name}: {first['sentence']}" if first else s["source"]
        more = f" (+{len(s['mentions']) - 1} more)" if len(s["mentions"]) > 1 else ""
        rows.append([s["paper"], s["title"], s["year"] or "", s["arxiv"] or s["doi"] or s["paperId"][:10],
                     where[:200] + more])
    c.print(table(f"{len(rows)} seeds", ["#", "title", "year", "id", "named in"], _rows(rows)))
    others = [[m["mention"], m["status"], m["surface"], Path(m["document"]).name, (m["sentence"] or "")[:160],
               "; ".join(f"{x['title']} ({x.get('year') or '?'})" for x in m["candidates"][:2])]
              for m in info["mentions"]]
    if others:
        c.print(table(f"{len(others)} mentions not resolved", ["mention", "status", "text", "document",
                                                               "sentence", "candidates"], _rows(others)))
        c.print("Fix one with `kb seed resolve MENTION --id ID`.")


@seed_app.command("resolve")
def seed_resolve(
    mention: str = typer.Argument(..., help="The mention's number (from `kb seed list`) or its text."),
    paper_id: str = typer.Option(..., "--id", help="The paper it means (ARXIV:..., DOI:..., sha)."),
    as_json: bool = _JSON_OPT,
) -> None:
    """Resolve a mention by hand; the same text resolves the same way in later documents."""
    import asyncio

    from kb.grounding.seeds import resolve_by_hand

    async def run(client):
        with open_store() as store:
            return await resolve_by_hand(store, client, mention, paper_id)

    result = asyncio.run(_with_client(run))
    if as_json:
        emit_json(result)
        return
    console().print(f"{result['mentions']} mention(s) now point at #{result['paper']} {result['title']}", markup=False)


@seed_app.command("rm")
def seed_rm(
    paper: str = typer.Argument(..., help=PAPER_HELP),
    as_json: bool = _JSON_OPT,
) -> None:
    """Stop using a paper as a seed (it stays in the store)."""
    from kb.grounding.seeds import remove_seed

    with open_store() as store:
        result = remove_seed(store, paper)
    if as_json:
        emit_json(result)
        return
    console().print(f"#{result['paper']} {result['title']} is no longer a seed", markup=False)


@alias_app.command("add")
def alias_add(
    names: list[str] = typer.Argument(..., help="The nickname(s), e.g. \"IOI\" \"the IOI paper\"."),
    paper_id: Optional[str] = typer.Option(None, "--id", help="The paper (ARXIV:..., DOI:..., sha)."),
    title: Optional[str] = typer.Option(None, "--title", help="The work's title (matched exactly when there is no id)."),
    year: Optional[int] = typer.Option(None, "--year"),
    kind: str = typer.Option("paper", "--kind", help="paper, book or post (books and posts need no id)."),
    as_json: bool = _JSON_OPT,
) -> None:
    """Add your own nickname for a work (kept in KB_USER_ALIASES, default data/aliases.user.toml)."""
    from kb.grounding.aliases import add_user_alias, user_path

    alias = add_user_alias(list(names), id=paper_id, title=title, year=year, kind=kind)
    if as_json:
        emit_json(alias.to_dict())
        return
    console().print(f"added {', '.join(alias.names)} -> {alias.id or alias.title} in {user_path()}", markup=False)


@alias_app.command("list")
def alias_list(
    grep: Optional[str] = typer.Argument(None, help="Only aliases whose name or title contains this."),
    as_json: bool = _JSON_OPT,
) -> None:
    """The nickname table (shipped and your own)."""
    aliases = _alias_table().aliases
    if grep:
        g = grep.lower()
        aliases = [a for a in aliases if g in (a.title or "").lower() or any(g in n.lower() for n in a.names)]
    if as_json:
        emit_json([a.to_dict() for a in aliases])
        return
    console().print(table(f"{len(aliases)} aliases", ["names", "id", "title", "year", "from"],
                          _rows([[", ".join(a.names), a.id or a.kind, a.title, a.year or "", a.source]
                                 for a in aliases])))


# -- bulk datasets (datasets helper) -----------------------------------------------------------

datasets_app = typer.Typer(no_args_is_help=True,
                           help="Semantic Scholar's bulk datasets: pull, update, extract into the store.")
app.add_typer(datasets_app, name="datasets")


def _datasets_dir(folder: Optional[Path]) -> Path:
    from kb.sources.datasets.local import datasets_dir

    return folder or datasets_dir(Settings(db_path=state.db, datasets_dir=state.settings.datasets_dir))


_DATASETS_DIR_OPT = typer.Option(None, "--dir", help="Datasets folder (default: $KB_DATASETS_DIR, "
                                 "or datasets/ beside the store).")


class BytesDisplay:
    """A download bar on a terminal (files done, bytes); quiet when piped."""

    def __init__(self, title: str, enabled: bool = True):
        self.title = title
        self.enabled = enabled and sys.stderr.isatty()
        self.live = None

    def __enter__(self):
        if self.enabled:
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

            self.live = Progress(TextColumn(f"[bold]{self.title}"), BarColumn(),
                                 TextColumn("{task.fields[detail]}"), DownloadColumn(),
                                 TransferSpeedColumn(), console=err_console())
            self.live.__enter__()
            self.task = self.live.add_task(self.title, total=None, detail="")
        return self

    def __call__(self, p) -> None:
        if self.live is not None:
            self.live.update(self.task, completed=p.bytes_done,
                             detail=f"{p.dataset} {p.file} ({p.files_done}/{p.files_total} files)")

    def __exit__(self, *exc):
        if self.live is not None:
            self.live.__exit__(*exc)


@datasets_app.command("pull")
def datasets_pull(
    names: list[str] = typer.Argument(..., help="Datasets: papers citations abstracts tldrs embeddings-specter_v2 ..."),
    release: str = typer.Option("latest", "--release", help="A release id (kb datasets releases) or latest."),
    folder: Optional[Path] = _DATASETS_DIR_OPT,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Download datasets of a release (needs S2_API_KEY); resumable: run it again to continue."""
    from kb.sources.datasets.pull import pull

    with BytesDisplay("pull", enabled=not as_json) as display:
        report = pull(state.settings, names, release, root=_datasets_dir(folder), progress=display)
    if as_json:
        emit_json(report.as_dict())
        return
    console().print(table(f"release {report.release}", ["dataset", "files", "downloaded now", "bytes"],
                          [[n, d["files"], d["downloaded"], f"{d['bytes']:,}"]
                           for n, d in report.datasets.items()]))
    if report.relinks or report.ranged_requests:
        console().print(f"{report.ranged_requests} resumed downloads, {report.relinks} expired links renewed")


_ENGINE_OPT = typer.Option("duckdb", "--engine", help="duckdb (embedded, default) or spark "
                           "(master from SPARK_MASTER / spark-defaults.conf; local otherwise).")


@datasets_app.command("update")
def datasets_update(
    names: Optional[list[str]] = typer.Argument(None, help="Datasets to update (default: every one pulled)."),
    engine: str = _ENGINE_OPT,
    folder: Optional[Path] = _DATASETS_DIR_OPT,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Bring local datasets to the latest release by applying S2's diffs (updates by primary
    key, deletes), without downloading the whole datasets again."""
    from kb.bulk.update import update

    with BytesDisplay("update", enabled=not as_json) as display:
        report = update(state.settings, names or None, engine=engine, root=_datasets_dir(folder),
                        progress=display)
    if as_json:
        emit_json(report.as_dict())
        return
    console().print(table("datasets updated", ["dataset", "from", "to", "diffs applied", "rows"],
                          [[n, d["from"], d["to"], d["diffs"], f"{d['rows']:,}" if d["rows"] is not None else ""]
                           for n, d in report.datasets.items()]))


@datasets_app.command("list")
def datasets_list(
    folder: Optional[Path] = _DATASETS_DIR_OPT,
    as_json: bool = _JSON_OPT,
) -> None:
    """The local datasets: release downloaded, files, Parquet table and its release."""
    from kb.sources.datasets.local import LocalDatasets

    local = LocalDatasets(_datasets_dir(folder))
    rows = [{"dataset": n, "release": s.release, "files": f"{len(s.files)}/{len(s.expected)}",
             "bytes": sum(s.files.values()), "parquet_release": s.parquet_release,
             "parquet_rows": s.parquet_rows} for n, s in sorted(local.state.items())]
    if as_json:
        emit_json(rows)
        return
    console().print(table(f"datasets in {local.root}", ["dataset", "release", "files", "bytes",
                                                          "parquet release", "rows"],
                          [[r["dataset"], r["release"], r["files"], f"{r['bytes']:,}",
                            r["parquet_release"], r["parquet_rows"]] for r in rows]))


@datasets_app.command("extract")
def datasets_extract(
    depth: int = typer.Option(2, "--depth", min=0, help="Citation hops from the seeds (both ways)."),
    theme: Optional[str] = typer.Option(None, "--theme", help="Expand only papers of this theme (seeds always)."),
    min_year: Optional[int] = typer.Option(None, "--min-year", help="Leave out papers older than this."),
    min_citations: Optional[int] = typer.Option(None, "--min-citations", min=0,
                                                help="Leave out papers with fewer citations."),
    engine: str = _ENGINE_OPT,
    rank: bool = typer.Option(True, "--rank/--no-rank", help="Rank the store afterwards."),
    tag: bool = typer.Option(True, "--tag/--no-tag", help="Tag themes automatically afterwards."),
    wait: bool = typer.Option(False, "--wait", help="Wait for another writer instead of refusing."),
    folder: Optional[Path] = _DATASETS_DIR_OPT,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Load the seeds' k-hop neighbourhood from the local datasets into the store (converting
    them to Parquet first if needed); recorded in `kb runs` with the release."""
    from kb.bulk.extract import ExtractOptions, extract

    options = ExtractOptions(depth=depth, min_year=min_year, min_citations=min_citations, theme=theme,
                             engine=engine, rank=rank, tag=tag)
    report = extract(state.db, options, settings=state.settings, root=_datasets_dir(folder), wait=wait,
                     progress=_extract_progress(enabled=not as_json))
    if as_json:
        emit_json(report.as_dict())
        return
    console().print(table(f"bulk run #{report.run_id}", ["", ""], [
        ["engine", report.engine], ["releases", ", ".join(f"{k} {v}" for k, v in report.releases.items())],
        ["seeds", report.seeds], ["papers per hop", " / ".join(f"{n:,}" for n in report.per_hop)],
        ["papers expanded", f"{report.expanded:,}"], ["papers loaded", f"{report.papers:,}"],
        ["new papers", f"{report.new_papers:,}"], ["new edges", f"{report.new_edges:,}"],
        ["seconds", ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items())]]))


@datasets_app.command("pagerank")
def datasets_pagerank(
    engine: str = _ENGINE_OPT,
    iterations: int = typer.Option(50, "--iterations", min=1, help="At most this many power-iteration steps."),
    top: int = typer.Option(20, "--top", min=1, help="How many papers to list."),
    folder: Optional[Path] = _DATASETS_DIR_OPT,
    as_json: bool = _JSON_OPT,
) -> None:
    """PageRank of every paper in the local release (written as Parquet beside the datasets);
    lists the top papers."""
    from kb.bulk.engines import open_engine
    from kb.bulk.pagerank import pagerank
    from kb.sources.datasets.local import LocalDatasets

    local = LocalDatasets(_datasets_dir(folder))
    db = open_engine(engine)
    try:
        report = pagerank(db, local, iterations=iterations, top=top)
    finally:
        db.close()
    if as_json:
        emit_json(report.as_dict())
        return
    console().print(table(f"PageRank of {report.papers:,} papers, {report.edges:,} citations "
                          f"({report.iterations} steps, L1 change {report.delta:.1e})",
                          ["#", "PageRank", "year", "title", "paper id"],
                          _rows([[i, f"{r['pagerank']:.3g}", r["year"], r["title"], r["paper_id"]]
                                 for i, r in enumerate(report.top, 1)])))


def _extract_progress(enabled: bool):
    """One line per stage on a terminal's stderr (the walk's hops, then pages loaded)."""
    if not (enabled and sys.stderr.isatty()):
        return None
    seen: set = set()

    def show(p) -> None:
        key = (p.stage, p.hop if p.stage == "walk" else None)
        if key not in seen:
            seen.add(key)
            what = f"hop {p.hop} ({p.reached:,} reached)" if p.stage == "walk" else p.stage
            err_console().print(f"[dim]kb datasets extract: {what}[/]")

    return show


def main() -> None:
    """The ``kb`` program. A command is a short process that builds big tables of tuples and
    lists (the alias table, the gazetteer, regular expressions, pages of a crawl) and frees them
    by reference counting; at the cyclic collector's default pace (a pass every 700 new
    containers, re-reading the older ones every 10th and 100th) the collector took 0.06-0.09 s
    of the 0.7-1.0 s ``kb mentions`` spends on a 10k-word document, 0.035 s at every 10,000 and
    0.025 s with the older ones re-read every 50th. Set here, not in the callback, so that tests
    running commands in their own process keep Python's default.

    Python's shutdown also runs full collections over every table still loaded: 0.07 s of the
    0.5 s ``kb mentions`` costs. That command asks for its objects to be frozen on the way out
    (``gc.freeze``): they are freed with the process, and only a cycle's finalizer would be
    skipped, which a command that writes nothing but standard output (flushed by Python's own
    exit) does not need. Every other command keeps the default, so its stores and files close
    as they always did."""
    gc.set_threshold(10_000, 50)
    try:
        app()
    finally:
        if _EXIT.freeze:
            gc.freeze()


class _EXIT:
    """What the process should do as it ends, set by the command it ran."""
    freeze = False


if __name__ == "__main__":
    main()
