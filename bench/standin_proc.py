"""The stand-in API in a process of its own, driven over a pipe.

The crawl benchmark must measure the crawler, not the server: in one process the two would
share the GIL (the server's rendering would slow the crawler down) and the corpus would count
towards the crawler's peak memory. So the corpus is generated and served in a child process,
and the benchmark asks it over a pipe for what only the server knows (its request log, the
length of each paper's lists).
"""

from __future__ import annotations

import multiprocessing as mp
import time


def _serve(conn, n_papers: int, seed: int, rate_limit: float | None) -> None:
    from kb.standin.generate import generate_corpus
    from kb.standin.server import StandIn

    t0 = time.perf_counter()
    corpus = generate_corpus(n_papers, seed=seed)
    gen_seconds = time.perf_counter() - t0
    server = StandIn(corpus, rate_limit=rate_limit, max_log=2_000_000).start()
    conn.send({"url": server.url, "papers": len(corpus), "edges": corpus.edge_count,
               "gen_seconds": gen_seconds})
    try:
        while True:
            cmd, arg = conn.recv()
            if cmd == "stop":
                conn.send(None)
                break
            if cmd == "rate":
                server.set_rate_limit(arg)
                conn.send(None)
            elif cmd == "faults":
                server.set_faults(**arg) if arg else server.set_faults(None)
                conn.send(None)
            elif cmd == "reset":
                server.reset()
                conn.send(None)
            elif cmd == "log":
                conn.send([(r.started, r.status, r.endpoint, r.method) for r in server.log])
            elif cmd == "counts":
                conn.send([(len(corpus.references_of(p)), len(corpus.citations_of(p))) for p in arg])
            elif cmd == "records":
                conn.send([corpus.record(p) for p in arg])
            elif cmd == "pick_seeds":
                import random

                n, low, high, rng_seed = arg
                ids = [p for p in corpus.paper_ids() if low <= len(corpus.citations_of(p)) <= high]
                conn.send(random.Random(rng_seed).sample(ids, min(n, len(ids))))
            else:
                conn.send(ValueError(f"unknown command {cmd!r}"))
    finally:
        server.stop()


class RemoteStandIn:
    """A stand-in serving ``generate_corpus(n_papers, seed)`` from a child process."""

    def __init__(self, n_papers: int, seed: int = 0, rate_limit: float | None = None):
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, n_papers, seed, rate_limit),
                                 daemon=True, name="standin")
        self._proc.start()
        info = self._conn.recv()
        self.url: str = info["url"]
        self.papers: int = info["papers"]
        self.edges: int = info["edges"]
        self.gen_seconds: float = info["gen_seconds"]

    def _ask(self, cmd: str, arg=None):
        self._conn.send((cmd, arg))
        answer = self._conn.recv()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def set_rate_limit(self, rate: float | None) -> None:
        self._ask("rate", rate)

    def reset(self) -> None:
        self._ask("reset")

    def set_faults(self, **settings) -> None:
        """``StandIn.set_faults(**settings)`` in the server process (none: no faults)."""
        self._ask("faults", settings or None)

    def log(self) -> list[tuple[float, int | None, str, str]]:
        """(started (epoch s), status, endpoint, method) of every request since the last reset."""
        return self._ask("log")

    def counts(self, paper_ids: list[str]) -> list[tuple[int, int]]:
        """(references, citations) list lengths of each paper as the server holds them."""
        return self._ask("counts", list(paper_ids))

    def records(self, paper_ids: list[str]) -> list[dict]:
        return self._ask("records", list(paper_ids))

    def pick_seeds(self, n: int, low: int, high: int, rng_seed: int = 1) -> list[str]:
        return self._ask("pick_seeds", (n, low, high, rng_seed))

    def close(self) -> None:
        if self._proc.is_alive():
            try:
                self._ask("stop")
            except (EOFError, OSError):
                pass
        self._proc.join(timeout=10)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(timeout=5)

    def __enter__(self) -> "RemoteStandIn":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
