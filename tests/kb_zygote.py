"""Run many ``python cli.py ARGS`` invocations cheaply, for the bad-input matrices.

This process imports cli.py once, then for each request (one JSON line on stdin: args, env,
cwd, and files for stdout and stderr) forks a child that sets the environment, directory,
argv and standard streams exactly as a fresh ``python cli.py ARGS`` would have them and runs
the command line; the exit code goes back as one JSON line. The child is a real process with
its own file descriptors and exit status, and anything escaping the CLI prints a traceback as
Python would; only the ~0.2 s of interpreter and import start-up is shared. Start-up reads no
environment variable that a command depends on (kb reads them when a command runs).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
CLI = os.path.join(ROOT, "cli.py")

import cli  # noqa: E402  (the point of this process: import once)

# What commands import lazily (so that `kb --help` stays fast) is imported here once too, so a
# child pays neither for the interpreter nor for numpy, httpx, rich or sklearn. The modules
# hold no state that a command would find already changed: none has run a command yet.
for _name in ("rich.console", "rich.table", "rich.progress", "rich.markup", "rich.text", "httpx",
              "kb.store", "kb.knowledge.query", "kb.knowledge.search", "kb.knowledge.ranking", "kb.output.export", "kb.output.formats",
              "kb.output.graph", "kb.output.reading_lists", "kb.crawl.crawler", "kb.crawl.refresh", "kb.crawl.jobs", "kb.build",
              "kb.grounding.seeds", "kb.grounding.mentions", "kb.grounding.aliases", "kb.grounding.bibtex_import", "kb.knowledge.themes", "kb.knowledge.tagging",
              "kb.knowledge.trail", "kb.knowledge.paper_view", "kb.crawl.whats_new", "kb.store.status", "kb.crawl.runs", "kb.sources.s2.client",
              "kb.store.locking", "kb.output.atomic_write", "kb.standin.server", "kb.standin.faults"):
    try:
        __import__(_name)
    except ImportError:
        pass


def child(request: dict) -> int:
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, path in ((1, request["out"]), (2, request["err"])):
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(handle, fd)
        os.close(handle)
    sys.argv = [CLI, *request["args"]]
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    except BaseException:  # what the interpreter would print for an uncaught exception
        traceback.print_exc()
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        pass
    return code


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            os._exit(child(request))
        deadline = time.monotonic() + request.get("timeout", 120)
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:  # a command that never ends: kill it, say so
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.002)
        sys.stdout.write(json.dumps({"code": os.waitstatus_to_exitcode(status)}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
