"""Why a paper is in the knowledge base: the shortest citation paths from the seeds to it.

Every crawled paper was reached from a seed through citations, but the crawl only remembers
one way it got there, and later crawls add shorter ways. :func:`find_trail` searches the
stored citation graph itself, in both directions at once (from the seeds and from the paper,
always growing the smaller side), one SQL query per side and level, so it touches only the
neighbourhoods it needs even in a store of millions of papers. It returns every shortest path
(up to a bound), each hop saying whether the paper on the left cites or is cited by the paper
on the right.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from kb.errors import NotFoundError, UsageError
from kb.knowledge.query import seed_ids_of

MAX_PATHS = 10
MAX_HOPS = 12
MAX_VISITED = 2_000_000


@dataclass(frozen=True)
class Hop:
    source: int          # store id of the paper nearer the seed
    target: int          # store id of the paper nearer the trail's end
    direction: str       # "cites": source cites target; "cited by": target cites source


@dataclass
class Trail:
    paper: int
    seeds: int                        # how many seeds the search started from
    distance: int | None              # hops on a shortest path; None when there is none
    total_paths: int                  # how many shortest paths exist (paths may be fewer)
    paths: list[list[Hop]] = field(default_factory=list)
    papers: dict[int, dict] = field(default_factory=dict)  # id -> paper_id, title, year
    limited: bool = False             # the search stopped at MAX_HOPS / MAX_VISITED

    def as_dict(self) -> dict:
        def brief(pid: int) -> dict:
            return {"id": pid, **self.papers.get(pid, {})}

        return {
            "paper": brief(self.paper),
            "seeds": self.seeds,
            "distance": self.distance,
            "total_paths": self.total_paths,
            "limited": self.limited,
            "paths": [
                {"seed": brief(path[0].source) if path else brief(self.paper),
                 "hops": [{"from": brief(h.source), "to": brief(h.target),
                           "direction": h.direction} for h in path]}
                for path in self.paths
            ],
        }


class _Side:
    """One growing half of the bidirectional search: levels and parent links."""

    def __init__(self, start: list[int]):
        self.level = {node: 0 for node in start}
        self.parents: dict[int, list[int]] = {node: [] for node in start}
        self.frontier = sorted(start)
        self.depth = 0

    def expand(self, conn) -> list[int]:
        """Visit the next level; returns the new nodes."""
        fresh: dict[int, list[int]] = {}
        for node, neighbour in _neighbours(conn, self.frontier):
            if neighbour in self.level:
                continue
            fresh.setdefault(neighbour, []).append(node)
        self.depth += 1
        for node, parents in fresh.items():
            self.level[node] = self.depth
            self.parents[node] = sorted(set(parents))
        self.frontier = sorted(fresh)
        return self.frontier

    def count_paths(self, node: int, memo: dict[int, int]) -> int:
        """Shortest paths from this side's start set to ``node`` (iterative, memoised)."""
        stack = [node]
        while stack:
            current = stack[-1]
            if current in memo:
                stack.pop()
                continue
            parents = self.parents[current]
            if not parents:
                memo[current] = 1
                stack.pop()
                continue
            missing = [p for p in parents if p not in memo]
            if missing:
                stack.extend(missing)
            else:
                memo[current] = sum(memo[p] for p in parents)
                stack.pop()
        return memo[node]

    def walks(self, node: int) -> Iterator[list[int]]:
        """Paths [start, ..., node] in a deterministic order (depth-first over parents)."""
        parents = self.parents[node]
        if not parents:
            yield [node]
            return
        for parent in parents:
            for walk in self.walks(parent):
                yield walk + [node]


def _neighbours(conn, frontier: list[int]) -> Iterator[tuple[int, int]]:
    """(frontier node, neighbour) over citations in both directions, in batches."""
    for start in range(0, len(frontier), 50_000):
        batch = json.dumps(frontier[start:start + 50_000])
        yield from conn.execute(
            "SELECT citing, cited FROM citation WHERE citing IN (SELECT value FROM json_each(?))",
            (batch,))
        yield from conn.execute(
            "SELECT cited, citing FROM citation WHERE cited IN (SELECT value FROM json_each(?))",
            (batch,))


def _paper_briefs(conn, ids: set[int]) -> dict[int, dict]:
    if not ids:
        return {}
    rows = conn.execute(
        "SELECT id, paper_id, title, year FROM paper WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(ids)),))
    return {r[0]: {"paper_id": r[1], "title": r[2], "year": r[3]} for r in rows}


def _directions(conn, pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of the (a, b) pairs are citations a -> b."""
    if not pairs:
        return set()
    rows = conn.execute(
        "SELECT citing, cited FROM citation WHERE (citing, cited) IN "
        "(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))",
        (json.dumps(sorted(pairs)),))
    return {(r[0], r[1]) for r in rows}


def find_trail(store, paper: int, *, max_paths: int = MAX_PATHS, max_hops: int = MAX_HOPS,
               max_visited: int = MAX_VISITED, seeds: list[int] | None = None) -> Trail:
    """Shortest citation paths (either direction per hop) from any seed to ``paper``."""
    if max_paths < 1:
        raise UsageError("--max-paths must be at least 1")
    conn = store.conn
    seeds = sorted(set(seed_ids_of(store) if seeds is None else seeds))
    if not seeds:
        raise NotFoundError("the store has no seeds yet; add some with `kb seed add`")
    trail = Trail(paper=paper, seeds=len(seeds), distance=None, total_paths=0)
    if paper in seeds:
        trail.distance, trail.total_paths, trail.paths = 0, 1, [[]]
        trail.papers = _paper_briefs(conn, {paper})
        return trail

    from_seeds, from_paper = _Side(seeds), _Side([paper])
    meeting: list[int] = []
    while not meeting:
        if from_seeds.depth + from_paper.depth >= max_hops:
            trail.limited = True
            break
        if len(from_seeds.level) + len(from_paper.level) > max_visited:
            trail.limited = True
            break
        grow = from_seeds if len(from_seeds.frontier) <= len(from_paper.frontier) else from_paper
        other = from_paper if grow is from_seeds else from_seeds
        fresh = grow.expand(conn)
        if not fresh:
            break  # this side has reached everything it can: no path exists
        meeting = sorted(node for node in fresh if node in other.level)

    if meeting:
        trail.distance = from_seeds.depth + from_paper.depth
        seed_memo: dict[int, int] = {}
        paper_memo: dict[int, int] = {}
        trail.total_paths = sum(from_seeds.count_paths(m, seed_memo)
                                * from_paper.count_paths(m, paper_memo) for m in meeting)
        node_paths: list[list[int]] = []
        for m in meeting:
            for head in from_seeds.walks(m):
                for tail in from_paper.walks(m):
                    node_paths.append(head + tail[::-1][1:])
                    if len(node_paths) >= max_paths:
                        break
                if len(node_paths) >= max_paths:
                    break
            if len(node_paths) >= max_paths:
                break
        pairs = {(a, b) for path in node_paths for a, b in zip(path, path[1:])}
        cites = _directions(conn, pairs)
        trail.paths = [[Hop(a, b, "cites" if (a, b) in cites else "cited by")
                        for a, b in zip(path, path[1:])] for path in node_paths]
        trail.papers = _paper_briefs(conn, {n for path in node_paths for n in path})
    else:
        trail.papers = _paper_briefs(conn, {paper})
    return trail


def neighbourhood(store, paper: int, hops: int) -> list[int]:
    """The papers at most ``hops`` citations from ``paper`` either way, itself first: the
    papers around one work, for a graph centred on it (``kb graph --around``)."""
    if hops < 0:
        raise UsageError(f"--hops must be 0 or more (got {hops})")
    seen = {paper}
    order = [paper]
    level = [paper]
    for _ in range(hops):
        if not level:
            break
        payload = json.dumps(level)
        rows = store.conn.execute(
            "SELECT cited FROM citation WHERE citing IN (SELECT value FROM json_each(?)) "
            "UNION SELECT citing FROM citation WHERE cited IN (SELECT value FROM json_each(?))",
            (payload, payload)).fetchall()
        level = [r[0] for r in rows if r[0] not in seen]
        seen.update(level)
        order += level
    return order


def seed_distance(store, paper: int) -> int | None:
    """Hops from the nearest seed on the stored graph (None: no seeds, or no path); the figure
    ``kb trail`` shows, so ``kb show`` agrees with it after a seed is added."""
    if not seed_ids_of(store):
        return None
    return find_trail(store, paper, max_paths=1).distance
