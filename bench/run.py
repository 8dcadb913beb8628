"""Run kb's benchmarks and print the table: every figure next to a baseline from the same run.

    python bench/run.py                      # everything, full sizes (about 15 min on 2 cores)
    python bench/run.py --quick              # tiny sizes, seconds (the test suite's smoke run)
    python bench/run.py --only crawl,rank    # some of: startup, crawl, ingest, rank, query, mentions, bulk, relevance, embeddings
    python bench/run.py --only crawl --priority 10   # ahead of other work on a shared machine (root)

Each benchmark runs in a fresh subprocess, so its peak memory is its own and one benchmark's
caches do not help the next. The table goes to stdout (a rich table on a terminal, Markdown
otherwise); ``--out`` gets the JSON (every figure, baseline and the raw timings behind them)
and a Markdown table next to it (``results.md``) for the README. See bench/README.md for what
each figure measures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

ORDER = ("startup", "crawl", "ingest", "rank", "query", "mentions", "bulk", "relevance", "embeddings")
NEEDS_STORE = ("rank", "query")


# -- inside a worker subprocess ----------------------------------------------------------------

def _log(message: str) -> None:
    sys.stderr.write(f"  {message}\n")
    sys.stderr.flush()


def worker(name: str, work_dir: Path, result: Path, quick: bool) -> None:
    from common import vm_hwm_mb

    t0 = time.perf_counter()
    if name in NEEDS_STORE:
        import bench_ingest

        if not bench_ingest.store_ready(work_dir, quick):
            _log("no big store from an ingest run here: building one (not timed)")
            bench_ingest.build_store(work_dir, quick, log=_log)
    if name == "startup":
        from bench_query import run_startup as run
    elif name == "crawl":
        from bench_crawl import run
    elif name == "ingest":
        from bench_ingest import run
    elif name == "rank":
        from bench_rank import run
    elif name == "query":
        from bench_query import run
    elif name == "mentions":
        from bench_mentions import run
    elif name == "bulk":
        from bench_bulk import run
    elif name == "relevance":
        from bench_relevance import run
    elif name == "embeddings":
        from bench_embeddings import run
    else:
        raise SystemExit(f"unknown benchmark {name!r}")
    out = run(work_dir, quick=quick, log=_log)
    payload = {"name": name, "metrics": [m.as_dict() for m in out["metrics"]],
               "context": out.get("context", {}), "seconds": time.perf_counter() - t0,
               "peak_rss_mb": vm_hwm_mb()}
    result.write_text(json.dumps(payload, indent=1, default=str))


# -- the parent --------------------------------------------------------------------------------

def run_worker(name: str, work_dir: Path, quick: bool) -> dict:
    result = work_dir / f"result-{name}.json"
    result.unlink(missing_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name,
           "--work-dir", str(work_dir), "--result", str(result)] + (["--quick"] if quick else [])
    t0 = time.perf_counter()
    load_before = os.getloadavg()[0]
    proc = subprocess.run(cmd, stdout=sys.stderr, stderr=sys.stderr)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0 or not result.exists():
        return {"name": name, "error": f"exit code {proc.returncode}", "metrics": [],
                "seconds": seconds}
    data = json.loads(result.read_text())
    data["wall_seconds"] = seconds
    data["load_before"] = round(load_before, 2)
    data["load_after"] = round(os.getloadavg()[0], 2)
    return data


def fmt_number(value, unit: str = "") -> str:
    if value is None:
        return "n/a"
    v = float(value)
    if unit in ("requests",) or (abs(v) >= 1000 and unit not in ("s",)):
        text = f"{v:,.0f}"
    elif unit == "s":
        text = f"{v:.3f}" if v < 1 else f"{v:.1f}" if v < 100 else f"{v:,.0f}"
    elif unit == "MB":
        text = f"{v:,.0f}"
    elif abs(v) >= 100:
        text = f"{v:,.0f}"
    elif abs(v) >= 10:
        text = f"{v:.1f}"
    else:
        text = f"{v:.2f}"
    return f"{text} {unit}".strip()


def fmt_ratio(value) -> str:
    if value is None:
        return ""
    v = float(value)
    return f"{v:.3f}×" if v < 0.1 else f"{v:.2f}×" if v < 100 else f"{v:,.0f}×"


def rows_of(results: list[dict]) -> list[list[str]]:
    rows = []
    for res in results:
        if res.get("error"):
            rows.append([res["name"], "benchmark failed", res["error"], "", "", "", "NO", ""])
            continue
        for m in res["metrics"]:
            baseline = fmt_number(m["baseline"], m["baseline_unit"]) if m["baseline"] is not None else ""
            if m["baseline_name"]:
                baseline = f"{baseline} ({m['baseline_name']})" if baseline else m["baseline_name"]
            met = "" if m["met"] is None else ("yes" if m["met"] else "NO")
            rows.append([m["group"], m["name"], fmt_number(m["value"], m["unit"]), baseline,
                         fmt_ratio(m["ratio"]), m["target_text"], met, m["note"]])
    return rows


COLUMNS = ["group", "metric", "value", "baseline", "ratio", "target", "met?", "notes"]


def markdown_table(rows: list[list[str]]) -> str:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def raise_priority(level: int) -> str:
    """Put the benchmarks ahead of other work on a shared machine, and say how far that went.

    ``nice`` alone does not do it on Linux: with autogroup scheduling (the default on desktop and
    many server kernels) CPU time is shared between sessions first, so a process at nice -10
    still gets only its session's share when other terminals are busy. The session's autogroup
    gets the priority too. Both need root (CAP_SYS_NICE); what could not be done is said."""
    done = []
    autogroup = Path("/proc/self/autogroup")
    try:
        if autogroup.exists():
            autogroup.write_text(str(-level))
            done.append(f"autogroup nice -{level}")
    except OSError as exc:
        done.append(f"autogroup unchanged ({exc.strerror})")
    try:
        os.nice(-level - os.nice(0))
        done.append(f"nice -{level}")
    except OSError as exc:
        done.append(f"nice unchanged ({exc.strerror})")
    return ", ".join(done)


def machine_line(machine: dict) -> str:
    return (f"{machine['cpu']}, {machine['cores']} cores, {machine['ram_gib']} GiB RAM; "
            f"Python {machine['python']}, SQLite {machine['sqlite']} "
            f"(CLI {machine['sqlite_cli'] or 'missing'}); {machine['platform']}")


def render_markdown(report: dict) -> str:
    m = report["machine"]
    loads = ", ".join(f"{r['name']} {r.get('load_before', '?')}→{r.get('load_after', '?')}"
                      for r in report["results"])
    lines = [
        f"Benchmarks of {report['started_at'][:10]} (`{report['command']}`, "
        f"{report['seconds'] / 60:.1f} min{', QUICK sizes' if report['quick'] else ''}).",
        "",
        f"Machine: {machine_line(m)}. Load average (1 min) at start {m['load_average'][0]}, "
        f"per benchmark before→after: {loads}."
        + (f" Scheduling priority: {report['priority']}." if report.get("priority") else ""),
        "",
        markdown_table(rows_of(report["results"])),
        "",
        "Ratios are value / baseline, except ingest (kb time / raw time: above 1 is slower than "
        "raw SQLite). Peak RSS is per benchmark process.",
    ]
    return "\n".join(lines) + "\n"


def print_table(report: dict) -> None:
    rows = rows_of(report["results"])
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"kb benchmarks ({'quick' if report['quick'] else 'full'}): "
                            f"{machine_line(report['machine'])}", show_lines=False)
        for c in COLUMNS:
            table.add_column(c, overflow="fold", max_width=60 if c == "notes" else None)
        for row in rows:
            table.add_row(*row)
        Console().print(table)
    else:
        sys.stdout.write(render_markdown(report))
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Tiny sizes: a smoke run in seconds.")
    parser.add_argument("--only", default=",".join(ORDER),
                        help=f"Comma-separated benchmarks among {', '.join(ORDER)}.")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "out" / "results.json",
                        help="Where the JSON results go (results.md is written next to it).")
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="Scratch directory for stores (default: next to --out).")
    parser.add_argument("--priority", type=int, default=0, metavar="N",
                        help="Run at nice -N, the session's autogroup too (root): figures that "
                             "depend on getting the CPU in time, on a machine others are using.")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    work_dir = (args.work_dir or args.out.parent / ("work-quick" if args.quick else "work")).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    if args.worker:
        worker(args.worker, work_dir, args.result, args.quick)
        return 0

    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in ORDER]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose among {', '.join(ORDER)}")
    from common import machine_info

    started = datetime.now(timezone.utc)
    priority = raise_priority(args.priority) if args.priority else ""
    machine = machine_info()
    if not machine["sqlite_cli"]:
        sys.stderr.write("bench: the sqlite3 command-line tool is missing, so the query "
                         "baselines will be empty; install it with `apt-get install -y sqlite3`\n")
    sys.stderr.write(f"bench: {machine_line(machine)}; load average {machine['load_average']}\n")
    t0 = time.perf_counter()
    results = []
    for name in sorted(names, key=ORDER.index):
        sys.stderr.write(f"bench: {name} ...\n")
        sys.stderr.flush()
        res = run_worker(name, work_dir, args.quick)
        sys.stderr.write(f"bench: {name} done in {res['seconds']:.1f}s"
                         + (f" (FAILED: {res['error']})" if res.get("error") else "") + "\n")
        results.append(res)
    report = {
        "started_at": started.isoformat(timespec="seconds"),
        "command": "python bench/run.py" + (" --quick" if args.quick else "")
                   + (f" --only {args.only}" if set(names) != set(ORDER) else "")
                   + (f" --priority {args.priority}" if args.priority else ""),
        "quick": args.quick, "machine": machine, "seconds": time.perf_counter() - t0,
        "priority": priority,
        "load_average_end": [round(x, 2) for x in os.getloadavg()], "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, default=str))
    args.out.with_suffix(".md").write_text(render_markdown(report))
    print_table(report)
    sys.stderr.write(f"bench: {report['seconds'] / 60:.1f} min in all; results in {args.out} "
                     f"and {args.out.with_suffix('.md')}\n")
    return 1 if any(r.get("error") for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
