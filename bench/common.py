"""What every benchmark shares: a figure with its baseline, memory readings, the machine.

A figure is never reported alone: the machines these benchmarks run on are shared and noisy,
so every figure comes with a baseline measured in the same run on the same machine, and the
ratio between the two is the number to compare across runs; the absolute values are there for
context.
"""

from __future__ import annotations

import os
import platform
import resource
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class Metric:
    """One row of the table.

    ``ratio`` is value / baseline unless the benchmark says otherwise in ``ratio_of``;
    ``target`` is checked against ``target_on`` ("ratio" or "value") with ``target_op``.
    """

    group: str
    name: str
    value: float | None
    unit: str = ""
    baseline: float | None = None
    baseline_name: str = ""
    baseline_unit: str = ""
    ratio: float | None = None
    ratio_of: str = ""
    target_on: str | None = None     # "ratio" | "value" | None
    target_op: str = "<="
    target: float | None = None
    note: str = ""
    met: bool | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.ratio is None and self.value is not None and self.baseline:
            self.ratio = self.value / self.baseline
        if self.target_on is not None and self.target is not None:
            checked = self.ratio if self.target_on == "ratio" else self.value
            if checked is not None:
                self.met = {"<=": checked <= self.target, "<": checked < self.target,
                            ">=": checked >= self.target, ">": checked > self.target}[self.target_op]

    def target_text(self) -> str:
        if self.target_on is None or self.target is None:
            return ""
        what = "ratio" if self.target_on == "ratio" else "value"
        return f"{what} {self.target_op} {self.target:g}"

    def as_dict(self) -> dict:
        out = asdict(self)
        out["target_text"] = self.target_text()
        return out


# -- memory and time ---------------------------------------------------------------------------

def peak_rss_mb() -> float:
    """This process's peak resident set size so far (VmHWM), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0: write 5 to clear_refs), so that the next
    peak reading covers only what follows. Returns False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def vm_hwm_mb() -> float:
    """Peak RSS as the kernel tracks it (resettable with :func:`reset_peak_rss`)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


def user_env() -> dict:
    """The environment of a user's install for a timed ``kb`` process: this tree's code (the
    bench of a branch times the branch) with its bytecode cached. A session that sets
    PYTHONDONTWRITEBYTECODE makes every run compile each kb module edited since set-up from
    source (cli.py alone is 0.06 s of CPU; all of ``kb mentions``'s modules about 0.3 s)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(ROOT)}


def best_of(fn, repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), times


def fresh_path(path: Path) -> Path:
    path = Path(path)
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# -- the machine -------------------------------------------------------------------------------

def machine_info() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    cli = None
    try:
        cli = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True,
                             timeout=10).stdout.split()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_gib": mem_gib,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlite_cli": cli,
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
