"""An export killed with SIGKILL mid-write never leaves a half file in place of a good one."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from kb.store.records import AuthorRef, PaperRecord
from kb.store import Store

ROOT = Path(__file__).resolve().parents[1]


def test_killed_exports_leave_the_old_file_or_the_new_one(tmp_path):
    db = tmp_path / "kb.sqlite"
    with Store(db) as store:
        store.upsert_papers([
            PaperRecord(paper_id=f"{i:040x}", title=f"Paper {i} on superposition and circuits " * 3,
                        abstract="An abstract. " * 60, year=2000 + i % 26, detail_level=2,
                        authors=[AuthorRef(f"Author {i}", str(i))]) for i in range(1, 15_001)])
    target = tmp_path / "reading.json"
    env = dict(os.environ, KB_DB=str(db))
    cmd = [sys.executable, str(ROOT / "cli.py"), "export", "--format", "json", "--limit", "0", "-o", str(target)]
    first = subprocess.run(cmd[:-2] + ["--limit", "10", "-o", str(target)], env=env, capture_output=True)
    assert first.returncode == 0, first.stderr
    good = target.read_bytes()
    rng = random.Random(4)
    trials = int(os.environ.get("KB_KILL_TRIALS", "4"))
    for _ in range(trials):
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = target.read_bytes()
        if data != good:  # killed after the rename: the new file, complete, never truncated
            assert len(json.loads(data)) == 15_000
            good = data
