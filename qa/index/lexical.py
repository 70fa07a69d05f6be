"""BM25 over the sentences, in plain numpy.

Written here rather than taken from bm25s: we need more than its scores from one tokenisation of
the query (per-term IDF coverage of chosen sentences, typo-tolerant lookup, the share of the
question the corpus knows), and bm25s (0.3.16, measured 2026-11-23) imports scipy.sparse whenever
scipy is installed, as it is here for sentence-transformers: 0.29 s on the query path after numpy.
Postings are stored per term in CSR arrays, so a query touches only its terms' lists. Stemming is
Snowball's (PyStemmer).
"""

from __future__ import annotations

import difflib
import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from qa.text import STOPWORDS, words

# Runs of Latin letters: the words spelling is checked on (qa/retrieval/spelling.py), in questions and
# in the articles' word counts (`article_words`) alike.
LETTER_RUN = re.compile(r"[A-Za-z]+")


def article_words(texts: Iterable[str]) -> Counter[str]:
    """How often the texts use each lower-case word: what spelling mends a slip from."""
    return Counter(w.lower() for text in texts for w in LETTER_RUN.findall(text))

K1 = 1.2
B = 0.75


@functools.cache
def _english_stemmer() -> Any:
    import Stemmer  # PyStemmer: Snowball's English stemmer in C; loaded on first use, not at import

    return Stemmer.Stemmer("english")


def _idf(size: int, df: Any) -> Any:
    """BM25's inverse document frequency, of one term or of an array of document frequencies."""
    return np.log1p((size - df + 0.5) / (df + 0.5))


def stem(word: str) -> str:
    """Snowball (Porter 2) stem: lifted/lifting/lifts -> lift, imposed/impose -> impos."""
    return str(_english_stemmer().stemWord(word))


def terms(text: str) -> list[str]:
    """Index terms of a text: stemmed content words."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


@dataclass(frozen=True)
class QueryTerms:
    """A query tokenised once: each distinct term, the vocabulary ids it matches (itself, or its nearest
    spellings when it is unknown), and its IDF weight."""

    terms: tuple[str, ...]
    ids: tuple[tuple[int, ...], ...]
    weights: tuple[float, ...]

    @property
    def all_ids(self) -> list[int]:
        return list(dict.fromkeys(i for ids in self.ids for i in ids))


def top_positive(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest positive scores, best first (ties by index): O(n), not a full sort."""
    positive = np.flatnonzero(scores > 0)
    if positive.size > k:
        positive = positive[np.argpartition(-scores[positive], k - 1)[:k]]
    return positive[np.lexsort((positive, -scores[positive]))]


def holds(postings: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Bool per wanted sentence id: is it among a term's postings (sorted ids). A binary search per
    wanted id, not np.isin's pass over the whole list: a common word lists thousands of sentences."""
    if not len(postings):
        return np.zeros(len(wanted), dtype=bool)
    at = np.minimum(np.searchsorted(postings, wanted), len(postings) - 1)
    return np.asarray(postings[at] == wanted)


def _weights(idf: np.ndarray, tfs: np.ndarray, lengths: np.ndarray, average: float) -> np.ndarray:
    """BM25 weight of each posting (float64 in, float32 out: one formula for a segment and a view)."""
    norm = tfs + K1 * (1 - B + B * lengths / average)
    return (idf * tfs * (K1 + 1) / norm).astype(np.float32)


class _Bm25:
    """What a query does with postings, shared by one segment's `LexicalIndex` and the `LexicalView`
    over several segments: each gives its vocabulary, size, document frequencies, presence and scores."""

    vocabulary: tuple[str, ...]

    @property
    def size(self) -> int:
        raise NotImplementedError

    def _df(self, term_id: int) -> int:
        raise NotImplementedError

    def presence(self, query: QueryTerms, sentence_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Boolean (sentences x query terms): does each sentence hold each term (or its nearest spelling)."""
        raise NotImplementedError

    def scores(self, query: QueryTerms) -> np.ndarray:
        """BM25 score of every sentence for the query (zeros where no term matches)."""
        raise NotImplementedError

    def query(self, text: str) -> QueryTerms:
        """Tokenise a query once; an unknown long word matches its nearest spellings."""
        lookup = self._lookup
        found_terms, found_ids, weights = [], [], []
        for term in dict.fromkeys(terms(text)):
            if term in lookup:
                ids: tuple[int, ...] = (lookup[term],)
            elif len(term) >= 5:
                ids = tuple(lookup[near] for near in self._near_spellings(term))
            else:
                ids = ()
            found_terms.append(term)
            found_ids.append(ids)
            weights.append(max((self.idf(t) for t in ids), default=self.idf(None)))
        return QueryTerms(tuple(found_terms), tuple(found_ids), tuple(weights))

    def idf(self, term_id: int | None) -> float:
        """Inverse document frequency; a word the corpus never uses counts as the rarest."""
        return float(_idf(self.size, 0 if term_id is None else self._df(term_id)))

    def coverage(self, query: QueryTerms, sentence_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """For each sentence, the IDF-weighted share of the query's terms that it contains (0..1).

        Misspelt words count as found where their nearest spelling is; words the corpus never uses
        count against every sentence, which is what makes an off-topic question score low.
        """
        return self.weighted_share(query, self.presence(query, sentence_ids))

    @staticmethod
    def weighted_share(query: QueryTerms, presence: np.ndarray) -> np.ndarray:
        """Rows of a presence matrix as IDF-weighted shares of the query (0..1)."""
        total = sum(query.weights)
        if total <= 0 or presence.shape[1] == 0:
            return np.zeros(len(presence), dtype=np.float32)
        weights = np.asarray(query.weights, dtype=np.float32)
        return (presence.astype(np.float32) @ weights) / np.float32(total)

    def uses(self, word: str) -> bool:
        """The corpus has the word, or another with its stem ("lifted" when it says "lifting")."""
        return stem(word) in self._lookup

    def known_share(self, query: QueryTerms) -> float:
        """IDF-weighted share of the query's terms that the corpus uses at all (0 for an empty query)."""
        total = sum(query.weights)
        if total <= 0:
            return 0.0
        return sum(w for ids, w in zip(query.ids, query.weights, strict=True) if ids) / total

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Best k sentences by BM25 (sentence ids, scores), best first; only those with a positive score."""
        scores = self.scores(self.query(query))
        top = top_positive(scores, k)
        return top, scores[top]

    # Derived lookups, built on first use (cached_property writes to the instance dict directly,
    # which a frozen dataclass allows).
    @cached_property
    def _lookup(self) -> dict[str, int]:
        return {term: i for i, term in enumerate(self.vocabulary)}

    @cached_property
    def _buckets(self) -> dict[tuple[str, int], list[str]]:
        buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in self.vocabulary:
            buckets[(word[:1], len(word))].append(word)
        return buckets

    @cached_property
    def _near_cache(self) -> dict[str, list[str]]:
        return {}

    def _near_spellings(self, term: str) -> list[str]:
        cache = self._near_cache
        if term not in cache:
            if len(cache) > 10_000:
                cache.clear()  # a long-running server meets endless new words: keep this bounded
            cache[term] = difflib.get_close_matches(term, self._similar_length(term), n=2, cutoff=0.8)
        return cache[term]

    def _similar_length(self, term: str) -> list[str]:
        """Vocabulary words with the same first letter and a length within two: typo candidates."""
        buckets = self._buckets
        return [w for n in range(len(term) - 2, len(term) + 3) for w in buckets.get((term[:1], n), ())]


@dataclass(frozen=True)
class LexicalIndex(_Bm25):
    """One segment's postings: sentence_ids[indptr[t]:indptr[t+1]] with their BM25 weights.

    The term frequencies and sentence lengths the weights come from are kept too, so that segments
    can be merged, and searched together with corpus-wide statistics, without tokenising again.
    """

    vocabulary: tuple[str, ...]
    indptr: np.ndarray  # int64, len(vocabulary) + 1
    sentence_ids: np.ndarray  # int32, per posting
    weights: np.ndarray  # float32 BM25 weight, per posting
    tfs: np.ndarray  # int32 term frequency, per posting
    lengths: np.ndarray  # int32 terms per sentence

    @property
    def size(self) -> int:
        return len(self.lengths)

    def _df(self, term_id: int) -> int:
        return int(self.indptr[term_id + 1] - self.indptr[term_id])

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        """Postings of the texts, numbered 0..len(texts) - 1."""
        # Terms are numbered as they are met and sorted once at the end: an array of every posting's
        # term as a string would take (longest term x 4) bytes a posting, gigabytes at 10,000 articles.
        numbers: dict[str, int] = {}
        term_of, ids, tfs, lengths = [], [], [], np.zeros(len(texts), np.int64)
        for i, text in enumerate(texts):
            counts = Counter(terms(text))
            lengths[i] = sum(counts.values())
            for term, tf in counts.items():
                term_of.append(numbers.setdefault(term, len(numbers)))
                ids.append(i)
                tfs.append(tf)
        vocabulary = np.array(sorted(numbers), dtype=str)
        rank = np.empty(len(numbers), np.int64)
        rank[np.fromiter(numbers.values(), np.int64, len(numbers))] = np.searchsorted(
            vocabulary, np.array(list(numbers), dtype=str)
        )
        return cls._assemble(
            vocabulary,
            rank[np.array(term_of, np.int64)],
            np.array(ids, np.int64),
            np.array(tfs, np.int64),
            lengths,
        )

    @classmethod
    def merge(cls, parts: Sequence[LexicalIndex], renumbered: Sequence[np.ndarray]) -> LexicalIndex:
        """The parts' postings in one index, part p's sentence i renumbered to renumbered[p][i] (-1:
        left out); weights recomputed for the merged corpus in numpy, nothing tokenised again."""
        size = sum(int((r >= 0).sum()) for r in renumbered)
        lengths = np.zeros(size, np.int64)
        old_terms, keeps = [], []
        for part, numbers in zip(parts, renumbered, strict=True):
            terms_of = np.repeat(np.arange(len(part.vocabulary)), np.diff(part.indptr))
            keep = numbers[part.sentence_ids] >= 0
            old_terms.append(terms_of)
            keeps.append(keep)
            moved = numbers >= 0
            lengths[numbers[moved]] = part.lengths[moved]
        vocabularies = [np.array(p.vocabulary, dtype=str) for p in parts]
        used = [v[np.unique(t[k])] for v, t, k in zip(vocabularies, old_terms, keeps, strict=True)]
        vocabulary = functools.reduce(np.union1d, used, np.zeros(0, dtype=str))
        term_of = np.concatenate(
            [np.zeros(0, np.int64)]
            + [
                np.searchsorted(vocabulary, v)[t[k]]
                for v, t, k in zip(vocabularies, old_terms, keeps, strict=True)
            ]
        )
        ids = np.concatenate(
            [np.zeros(0, np.int64)]
            + [n[p.sentence_ids][k] for p, n, k in zip(parts, renumbered, keeps, strict=True)]
        )
        tfs = np.concatenate(
            [np.zeros(0, np.int64)] + [p.tfs[k].astype(np.int64) for p, k in zip(parts, keeps, strict=True)]
        )
        return cls._assemble(vocabulary, term_of, ids, tfs, lengths)

    @classmethod
    def _assemble(
        cls,
        vocabulary: np.ndarray,
        term_of: np.ndarray,
        ids: np.ndarray,
        tfs: np.ndarray,
        lengths: np.ndarray,
    ) -> LexicalIndex:
        size = len(lengths)
        order = np.argsort(term_of * max(size, 1) + ids, kind="stable")
        term_of, ids, tfs = term_of[order], ids[order], tfs[order]
        df = np.bincount(term_of, minlength=len(vocabulary))
        indptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
        average = float(lengths.mean()) if size and lengths.mean() > 0 else 1.0
        weights = _weights(_idf(size, df)[term_of], tfs, lengths[ids], average)
        return cls(
            vocabulary=tuple(vocabulary.tolist()),
            indptr=indptr,
            sentence_ids=ids.astype(np.int32),
            weights=weights,
            tfs=tfs.astype(np.int32),
            lengths=lengths.astype(np.int32),
        )

    def presence(self, query: QueryTerms, sentence_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        wanted = np.asarray(sentence_ids, dtype=np.int64)
        out = np.zeros((len(wanted), len(query.terms)), dtype=bool)
        for j, ids in enumerate(query.ids):
            for t in ids:
                out[:, j] |= holds(self.sentence_ids[self.indptr[t] : self.indptr[t + 1]], wanted)
        return out

    def scores(self, query: QueryTerms) -> np.ndarray:
        out = np.zeros(self.size, dtype=np.float32)
        for t in query.all_ids:
            lo, hi = self.indptr[t], self.indptr[t + 1]
            out[self.sentence_ids[lo:hi]] += self.weights[lo:hi]  # a term lists each sentence once
        return out


class LexicalView(_Bm25):
    """Several segments' postings searched as one index of their live sentences: statistics (sentence
    count, mean length, document frequencies) are those of the live sentences, and weights are
    computed for the query's terms only, so the scores equal those of the segments merged into one."""

    def __init__(self, parts: Sequence[LexicalIndex], global_ids: Sequence[np.ndarray]) -> None:
        self.parts = tuple(parts)
        self.global_ids = tuple(global_ids)  # per part: local sentence id -> global id, -1 deleted
        self._size = sum(int((g >= 0).sum()) for g in self.global_ids)
        total = sum(int(p.lengths[g >= 0].sum()) for p, g in zip(self.parts, self.global_ids, strict=True))
        self._average = total / self._size if self._size and total > 0 else 1.0
        live_df: dict[str, int] = {}
        for part, numbers in zip(self.parts, self.global_ids, strict=True):
            if (numbers >= 0).all():
                df = np.diff(part.indptr)
            else:
                terms_of = np.repeat(np.arange(len(part.vocabulary)), np.diff(part.indptr))
                df = np.bincount(terms_of[numbers[part.sentence_ids] >= 0], minlength=len(part.vocabulary))
            for term, n in zip(part.vocabulary, df.tolist(), strict=True):
                if n:
                    live_df[term] = live_df.get(term, 0) + n
        self.vocabulary = tuple(sorted(live_df))
        self._dfs = [live_df[t] for t in self.vocabulary]

    @property
    def size(self) -> int:
        return self._size

    def _df(self, term_id: int) -> int:
        return self._dfs[term_id]

    def _postings(self, term_id: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per part holding the term: (global sentence ids, term frequencies, lengths), live only."""
        term = self.vocabulary[term_id]
        out = []
        for part, numbers in zip(self.parts, self.global_ids, strict=True):
            local = part._lookup.get(term)
            if local is None:
                continue
            lo, hi = part.indptr[local], part.indptr[local + 1]
            ids = numbers[part.sentence_ids[lo:hi]]
            live = ids >= 0
            local_ids = part.sentence_ids[lo:hi][live]
            out.append(
                (ids[live], part.tfs[lo:hi][live].astype(np.int64), part.lengths[local_ids].astype(np.int64))
            )
        return out

    def presence(self, query: QueryTerms, sentence_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        wanted = np.asarray(sentence_ids, dtype=np.int64)
        out = np.zeros((len(wanted), len(query.terms)), dtype=bool)
        for j, ids in enumerate(query.ids):
            for t in ids:
                for holders, _, _ in self._postings(t):
                    out[:, j] |= holds(holders, wanted)
        return out

    def scores(self, query: QueryTerms) -> np.ndarray:
        out = np.zeros(self.size, dtype=np.float32)
        for t in query.all_ids:
            idf = _idf(self.size, np.array([self._df(t)]))
            for ids, tfs, lengths in self._postings(t):
                out[ids] += _weights(idf, tfs, lengths, self._average)
        return out
