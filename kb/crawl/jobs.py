"""Named periodic crawl jobs, run from cron or a systemd timer.

Jobs belong to one store: they live in a small TOML file named after it (``data/kb.jobs.toml``
for ``data/kb.sqlite``, unless ``KB_JOBS`` says otherwise) so that they can be read and edited
by hand, and a cron line for another store never runs them. One cron line per store,
``kb job run --due``, serves them all: a job is due when its last successful run finished longer ago than its
``every``. Each run is a refresh under the store's writer lock (so two runs never overlap),
appends one line to a log file, may write a digest of what is new, and ends with an exit code
that tells cron what happened.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from kb.crawl.timeparse import parse_duration
from kb.errors import (
    ApiError,
    ConfigError,
    KbError,
    NotFoundError,
    StoreLockedError,
    UsageError,
)

EXIT_OK = 0
EXIT_PARTIAL = 10   # the budget ran out with work left; the next run continues it
EXIT_FAILED = 11    # the API (or the store) failed; nothing stored was lost; the next run retries
EXIT_LOCKED = 12    # another kb process was writing: this run did not start

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass
class Job:
    name: str
    every: str = "1d"
    depth: int = 1
    theme: str | None = None
    top: int = 50
    older_than: str = "1d"
    max_requests: int = 500
    max_time: str | None = "30m"
    direction: str = "both"
    digest_dir: str | None = None
    # Re-tag themes after a run that changed the graph, as `kb crawl` does. Off: the job only
    # refreshes and ranks, and tags wait for `kb tag auto` (retraining the theme models is most
    # of a small refresh's CPU).
    tag: bool = True

    def validate(self) -> "Job":
        if not _NAME.match(self.name):
            raise UsageError(f"job names use letters, digits, '-', '_' and '.', not {self.name!r}")
        parse_duration(self.every)
        parse_duration(self.older_than)
        if self.max_time:
            parse_duration(self.max_time)
        if self.direction not in ("refs", "cits", "both"):
            raise UsageError(f"direction must be refs, cits or both, not {self.direction!r}")
        if self.depth < 0 or self.max_requests < 1 or self.top < 0:
            raise UsageError("depth and top must be ≥ 0 and max_requests ≥ 1")
        if not isinstance(self.tag, bool):
            raise UsageError(f"tag must be true or false, not {self.tag!r}")
        return self


@dataclass
class JobResult:
    job: str
    status: str          # completed | partial | failed | locked | skipped
    exit_code: int
    run_id: int | None = None
    requests: int = 0
    new_papers: int = 0
    new_edges: int = 0
    message: str = ""
    digest: str | None = None
    details: dict = field(default_factory=dict)


def jobs_path(db_path: Path, env: dict | None = None) -> Path:
    """The store's jobs file: ``<store name>.jobs.toml`` beside it (or ``$KB_JOBS``)."""
    import os

    env = os.environ if env is None else env
    if env.get("KB_JOBS"):
        return Path(env["KB_JOBS"])
    return _beside_store(db_path, "jobs.toml")


def log_path(db_path: Path) -> Path:
    """The store's job log: one JSON line per run, ``<store name>.jobs.log`` beside it."""
    return _beside_store(db_path, "jobs.log")


def _beside_store(db_path, suffix: str) -> Path:
    """``<store name>.<suffix>`` beside a SQLite store; for a PostgreSQL store,
    ``<host>-<database>.<suffix>`` in kb's data directory, so two databases never share jobs."""
    from kb.settings import DATA_DIR
    from kb.store.base import is_postgres_url

    if is_postgres_url(db_path):
        return DATA_DIR / f"{_postgres_store_name(db_path)}.{suffix}"
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}.{suffix}")


def _postgres_store_name(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    database = parts.path.lstrip("/") or parts.username or "postgres"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{host}-{database}")


LEGACY_FILES = ("jobs.toml", "jobs.log")


def adopt_legacy_jobs(db_path) -> list[str]:
    """Before jobs belonged to a store they lived in ``jobs.toml`` / ``jobs.log`` in the
    store's directory. The first job command on a store whose own files do not exist yet
    moves them there (renamed after the store), because the old cron line ran them against
    this store. Returns one message per file moved, so the user sees where they went."""
    from kb.store.base import is_postgres_url

    if is_postgres_url(db_path):
        return []
    moved = []
    for name in LEGACY_FILES:
        legacy = Path(db_path).with_name(name)
        target = _beside_store(db_path, name)
        if legacy.is_file() and not target.exists():
            legacy.rename(target)
            moved.append(f"moved {legacy} to {target} (jobs now belong to one store)")
    return moved


def load_jobs(path: Path) -> dict[str, Job]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    jobs = {}
    known = set(Job.__dataclass_fields__)
    tables = data.get("job") or {}
    if not isinstance(tables, dict):
        raise ConfigError(f"{path}: `job` must be a table of [job.NAME] tables")
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [job.{name}] must be a table")
        unknown = set(table) - known
        if unknown:
            raise ConfigError(f"{path}: [job.{name}] has unknown keys: {', '.join(sorted(unknown))}")
        try:
            jobs[name] = Job(name=name, **{k: v for k, v in table.items() if k != "name"}).validate()
        except (TypeError, UsageError) as exc:
            raise ConfigError(f"{path}: [job.{name}]: {exc}") from None
    return jobs


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def save_jobs(path: Path, jobs: dict[str, Job]) -> None:
    from kb.output.atomic_write import atomic_write

    lines = ["# kb periodic crawl jobs: edit by hand or with `kb job add`.", ""]
    for job in jobs.values():
        lines.append(f"[job.{json.dumps(job.name)}]")
        for key, value in asdict(job).items():
            if key != "name" and value is not None:
                lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    atomic_write(path, "\n".join(lines))


def last_success(store, name: str) -> dict | None:
    row = store.conn.execute(
        "SELECT * FROM crawl_run WHERE job = ? AND status IN ('completed', 'partial') "
        "ORDER BY id DESC LIMIT 1", (name,)).fetchone()
    return dict(row) if row else None


def is_due(store, job: Job, now: datetime | None = None) -> bool:
    last = last_success(store, job.name)
    if last is None or not last.get("finished_at"):
        return True
    now = now or datetime.now(timezone.utc)
    finished = datetime.strptime(last["finished_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return (now - finished).total_seconds() >= parse_duration(job.every)


def job_table(db_path: Path, jobs: dict[str, Job]) -> list[dict]:
    """Each job with when it last succeeded and whether it is due (`kb job list`)."""
    from kb.store import Store
    from kb.store.base import store_exists

    if not store_exists(db_path):
        return [{**asdict(job), "last_success": None, "due": True} for job in jobs.values()]
    with Store(db_path, readonly=True) as store:
        rows = []
        for job in jobs.values():
            last = last_success(store, job.name)
            rows.append({**asdict(job), "last_success": last["finished_at"] if last else None,
                         "due": is_due(store, job)})
        return rows


def due_jobs(db_path: Path, jobs: dict[str, Job]) -> list[Job]:
    """The jobs whose last success is older than their ``every`` (all of them on a new store)."""
    return [jobs[row["name"]] for row in job_table(db_path, jobs) if row["due"]]


def run_job(db_path: Path, job: Job, *, settings=None, wait: bool = False, tag: bool = True) -> JobResult:
    """One run of ``job``: refresh, digest, log line. Never raises for API or lock failures:
    they become the result's status and exit code, which is what cron needs. A job that
    cannot run (no store, no seeds) fails: cron must hear about it, not see success."""
    from kb.crawl.crawler import CrawlBudget
    from kb.crawl.refresh import RefreshOptions, refresh
    from kb.store.base import store_exists

    if not store_exists(db_path):
        result = JobResult(job.name, "failed", EXIT_FAILED,
                           message=f"no store at {db_path}; the job belongs to another store or "
                                   "the store was moved")
        append_log(log_path(db_path), result)
        return result
    budget = CrawlBudget(depth=job.depth, max_requests=job.max_requests,
                         max_time=parse_duration(job.max_time) if job.max_time else None,
                         direction=job.direction)
    options = RefreshOptions(top=job.top, older_than_seconds=parse_duration(job.older_than))
    try:
        report = refresh(db_path, budget, options, settings=settings, wait=wait, job=job.name,
                         tag=tag and job.tag)
    except StoreLockedError as exc:
        result = JobResult(job.name, "locked", EXIT_LOCKED, message=str(exc))
    except (ApiError, KbError) as exc:
        result = JobResult(job.name, "failed", EXIT_FAILED, message=str(exc))
    else:
        code = {"completed": EXIT_OK, "partial": EXIT_PARTIAL}.get(report.status, EXIT_FAILED)
        result = JobResult(job.name, report.status, code, run_id=report.run_id,
                           requests=report.requests, new_papers=report.new_papers,
                           new_edges=report.new_edges, message=report.message)
        if job.digest_dir and report.status != "failed":
            result.digest = str(write_digest(db_path, job, report.run_id))
    append_log(log_path(db_path), result)
    return result


def write_digest(db_path: Path, job: Job, run_id: int) -> Path:
    from kb.crawl.whats_new import Since, digest_markdown, new_papers
    from kb.output.atomic_write import atomic_write
    from kb.store import Store

    with Store(db_path, readonly=True) as store:
        since = Since(run_id=run_id)
        rows = new_papers(store, since, theme=job.theme)
    directory = Path(job.digest_dir).expanduser()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{job.name}-run{run_id}.md"
    atomic_write(path, digest_markdown(rows, since))
    return path


def append_log(path: Path, result: JobResult) -> None:
    line = json.dumps({
        "at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "job": result.job,
        "status": result.status, "exit": result.exit_code, "run": result.run_id,
        "requests": result.requests, "new_papers": result.new_papers,
        "new_edges": result.new_edges, "message": result.message}, ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def get_job(jobs: dict[str, Job], name: str) -> Job:
    if name not in jobs:
        known = ", ".join(sorted(jobs)) or "none yet; add one with `kb job add`"
        raise NotFoundError(f"no job named {name!r} (jobs: {known})")
    return jobs[name]


def combined_exit_code(results: list[JobResult]) -> int:
    """The most serious outcome decides: failed > locked > partial > ok."""
    order = [EXIT_FAILED, EXIT_LOCKED, EXIT_PARTIAL, EXIT_OK]
    codes = {r.exit_code for r in results}
    return next((c for c in order if c in codes), EXIT_OK)
