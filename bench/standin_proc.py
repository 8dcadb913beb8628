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


def crawl_plan(corpus, seeds: list[str], depth: int = 2, direction: str = "both",
               read_zero_counts: bool = False) -> dict:
    """What a crawl to ``depth`` from ``seeds`` must send on this corpus if it runs to the end:
    the crawler's rules (expand papers nearer than ``depth``; read each list through the API's
    10,000 window, 1000 per page, skipping lists of length 0; one batch per DETAIL_BATCH papers reached
    beyond the seeds), computed from the corpus without a request. ``read_zero_counts``: what
    the crawl would send, and reach, if it also read the lists whose served count says 0."""
    import math

    from kb.crawl.crawler import DETAIL_BATCH
    from kb.standin.scale import LAZY_BASE

    directions = {"both": ("references", "citations"), "refs": ("references",),
                  "cits": ("citations",)}[direction]
    window = 9999
    level = {corpus.index_of(s) for s in seeds}
    seed_set = set(level)
    reached = set(level)
    pages = truncated = expanded = zero_lists = zero_hidden = 0
    count_of = {"references": "referenceCount", "citations": "citationCount"}
    for _ in range(depth):
        nxt: set[int] = set()
        for idx in level:
            expanded += 1
            for d in directions:
                if idx not in seed_set and not read_zero_counts and corpus.count(idx, count_of[d]) == 0:
                    continue  # the crawler takes a count of 0 at its word, except for seeds
                n = corpus.list_length(idx, d)
                if idx not in seed_set and corpus.count(idx, count_of[d]) == 0:
                    # read anyway: one request even when the list is empty, as the count said
                    zero_lists += 1
                    zero_hidden += n > 0
                    pages += n == 0
                pages += math.ceil(min(n, window) / 1000)
                truncated += n > window
                records = corpus.records_view()
                for j in corpus._window(idx, d, 0, min(n, window)):
                    lazy = j >= LAZY_BASE  # resolvable, unless served as unresolved
                    if (lazy and not corpus.unresolved_entry(j)) or (not lazy and records[j]["paperId"]):
                        nxt.add(j)
        level = nxt - reached
        reached |= nxt
    batches = math.ceil((len(reached) - len(seeds)) / DETAIL_BATCH)
    return {"depth": depth, "direction": direction, "seeds": len(seeds), "expanded": expanded,
            "papers": len(reached), "list_pages": pages, "batches": batches,
            "requests": pages + batches, "truncated_lists": truncated,
            "zero_count_lists": zero_lists, "zero_count_lists_not_empty": zero_hidden}


def _serve(conn, n_papers: int, seed: int, rate_limit: float | None, real_scale: bool = False) -> None:
    from kb.standin.corpus import default_works_files
    from kb.standin.generate import generate_corpus
    from kb.standin.server import StandIn

    t0 = time.perf_counter()
    corpus = generate_corpus(n_papers, seed=seed, works=default_works_files() if real_scale else None,
                             real_scale=real_scale)
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
                # list lengths, and 0 for a list whose served count says 0 (the crawler does
                # not read those, except a seed's)
                rows = []
                for p in arg:
                    i = corpus.index_of(p)
                    rows.append(tuple(corpus.list_length(i, d) if corpus.count(i, c) else 0
                                      for d, c in (("references", "referenceCount"),
                                                   ("citations", "citationCount"))))
                conn.send(rows)
            elif cmd == "plan":
                conn.send(crawl_plan(corpus, *arg))
            elif cmd == "warm":
                # Render the windows of the lists past 5,000 entries once (untimed), so that the
                # crawl measures the crawler, not the stand-in making up lazy citers.
                from kb.standin.fields import parse_edge_fields

                spec = parse_edge_fields(arg, "citations")
                hubs = [i for i in corpus._lazy if corpus.list_length(i, "citations") > 5000]
                for idx in hubs:
                    n = min(corpus.list_length(idx, "citations"), 9999)
                    for offset in range(0, n, 1000):
                        pairs, _ = corpus.edge_items(idx, "citations", offset, min(1000, 9999 - offset), spec)
                        for a, b in pairs:
                            corpus.render_edge(a, b, "citations", spec, null_id=corpus.unresolved_entry(a))
                conn.send(len(hubs))
            elif cmd == "records":
                conn.send([corpus.record(p) for p in arg])
            elif cmd == "pick_seeds":
                import random

                n, low, high, rng_seed = arg
                ids = [p for p in corpus.paper_ids()
                       if low <= corpus.list_length(corpus.index_of(p), "citations") <= high]
                conn.send(random.Random(rng_seed).sample(ids, min(n, len(ids))))
            else:
                conn.send(ValueError(f"unknown command {cmd!r}"))
    finally:
        server.stop()


class RemoteStandIn:
    """A stand-in serving ``generate_corpus(n_papers, seed)`` from a child process."""

    def __init__(self, n_papers: int, seed: int = 0, rate_limit: float | None = None,
                 real_scale: bool = False):
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, n_papers, seed, rate_limit, real_scale),
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
        """(references, citations) list lengths of each paper as the server holds them; 0 for
        a list its served count says is empty (the crawler does not read it)."""
        return self._ask("counts", list(paper_ids))

    def records(self, paper_ids: list[str]) -> list[dict]:
        return self._ask("records", list(paper_ids))

    def plan(self, seeds: list[str], depth: int = 2, direction: str = "both") -> dict:
        """``crawl_plan`` on the served corpus."""
        return self._ask("plan", (list(seeds), depth, direction))

    def warm(self, edge_fields: str) -> int:
        """Render the big lists' windows once; returns how many lists."""
        return self._ask("warm", edge_fields)

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
