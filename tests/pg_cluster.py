"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb in a temporary directory,
a free port on 127.0.0.1, trust authentication, no durability (fsync off), stopped and deleted
at the end.

PostgreSQL refuses to run as root, so as root the cluster belongs to an unprivileged user (the
Debian package's ``postgres`` user, or ``nobody``). As a script it serves ``scripts/test.sh``,
which starts one cluster for the whole run and hands its URL to pytest in ``KB_TEST_PG``:

    python tests/pg_cluster.py start DIR     # prints the server URL
    python tests/pg_cluster.py stop DIR
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

SUPERUSER = "kb"


def find_bindir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres, or None when none is installed."""
    candidates = []
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(Path(os.path.realpath(found)).parent)
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for directory in candidates:
        if all((directory / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return directory
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_as() -> str | None:
    """The unprivileged user the server runs as when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL")


def _command(user: str | None, argv: list[str]) -> list[str]:
    return argv if user is None else ["runuser", "-u", user, "--", *argv]


def url_of(directory: Path) -> str:
    port = (Path(directory) / "port").read_text().strip()
    return f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"


def start(directory: Path | None = None) -> tuple[Path, str]:
    """Create and start a cluster; returns (directory, URL)."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl, postgres) found")
    directory = Path(directory or tempfile.mkdtemp(prefix="kb-pg-"))
    directory.mkdir(parents=True, exist_ok=True)
    user = _run_as()
    data = directory / "data"
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chmod(directory, 0o755)
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    subprocess.run(_command(user, [str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER,
                                   "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"]),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    port = _free_port()
    options = (f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={directory} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
               "-c max_connections=200 -c shared_buffers=64MB")
    subprocess.run(_command(user, [str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                                   "-l", str(directory / "server.log"), "-w", "-t", "60", "start"]),
                   check=True, stdout=subprocess.DEVNULL)
    (directory / "port").write_text(str(port))
    return directory, url_of(directory)


def stop(directory: Path) -> None:
    """Stop the cluster (fast shutdown) and delete its directory."""
    bindir = find_bindir()
    data = Path(directory) / "data"
    if bindir is not None and data.exists():
        subprocess.run(_command(_run_as(), [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast",
                                            "-w", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit("usage: pg_cluster.py start|stop DIR")
    if sys.argv[1] == "start":
        print(start(Path(sys.argv[2]))[1])
    else:
        stop(Path(sys.argv[2]))
