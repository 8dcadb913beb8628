"""The crawl frontier: which citation lists to fetch next, kept in the store.

Every paper the crawl reaches has a ``crawl_state`` row: its depth (hops from the nearest
seed), how it was reached, how many expanded papers link to it, and how far each of its two
lists (references, citations) has been fetched. The row is the unit of resumption: a page of
results and the row updates it causes are committed together, so after a crash the next crawl
loads the rows and continues from the stored offsets without fetching any page twice.

The order is relevance to the seeds, not arrival: a paper linked to by many expanded papers
(co-cited with or coupled to the seeds) comes first, boosted by its theme score when themes
exist. Seeds come before everything. A hub's citation list is expanded last: it would
otherwise swallow the budget with papers that share nothing but one famous reference.
"""

from __future__ import annotations

import heapq
import itertools
import json
from dataclasses import dataclass, field

from kb.sources.forum.links import POST_KEY_PREFIX
from kb.store import Store, utc_now

SEED_PRIORITY = 1e6
HUB_PENALTY = 1e9

REFS = "refs"
CITS = "cits"
LIST_DONE = -1


@dataclass(slots=True)
class Entry:
    paper: int
    paper_id: str
    depth: int
    links: int
    refs_next: int
    cits_next: int
    status: str
    year: int | None
    citation_count: int | None
    reference_count: int | None
    theme_score: float = 0.0
    seeds: list[int] = field(default_factory=list)

    def next_offset(self, direction: str) -> int:
        return self.refs_next if direction == REFS else self.cits_next

    def list_known_empty(self, direction: str) -> bool:
        """The paper's own count says the list is empty. Counts are hints (the real API has
        papers with referenceCount 0 and 150 references), so a seed's lists are always read."""
        count = self.reference_count if direction == REFS else self.citation_count
        return count == 0 and self.depth > 0


_FRONTIER_ROWS = """SELECT s.paper, p.paper_id, s.depth, s.links, s.refs_next_offset,
                             s.cits_next_offset, s.status, p.year, p.citation_count,
                             p.reference_count, s.seeds, s.details_fetched, p.detail_level, s.priority
                      FROM crawl_state s JOIN paper p ON p.id = s.paper"""


def _entry(row) -> Entry:
    """A frontier entry from a row of :data:`_FRONTIER_ROWS`."""
    return Entry(paper=row[0], paper_id=row[1], depth=row[2], links=row[3], refs_next=row[4],
                 cits_next=row[5], status=row[6], year=row[7], citation_count=row[8],
                 reference_count=row[9], seeds=json.loads(row[10]) if row[10] else [])


@dataclass
class FrontierRules:
    max_depth: int = 2
    direction: str = "both"           # refs | cits | both
    min_year: int | None = None
    hub_citations: int = 5000

    def directions(self) -> tuple[str, ...]:
        return {"refs": (REFS,), "cits": (CITS,), "both": (REFS, CITS)}[self.direction]


class Frontier:
    """In-memory priority queue over the store's ``crawl_state`` rows."""

    def __init__(self, store: Store, rules: FrontierRules, theme_scorer=None, *,
                 retry_failed: bool = False):
        self.store = store
        self.rules = rules
        self.theme_scorer = theme_scorer
        self.entries: dict[int, Entry] = {}
        self._heap: list[tuple[float, int, int, str]] = []
        self._seq = itertools.count()
        self._in_flight: set[tuple[int, str]] = set()
        self._skipped_this_run: set[tuple[int, str]] = set()
        self.needs_details: dict[int, str] = {}
        # Posts known only from a link (id, link text): their record is one forum request each,
        # read when no list is left to fetch.
        self.needs_post_details: dict[int, str] = {}
        # When set, only these papers (and the papers they lead to) are expanded: a refresh
        # works on what changed, not on work an earlier crawl left over.
        self.restricted: set[int] | None = None
        # Lists reopened by a refresh are read whatever the paper's depth.
        self.forced_lists: set[tuple[int, str]] = set()
        # Papers whose citation list a refresh reopened and nobody has read to the end yet
        # (``crawl_state.recheck_open``, so a refresh cut off mid-list is resumed): read newest
        # first, such a list ends at the first citer already known.
        self.reopened: set[int] = set()
        # Lists set aside after failing every try (``failed_list``): skipped unless retried.
        self.set_aside: set[tuple[int, str]] = set()
        # Lists set aside earlier that this crawl tries again (``kb crawl --retry-failed``).
        self.retrying: set[tuple[int, str]] = set()
        self._load(retry_failed)

    # -- loading -----------------------------------------------------------------------------
    def _load(self, retry_failed: bool) -> None:
        conn = self.store.conn
        failed = {(r[0], r[1]) for r in conn.execute("SELECT paper, direction FROM failed_list")}
        if retry_failed:
            self.retrying = failed
        else:
            self.set_aside = failed
        for row in conn.execute(_FRONTIER_ROWS):
            entry = _entry(row)
            self.entries[entry.paper] = entry
            if not row[11] and row[12] < 2:
                (self.needs_post_details if is_post(entry.paper_id) else self.needs_details)[entry.paper] = entry.paper_id
            self._push_tasks(entry)
        self.reopened = {r[0] for r in conn.execute("SELECT paper FROM crawl_state WHERE recheck_open = 1")}

    # -- priorities --------------------------------------------------------------------------
    def priority(self, entry: Entry) -> float:
        if entry.depth == 0:
            return SEED_PRIORITY
        return entry.links * (1.0 + entry.theme_score) - 0.01 * entry.depth

    def _task_priority(self, entry: Entry, direction: str) -> float:
        p = self.priority(entry)
        if direction == CITS and (entry.citation_count or 0) > self.rules.hub_citations:
            p -= HUB_PENALTY
        return p

    def restrict_to(self, papers: set[int]) -> None:
        self.restricted = set(papers)
        self.needs_details = {p: pid for p, pid in self.needs_details.items() if p in self.restricted}
        for paper in papers:
            if paper in self.entries:
                self._push_tasks(self.entries[paper])

    def _expandable(self, entry: Entry) -> bool:
        if self.restricted is not None and entry.paper not in self.restricted:
            return False
        if entry.depth >= self.rules.max_depth:
            return False
        if self.rules.min_year is not None and entry.depth > 0 and entry.year is not None \
                and entry.year < self.rules.min_year:
            return False
        return True

    def _task_allowed(self, entry: Entry, direction: str) -> bool:
        if (entry.paper, direction) in self.set_aside:
            return False
        return (entry.paper, direction) in self.forced_lists or (
            direction in self.rules.directions() and self._expandable(entry))

    def _push_tasks(self, entry: Entry) -> None:
        for direction in (REFS, CITS):
            if not self._task_allowed(entry, direction):
                continue
            if entry.next_offset(direction) == LIST_DONE or (entry.paper, direction) in self._in_flight:
                continue
            heapq.heappush(self._heap, (-self._task_priority(entry, direction), next(self._seq),
                                        entry.paper, direction))

    # -- queue -------------------------------------------------------------------------------
    def pop(self) -> tuple[Entry, str] | None:
        """The most relevant list still to fetch, or None when nothing is runnable now."""
        while self._heap:
            neg_priority, _, paper, direction = heapq.heappop(self._heap)
            entry = self.entries[paper]
            key = (paper, direction)
            if key in self._in_flight or key in self._skipped_this_run or \
                    entry.next_offset(direction) == LIST_DONE:
                continue
            if not self._task_allowed(entry, direction):
                continue
            if -neg_priority != self._task_priority(entry, direction):
                continue  # stale: a fresher entry for this task is in the heap
            if self.store.shared_writers and not self._claim(entry, direction):
                continue  # another crawl of this store has it, or has finished it
            self._in_flight.add(key)
            return entry, direction
        return None

    def skip_this_run(self, entry: Entry, direction: str) -> None:
        """The task cannot be done in this run (the API does not know the paper): it stays
        to fetch in the store, but this run does not ask again."""
        self._in_flight.discard((entry.paper, direction))
        self._skipped_this_run.add((entry.paper, direction))
        self.unclaim(entry, direction)

    # -- several crawls of one store ---------------------------------------------------------
    # On a store with several writers (PostgreSQL), a list is claimed before it is fetched and
    # its offsets are read again from the store: another crawl may have moved them since this
    # one loaded its frontier. The claim is dropped once the page is committed, so each page of
    # a list is fetched by exactly one crawl.
    @staticmethod
    def _claim_key(entry: Entry, direction: str) -> str:
        return f"list:{entry.paper}:{direction}"

    def _claim(self, entry: Entry, direction: str) -> bool:
        if not self.store.claim(self._claim_key(entry, direction)):
            return False
        row = self.store.conn.execute(
            "SELECT refs_next_offset, cits_next_offset, status FROM crawl_state WHERE paper = ?",
            (entry.paper,)).fetchone()
        if row is not None:
            entry.refs_next, entry.cits_next, entry.status = row[0], row[1], row[2]
        if entry.next_offset(direction) == LIST_DONE:
            self.store.release(self._claim_key(entry, direction))
            return False
        return True

    def adopt_others_discoveries(self) -> int:
        """Take on the papers other crawls of this store added to the frontier since this one
        loaded it; returns how many. A crawl otherwise knows only what its own pages found, so
        two crawls split the lists by who found them, and one ends while the other still has
        work. Their details stay with the crawl that found them (it fetches them in batches)."""
        if not self.store.shared_writers:
            return 0
        adopted = 0
        for row in self.store.conn.execute(_FRONTIER_ROWS):
            if row[0] in self.entries:
                continue
            entry = _entry(row)
            self.entries[entry.paper] = entry
            self._push_tasks(entry)
            adopted += 1
        return adopted

    def unclaim(self, entry: Entry, direction: str) -> None:
        if self.store.shared_writers:
            self.store.release(self._claim_key(entry, direction))

    def release(self, entry: Entry, direction: str) -> None:
        """The task's request ended without a committed page (error or budget): requeue it."""
        self._in_flight.discard((entry.paper, direction))
        self.unclaim(entry, direction)
        self._push_tasks(entry)

    def reopen_citations(self, conn, paper: int) -> None:
        """Read a paper's citation list again from its start, newest first (a refresh looking
        for new citers), whatever the paper's depth."""
        entry = self.entries[paper]
        entry.cits_next = 0
        entry.status = "pending"
        self._write_entry(conn, entry, CITS)
        conn.execute("UPDATE crawl_state SET recheck_open = 1 WHERE paper = ?", (paper,))
        self.reopened.add(paper)
        self.resume_citations(paper)

    def resume_citations(self, paper: int) -> None:
        """Go on reading a citation list reopened earlier from where it was left."""
        entry = self.entries[paper]
        entry.citation_count = None  # the stored count is stale: never "known empty"
        self.forced_lists.add((paper, CITS))
        self._push_tasks(entry)

    def set_list_aside(self, conn, entry: Entry, direction: str, tries: int, error: str,
                       run_id: int) -> None:
        """Stop asking for a list that failed every try, in this run and the next ones, until
        a crawl retries the lists set aside."""
        key = (entry.paper, direction)
        self._in_flight.discard(key)
        self.set_aside.add(key)
        conn.execute(
            """INSERT INTO failed_list (paper, direction, tries, error, run, failed_at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT(paper, direction) DO UPDATE SET tries = failed_list.tries + excluded.tries,
                   error = excluded.error, run = excluded.run, failed_at = excluded.failed_at""",
            (entry.paper, direction, tries, error, run_id, utc_now()))

    def pending_tasks(self) -> int:
        return sum(
            1 for e in self.entries.values() for d in (REFS, CITS)
            if e.next_offset(d) != LIST_DONE and self._task_allowed(e, d))

    # -- committing a page -------------------------------------------------------------------
    def skip_known_empty(self, entry: Entry, direction: str) -> bool:
        """Mark a list done without a request when the paper's own counts say it is empty."""
        if entry.next_offset(direction) == 0 and entry.list_known_empty(direction):
            self._set_offset(entry, direction, LIST_DONE)
            with self.store.transaction() as conn:
                self._write_entry(conn, entry, direction)
            self._in_flight.discard((entry.paper, direction))
            self.unclaim(entry, direction)
            return True
        return False

    def _set_offset(self, entry: Entry, direction: str, value: int) -> None:
        if direction == REFS:
            entry.refs_next = value
        else:
            entry.cits_next = value
        if entry.refs_next == LIST_DONE and entry.cits_next == LIST_DONE:
            entry.status = "done"

    def _theme_scores(self, papers) -> dict[str, float]:
        """paperId -> theme score of the (paperId, record) ``papers`` that have a record, scored
        as one batch (``theme_scorer`` takes a list of records)."""
        if self.theme_scorer is None:
            return {}
        known = [(paper_id, record) for paper_id, record in papers if record is not None]
        return dict(zip((p for p, _ in known), self.theme_scorer([r for _, r in known])))

    def record_page(self, conn, entry: Entry, direction: str, next_offset: int | None,
                    others: dict[str, int], new_ids: set[int], records_by_id: dict[str, object]) -> None:
        """Update the frontier inside the page's transaction.

        ``others`` maps the other ends' paperIds to their store ids; ``new_ids`` are the ones
        this page added to the store.
        """
        self._set_offset(entry, direction, LIST_DONE if next_offset is None else next_offset)
        if (entry.paper, direction) in self.retrying:
            self.retrying.discard((entry.paper, direction))
            conn.execute("DELETE FROM failed_list WHERE paper = ? AND direction = ?", (entry.paper, direction))
        if next_offset is None and direction == CITS and entry.paper in self.reopened:
            self.reopened.discard(entry.paper)
            conn.execute("UPDATE crawl_state SET recheck_open = 0 WHERE paper = ?", (entry.paper,))
        child_depth = entry.depth + 1
        via = REFS if direction == REFS else CITS
        inserts, updates = [], []
        themed = self._theme_scores((paper_id, records_by_id.get(paper_id)) for paper_id, paper in others.items()
                                    if paper not in self.entries)
        for paper_id, paper in others.items():
            child = self.entries.get(paper)
            record = records_by_id.get(paper_id)
            if child is None:
                child = Entry(
                    paper=paper, paper_id=paper_id, depth=child_depth, links=1,
                    refs_next=0, cits_next=0, status="pending",
                    year=getattr(record, "year", None),
                    citation_count=getattr(record, "citation_count", None),
                    reference_count=getattr(record, "reference_count", None),
                    seeds=(entry.seeds or [entry.paper])[:8] if entry.depth > 0 else [entry.paper])
                child.theme_score = themed.get(paper_id, 0.0)
                self.entries[paper] = child
                if self.restricted is not None:
                    self.restricted.add(paper)
                if getattr(record, "detail_level", 0) < 2:
                    (self.needs_post_details if is_post(paper_id) else self.needs_details)[paper] = paper_id
                inserts.append((paper, child.depth, self.priority(child), child.links,
                                entry.paper, via, json.dumps(child.seeds), utc_now()))
            else:
                child.links += 1
                if record is not None:
                    child.citation_count = getattr(record, "citation_count", None) or child.citation_count
                    child.reference_count = getattr(record, "reference_count", None) or child.reference_count
                    child.year = child.year or getattr(record, "year", None)
                reached_from = None
                if child_depth < child.depth:
                    child.depth = child_depth
                    reached_from = entry.paper
                for s in (entry.seeds if entry.depth > 0 else [entry.paper]):
                    if s not in child.seeds and len(child.seeds) < 8:
                        child.seeds.append(s)
                updates.append((child.depth, self.priority(child),
                                reached_from, reached_from, via, json.dumps(child.seeds),
                                utc_now(), paper))
            self._push_tasks(child)
        # Links count up and depths only go down in the store itself, so that another crawl's
        # discoveries of the same papers add up instead of overwriting each other.
        if inserts:
            conn.executemany(
                """INSERT INTO crawl_state (paper, depth, priority, links, reached_from, reached_via,
                                            seeds, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(paper) DO UPDATE SET links = crawl_state.links + 1,
                       depth = MIN(crawl_state.depth, excluded.depth)""", inserts)
        if updates:
            conn.executemany(
                """UPDATE crawl_state SET depth = MIN(depth, ?), priority = ?, links = links + 1,
                       reached_from = COALESCE(?, reached_from),
                       reached_via = CASE WHEN ? IS NULL THEN reached_via ELSE ? END,
                       seeds = ?, updated_at = ?
                   WHERE paper = ?""", updates)
        self._write_entry(conn, entry, direction)
        self._in_flight.discard((entry.paper, direction))
        self._push_tasks(entry)

    def adopt(self, conn, found: dict[int, tuple[str, object]], seeds_of: dict[int, list[int]],
              via: str) -> int:
        """Take papers found outside the citation lists (Semantic Scholar's recommendations
        for the seeds) into the crawl one hop from their seeds, each counting as one link per
        seed, inside the caller's transaction; returns how many were new to the crawl.
        ``found`` maps store ids to (paperId, record)."""
        inserts, updates = [], []
        themed = self._theme_scores(found[paper] for paper in found if paper not in self.entries)
        for paper, (paper_id, record) in found.items():
            seeds = seeds_of[paper][:8]
            entry = self.entries.get(paper)
            if entry is None:
                entry = Entry(paper=paper, paper_id=paper_id, depth=1, links=len(seeds), refs_next=0,
                              cits_next=0, status="pending", year=getattr(record, "year", None),
                              citation_count=getattr(record, "citation_count", None),
                              reference_count=getattr(record, "reference_count", None), seeds=seeds)
                entry.theme_score = themed.get(paper_id, 0.0)
                self.entries[paper] = entry
                if getattr(record, "detail_level", 0) < 2:
                    self.needs_details[paper] = paper_id
                inserts.append((paper, self.priority(entry), entry.links, seeds[0], via,
                                json.dumps(seeds), utc_now()))
            elif entry.depth > 0:
                entry.links += len(seeds)
                entry.depth = min(entry.depth, 1)
                entry.seeds.extend(s for s in seeds if s not in entry.seeds)
                del entry.seeds[8:]
                updates.append((self.priority(entry), len(seeds), json.dumps(entry.seeds), utc_now(), paper))
            self._push_tasks(entry)
        if inserts:
            conn.executemany(
                """INSERT INTO crawl_state (paper, depth, priority, links, reached_from, reached_via,
                                            seeds, updated_at)
                   VALUES (?, 1, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(paper) DO UPDATE SET links = crawl_state.links + excluded.links,
                       depth = MIN(crawl_state.depth, 1)""", inserts)
        if updates:
            conn.executemany(
                """UPDATE crawl_state SET depth = MIN(depth, 1), priority = ?, links = links + ?,
                       seeds = ?, updated_at = ? WHERE paper = ?""", updates)
        return len(inserts)

    def _write_entry(self, conn, entry: Entry, direction: str) -> None:
        """Store the one list's offset (the other list may be another crawl's business)."""
        column, other = (("refs_next_offset", "cits_next_offset") if direction == REFS
                         else ("cits_next_offset", "refs_next_offset"))
        offset = entry.next_offset(direction)
        conn.execute(
            f"""UPDATE crawl_state SET {column} = ?,
                   status = CASE WHEN ? = {LIST_DONE} AND {other} = {LIST_DONE} THEN 'done'
                                 ELSE 'pending' END,
                   updated_at = ? WHERE paper = ?""",
            (offset, offset, utc_now(), entry.paper))

    def details_batch(self, size: int) -> list[tuple[int, str]]:
        """Up to ``size`` papers still lacking a full record, removed from the waiting set."""
        batch = list(itertools.islice(self.needs_details.items(), size))
        for paper, _ in batch:
            del self.needs_details[paper]
        return batch

    def return_details(self, batch: list[tuple[int, str]]) -> None:
        for paper, paper_id in batch:
            self.needs_details[paper] = paper_id

    @staticmethod
    def mark_details_fetched(conn, papers: list[int]) -> None:
        conn.executemany("UPDATE crawl_state SET details_fetched = 1 WHERE paper = ?",
                         ((p,) for p in papers))


def is_post(paper_id: str) -> bool:
    """Forum posts have no Semantic Scholar record to fetch by batch."""
    return paper_id.startswith(POST_KEY_PREFIX)
