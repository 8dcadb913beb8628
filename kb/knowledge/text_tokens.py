"""Many papers' texts as arrays of word ids, split once for keyword rules and for features.

Keyword rules read runs of letters and digits of the lower-cased text (``[a-z0-9]+``,
:class:`kb.knowledge.tagging.RuleMatcher`); features read scikit-learn's words
(``\\b[a-z][a-z0-9-]+\\b``, :func:`kb.knowledge.theme_model.term_counts`). Neither crosses white
space, and in a text of ASCII characters only, what a piece between white space gives depends on
the piece alone (white space is neither a word character nor a hyphen). So a batch of texts is
split at white space (``str.split``, in C), each distinct piece is split into rule tokens and
feature words once, and the rest is array operations: splitting a million abstracts with regular
expressions into Python strings twice, and looking at every word of them in Python, was most of
a first `kb tag auto` on a big store. A text with other characters takes its features from
scikit-learn's expression itself (a non-ASCII letter next to a word moves its word boundaries);
its rule tokens come from the pieces as in any text (rule tokens are ASCII: anything else only
separates them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import chain

RULE_TOKEN = re.compile(r"[a-z0-9]+")
FEATURE_WORD = re.compile(r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]+\b")


class Vocabulary(dict):
    """Word -> id in order of first sight; ``added`` lets a subclass note what it needs of each
    new word once."""

    def __init__(self):
        super().__init__()
        self.words: list[str] = []

    def __missing__(self, word: str) -> int:
        self[word] = i = len(self.words)
        self.words.append(word)
        self.added(word)
        return i

    def added(self, word: str) -> None:
        pass


class Inert:
    """What :class:`Pieces` needs to give every number that can begin and continue no keyword
    phrase one rule token: the characters phrase words begin with, and that token's row."""

    TOKEN = " "       # never a rule token ([a-z0-9]+): it stands for all of them

    def __init__(self, tokens: Vocabulary, initials):
        self.initials = initials
        self.row = (tokens[self.TOKEN],)


class Growing:
    """A list of id tuples, one per id of a growing vocabulary, as CSR arrays (``ptr``, ``flat``)
    extended with what was added since last asked, not rebuilt."""

    def __init__(self):
        import numpy as np

        self.rows: list[tuple[int, ...]] = []
        self._ptr = np.zeros(1, dtype=np.int64)
        self._flat = np.zeros(0, dtype=np.int64)
        self._single = np.zeros(0, dtype=np.int64)

    def arrays(self):
        import numpy as np

        done = len(self._ptr) - 1
        if done < len(self.rows):
            tail = self.rows[done:]
            lengths = np.fromiter(map(len, tail), dtype=np.int64, count=len(tail))
            flat = np.fromiter(chain.from_iterable(tail), dtype=np.int64, count=int(lengths.sum()))
            ptr = self._ptr[-1] + np.cumsum(lengths)
            single = np.where(lengths == 1, 0, np.where(lengths == 0, -1, -2))
            one = np.flatnonzero(lengths == 1)
            single[one] = flat[ptr[one] - self._ptr[-1] - 1]
            self._ptr = np.concatenate([self._ptr, ptr])
            self._flat = np.concatenate([self._flat, flat])
            self._single = np.concatenate([self._single, single])
        return self._ptr, self._flat

    def expand(self, ids):
        """:func:`expand` of these rows: one gather from each id's only entry (-1: none, -2:
        several) when no id gives several, as most pieces of text give one rule token and at most
        one word."""
        import numpy as np

        ptr, flat = self.arrays()
        single = self._single[ids]
        if not len(single) or single.min() >= 0:
            return single, np.ones(len(single), dtype=np.int64)
        if (single == -2).any():
            return expand(ptr, flat, ids)
        given = single >= 0
        return single[given], given.view(np.int8)


def expand(ptr, flat, ids):
    """(``flat``'s entries for each of ``ids`` in turn, how many each id gave).

    Most pieces of text give one rule token and at most one word: their entries are gathered
    directly, and only the few that give several are spread out (a repeat over every entry of a
    batch was a fifth of splitting it)."""
    import numpy as np

    starts = ptr[ids]
    counts = ptr[ids + 1] - starts
    one = counts == 1
    if one.all():
        return flat[starts], counts
    many = np.flatnonzero(counts > 1)
    if not len(many):
        return flat[starts[one]], counts
    ends = np.cumsum(counts)
    out = np.empty(int(ends[-1]), dtype=flat.dtype)
    out[(ends - counts)[one]] = flat[starts[one]]
    sizes = counts[many]
    local = np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    out[np.repeat((ends - counts)[many], sizes) + local] = flat[np.repeat(starts[many], sizes) + local]
    return out, counts


class Pieces(dict):
    """Piece of text between white space -> id, with its rule tokens and feature words as ids of
    two vocabularies (its feature words are those of an ASCII text: see :func:`split`)."""

    def __init__(self, tokens: Vocabulary, words: Vocabulary):
        super().__init__()
        self.tokens, self.words = tokens, words
        self.token_rows, self.word_rows = Growing(), Growing()

    def __missing__(self, piece: str) -> int:
        self[piece] = i = len(self.token_rows.rows)
        if piece.isascii() and piece.isdigit():
            inert = getattr(self.tokens, "inert", None)
            if inert is not None and piece[0] not in inert.initials:
                # A number: no word, and a rule token that can stand in no keyword phrase (its
                # first character begins none), like every other such token, so all of them
                # share one id (a store's numbers are many, each one a few Python calls less).
                self.token_rows.rows.append(inert.row)
                self.word_rows.rows.append(())
                return i
        if piece.isascii() and piece.isalnum():     # most: one rule token, at most one word
            self.token_rows.rows.append((self.tokens[piece],))
            self.word_rows.rows.append((self.words[piece],) if len(piece) > 1 and piece[0].isalpha() else ())
            return i
        self.token_rows.rows.append(tuple(map(self.tokens.__getitem__, RULE_TOKEN.findall(piece))))
        self.word_rows.rows.append(tuple(map(self.words.__getitem__, FEATURE_WORD.findall(piece))))
        return i


TEXT_END = "\x00"     # a piece of its own between texts joined to be split at once


def _piece_ids(pieces: Pieces, texts: list[str]):
    """(the piece ids of the lower-cased texts' pieces, in order; how many each text has). The
    texts are joined, lower-cased and split at once, the pieces between them marked by a piece
    no text holds: a list of pieces per text cost a third more. (Lower case is the same: a
    final sigma stays final next to white space.)"""
    import numpy as np

    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    joined = f" {TEXT_END} ".join(texts).lower()
    if joined.count(TEXT_END) != max(len(texts) - 1, 0):     # a text holds the mark: one text at a time
        found = [text.lower().split() for text in texts]
        lengths = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        ids = np.fromiter(map(pieces.__getitem__, chain.from_iterable(found)), dtype=np.int64,
                          count=int(lengths.sum()))
        return ids, lengths
    found = joined.split()
    del joined
    ids = np.fromiter(map(pieces.__getitem__, found), dtype=np.int64, count=len(found))
    del found
    ends = np.flatnonzero(ids == pieces[TEXT_END])
    lengths = np.diff(np.concatenate([[-1], ends, [len(ids)]])) - 1
    keep = np.ones(len(ids), dtype=bool)
    keep[ends] = False
    return ids[keep], lengths


@dataclass
class Batch:
    """A batch of papers' rule tokens and feature words as ids of :class:`Pieces`' vocabularies."""

    tokens: object        # rule token ids of every text, in order
    texts: object         # the text of each: 2 r for paper r's title, 2 r + 1 for its abstract + TLDR
    words: object         # feature word ids of every paper (title, then abstract + TLDR), in order
    rows: object          # the paper of each


def split(pieces: Pieces, titles: list[str], bodies: list[str] | None = None) -> Batch:
    """Papers' texts (``bodies`` None: ``titles`` are whole documents, each text 2 r) as ids.

    Features read ``f"{title}\\n{body}"``, whose pieces are the title's and then the body's."""
    import numpy as np

    n = len(titles)
    if bodies is not None:
        texts = [""] * (2 * n)
        texts[0::2], texts[1::2] = titles, bodies
    else:
        texts = titles
    # A text whose lower case is ASCII but not itself (a Kelvin sign) takes scikit-learn's
    # expression below, which gives what its pieces would.
    plain = np.fromiter(map(str.isascii, texts), dtype=bool, count=len(texts))
    if bodies is not None:
        plain = plain.reshape(n, 2).all(axis=1)
    ids, lengths = _piece_ids(pieces, texts)
    text_of = np.repeat(np.arange(len(texts), dtype=np.int64) * (1 if bodies is not None else 2), lengths)
    tokens, counts = pieces.token_rows.expand(ids)
    token_texts = np.repeat(text_of, counts)
    words, counts = pieces.word_rows.expand(ids)
    rows = np.repeat(text_of // 2, counts)
    if not plain.all():
        keep = plain[rows]
        other = np.flatnonzero(~plain)
        docs = [FEATURE_WORD.findall(f"{titles[r]}\n{bodies[r]}".lower() if bodies is not None else titles[r].lower())
                for r in other.tolist()]
        sizes = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        extra = np.fromiter(map(pieces.words.__getitem__, chain.from_iterable(docs)), dtype=np.int64,
                            count=int(sizes.sum()))
        words = np.concatenate([words[keep], extra])
        rows = np.concatenate([rows[keep], np.repeat(other, sizes)])
    return Batch(tokens, token_texts, words, rows)


# -- counting by sorting packed keys -------------------------------------------------------------
#
# A batch's term counts are a few million (paper, column) entries to count and put in row and
# column order. scipy sorts each row's entries on its own (std::sort of index and value pairs, a
# third of a first full run at a million papers); numpy sorts one array of 64-bit keys with
# vector instructions several times faster, so the row, the column and, where there is one, the
# value are packed into one key and sorted at once.

COLUMN_BITS = 20      # the hashed feature space (theme_model.FEATURES) is 2^20 columns


def counted(rows, cols, n: int, bits: int = COLUMN_BITS):
    """(indptr, columns, counts) of the (``rows``, ``cols``) entries counted: a canonical CSR
    of ``n`` rows (columns, below 2^``bits``, ascending in each row, each once), counts as int64."""
    import numpy as np

    if not len(rows):
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    keys = np.sort((rows.astype(np.int64) << bits) | cols)
    first = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(keys)))
    keys = keys[starts]
    return _indptr(keys >> bits, n), keys & ((1 << bits) - 1), counts


def _indptr(rows, n: int):
    import numpy as np

    return np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(np.int64)


_MIX = 0x9E3779B97F4A7C15     # an odd 64-bit multiplier: its top bits mix every bit of a key


def distinct(keys):
    """(the distinct ``keys`` (int64), each key's index among them): ``np.unique(keys,
    return_inverse=True)`` without its argsort, which is several times slower than a sort. Each
    key's mixed top bits and its position are packed into one int64 and sorted; keys whose top
    bits agree are checked to be equal (when two differ, np.unique is asked instead), so the
    answer is exact. The distinct keys come in no particular order."""
    import numpy as np

    n = len(keys)
    index_bits = max(int(n).bit_length(), 1)
    if n == 0 or index_bits > 40:
        uniq, inverse = np.unique(keys, return_inverse=True)
        return uniq, inverse.ravel()
    mixed = (keys.astype(np.uint64) * np.uint64(_MIX)) >> np.uint64(index_bits + 1)
    packed = np.sort((mixed.astype(np.int64) << index_bits) | np.arange(n, dtype=np.int64))
    at = packed & ((1 << index_bits) - 1)
    top = packed >> index_bits
    new = np.ones(n, dtype=bool)
    np.not_equal(top[1:], top[:-1], out=new[1:])
    ordered = keys[at]
    if (ordered[1:][~new[1:]] != ordered[:-1][~new[1:]]).any():
        uniq, inverse = np.unique(keys, return_inverse=True)
        return uniq, inverse.ravel()
    inverse = np.empty(n, dtype=np.int64)
    inverse[at] = np.cumsum(new) - 1
    return ordered[new], inverse
