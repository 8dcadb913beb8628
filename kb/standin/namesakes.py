"""Namesakes: the other people who carry a real author's surname, the real authors' other
papers, and people split over several profiles, so that an author reference ("Kaplan et al.
2020") has to find its paper among them as it must on the real API.

What the recordings show (``/work/shared/s2-recorded``): ``/author/search?query=turing``
answers 59 authors, one person under several profiles ("A. Turing" four times, "Alan Turing"
five times, "A. M. Turing"), other people of that surname ("J. Turing", "Dermot Turing", "Sara
Turing") and names matched through something other than the name ("Turing Award", "M. Alan");
the API documentation's ``adam smith`` answers 490. A real author's ``/author/{id}/papers`` is
their whole publication list, newest first (A. Turing: 60 papers; author 1723755: 875, in pages
of 100).

What the stand-in adds (``generate_corpus(..., namesakes=True)``; the shares are ours, not
measured): for every surname among the real works' authors, one to four other people of that
surname (full given name or initial, a quarter of them with the same initial as a real author),
each an author of one to six generated papers (one in eight of 12 to 40: a prolific namesake,
who outranks the real author in a paperCount order); two in three real authors with a given
name also write one to six generated papers (one in eight of them 12 to 40), and one in six is split:
their real works' entries carry a second profile, named with their initial ("G. Irving"). A
generated paper takes at most ``MAX_ADDED`` such authors, so small corpora hold fewer namesakes
(``namesake_slots`` says how many were placed). One in ``FIRST_AUTHOR`` of those entries is the
paper's first author (inferred: people lead some of their own papers), the others come last.
"""

from __future__ import annotations

import hashlib

from kb.standin import vocab

MAX_ADDED = 3          # namesake or real-author entries added to one generated paper
# One in FIRST_AUTHOR of the papers a namesake or a real author's extra paper is placed on lists
# them first ("P. Gao et al."): a citation's "Gao et al." names the first author, and a namesake
# who is never first would let that evidence pick the real paper too easily.
FIRST_AUTHOR = 3
PARTICLES = frozenset("van von der den de del della di da du le la ter ten bin ben al el y".split())


def _h(*parts) -> int:
    return int(hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:12], 16)


def surname(name: str) -> str:
    toks = name.split()
    i = len(toks) - 1
    while i > 0 and toks[i - 1].lower() in PARTICLES:
        i -= 1
    return " ".join(toks[i:])


def _count(h: int) -> int:
    """Papers of one namesake or extra papers of a real author: mostly a few, one in eight many."""
    return 12 + h % 29 if h % 8 == 0 else 1 + (h >> 4) % 6


def _author_id(kind: str, *parts) -> str:
    return str(4_000_000_000 + _h(kind, *parts) % 900_000_000)


def plan(real_names: list[str], seed: int) -> tuple[list[tuple[str, str, int, bool]], dict[str, tuple[str, str]]]:
    """(people to place: (authorId, name, papers, a namesake?)), (real name -> its split
    profile (authorId, name)) for the given real author names; deterministic in the names and
    ``seed``."""
    from kb.standin.generate import _author_id_for_name

    people: list[tuple[str, str, int, bool]] = []
    split: dict[str, tuple[str, str]] = {}
    by_surname: dict[str, list[str]] = {}
    for name in sorted(set(real_names)):
        by_surname.setdefault(surname(name), []).append(name)
    for sur, names in sorted(by_surname.items()):
        if not sur or not sur[0].isupper():
            continue
        h = _h("namesakes", seed, sur)
        initials = [n.split()[0][0] for n in names if len(n.split()) > 1]
        for j in range(1 + h % 4):
            hj = _h("namesake", seed, sur, j)
            if initials and hj % 4 == 0:
                first = initials[hj // 4 % len(initials)] + "."     # "J. Kaplan": ambiguous with a real one
            else:
                first = vocab.FIRST_NAMES[hj // 4 % len(vocab.FIRST_NAMES)]
                first = first if hj % 3 else first[0] + "."
            people.append((_author_id("namesake", seed, sur, j), f"{first} {sur}", _count(hj >> 8), True))
        for name in names:
            if len(name.split()) < 2:
                continue                       # a surname the citing text gave: no given name to write
            hn = _h("real", seed, name)
            people.append((_author_id_for_name(name), name, _count(hn) if hn % 3 else 0, False))
            if hn % 6 == 1:
                twin = f"{name.split()[0][0]}. {sur}"
                split[name] = (_author_id("split", seed, name), twin)
    return people, split


def add_namesakes(records: list[dict], work_positions: list[int], generated: list[int], seed: int) -> int:
    """Place the namesakes and the real authors' other papers on ``generated`` papers (their
    record indexes), and give split real authors their second profile on the real works at
    ``work_positions``. Returns how many author entries were placed."""
    names = [a["name"] for i in work_positions for a in records[i].get("authors") or []
             if a.get("name") and a.get("authorId")]
    people, split = plan(names, seed)
    if not generated:
        return 0
    added = dict.fromkeys(generated, 0)
    placed = 0
    n = len(generated)
    # a corpus too small for every namesake's papers gives each person a share of them (at least
    # one for a namesake, so that the search still answers every person)
    room = MAX_ADDED * n / max(1, sum(p[2] for p in people))
    people.sort(key=lambda p: _h("order", seed, p[0]))
    for aid, name, count, namesake in people:
        if room < 1:
            share = count * room
            count = int(share) + (1 if (_h("share", seed, aid) % 1000) / 1000 < share - int(share) else 0)
            count = max(count, int(namesake))
        start = _h("papers", seed, aid) % n
        step = 1 + _h("step", seed, aid) % max(1, n - 1)
        got, tries = 0, 0
        while got < count and tries < 4 * count + 8:
            idx = generated[(start + tries * step) % n]
            tries += 1
            authors = records[idx]["authors"]
            if added[idx] >= MAX_ADDED or any(a.get("authorId") == aid for a in authors):
                continue
            entry = {"authorId": aid, "name": name}
            if _h("first", seed, aid, idx) % FIRST_AUTHOR == 0:
                authors.insert(0, entry)       # their own paper: a namesake leads one as often as anyone
            else:
                authors.append(entry)
            added[idx] += 1
            got += 1
            placed += 1
    for i in work_positions:
        for a in records[i].get("authors") or []:
            twin = split.get(a.get("name") or "")
            if twin and _h("twin", seed, i, a["name"]) % 2 == 0:
                a["authorId"], a["name"] = twin
    return placed
