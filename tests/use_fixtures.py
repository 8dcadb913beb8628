"""A small real store with a known citation graph, for the search, rank, show and trail tests.

    P1 Deep RL from Human Preferences (seed)      P2 Concrete Problems in AI Safety (seed)
    P3 Scalable agent alignment   cites P1, P2
    P4 Risks from Learned Optimization   cites P2, P3, P7
    P5 Goal Misgeneralization   cites P4
    P6 Training LMs with human feedback   cites P1, P3, P7
    P7 Specification gaming (cited by P4 and P6: two shortest trails, via P2 and via P1)
    P8 Protein structure prediction (isolated: no trail)
    P9 Reward modeling for toxicity   cites P5 (one shortest trail: P2 <- P4 <- P5 <- P9)
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kb.store.records import AuthorRef, EdgeRecord, PaperRecord
from kb.store import Store


def sha(n: int) -> str:
    return f"{0xabc000 + n:040x}"


PAPERS = [
    PaperRecord(sha(1), corpus_id=1001, arxiv_id="1706.03741",
                title="Deep Reinforcement Learning from Human Preferences", year=2017,
                venue="NeurIPS", authors=[AuthorRef("Paul Christiano", "a1"), AuthorRef("Jan Leike", "a2")],
                abstract="We learn a reward function from human preferences between trajectory segments.",
                tldr="Learning rewards from human comparisons.", citation_count=2500,
                open_access_pdf="https://arxiv.org/pdf/1706.03741", detail_level=2),
    PaperRecord(sha(2), corpus_id=1002, arxiv_id="1606.06565", title="Concrete Problems in AI Safety",
                year=2016, authors=[AuthorRef("Dario Amodei", "a3")],
                abstract="We list practical research problems in accident risk: side effects, "
                         "reward hacking, scalable oversight, safe exploration, distributional shift.",
                citation_count=2000, detail_level=2),
    PaperRecord(sha(3), corpus_id=1003, title="Scalable agent alignment via reward modeling", year=2018,
                authors=[AuthorRef("Jan Leike", "a2")], abstract="A research direction for agent alignment.",
                citation_count=300, detail_level=2),
    PaperRecord(sha(4), corpus_id=1004, doi="10.5555/Risks.2019",
                title="Risks from Learned Optimization in Advanced Machine Learning Systems", year=2019,
                abstract="We analyse mesa-optimization, where a learned model is itself an optimizer.",
                citation_count=150, detail_level=2),
    PaperRecord(sha(5), corpus_id=1005, title="Goal Misgeneralization in Deep Reinforcement Learning",
                year=2021, abstract="Capabilities generalize while goals misgeneralize.", citation_count=80,
                detail_level=2),
    PaperRecord(sha(6), corpus_id=1006,
                title="Training language models to follow instructions with human feedback", year=2022,
                abstract="We fine-tune GPT-3 with reinforcement learning from human feedback.",
                citation_count=5000, detail_level=2),
    PaperRecord(sha(7), corpus_id=1007, title="Specification gaming: the flip side of AI ingenuity",
                year=2020, abstract="Examples of agents gaming their specification.", citation_count=40,
                detail_level=1),
    PaperRecord(sha(8), corpus_id=1008, title="Protein structure prediction with deep learning", year=2020,
                abstract="Folding proteins.", citation_count=10, detail_level=1),
    PaperRecord(sha(9), corpus_id=1009, title="Reward modeling for mitigating toxicity", year=2023,
                abstract="Toxicity reward models.", citation_count=3, detail_level=1),
]

EDGES = [(3, 1), (3, 2), (4, 2), (4, 3), (4, 7), (5, 4), (6, 1), (6, 3), (6, 7), (9, 5)]
DEPTHS = {1: 0, 2: 0, 3: 1, 4: 1, 6: 1, 5: 2, 7: 2, 9: 3}
SEEDS = (1, 2)


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() is not None


def add_seeds(store: Store, ids) -> None:
    """Seeds as the seeds feature records them, when its table exists in this kb."""
    conn = store.conn
    if not has_table(conn, "seed"):
        return
    columns = {r[1]: r for r in conn.execute("PRAGMA table_info(seed)")}
    values = {"paper": None, "added_at": "2024-01-01T00:00:00Z", "source": "test"}
    names = [c for c in values if c in columns]
    for name, info in columns.items():  # any other required column gets a harmless value
        if name not in values and info[3] and info[4] is None and not info[5]:
            names.append(name)
            values[name] = 0 if "INT" in (info[2] or "").upper() else "test"
    with store.transaction():
        for pid in ids:
            values["paper"] = pid
            conn.execute(f"INSERT OR IGNORE INTO seed ({', '.join(names)}) VALUES "
                         f"({', '.join('?' * len(names))})", [values[n] for n in names])


def build_store(path: Path) -> Store:
    store = Store(path)
    store.upsert_papers(PAPERS)
    store.upsert_edges(EdgeRecord(sha(a), sha(b)) for a, b in EDGES)
    ids = store.internal_ids(sha(i) for i in range(1, 10))
    assert ids == {sha(i): i for i in range(1, 10)}
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO crawl_state (paper, depth, status, reached_via) VALUES (?, ?, 'done', ?)",
            [(p, d, "seed" if d == 0 else "refs") for p, d in DEPTHS.items()])
    add_seeds(store, SEEDS)
    return store
