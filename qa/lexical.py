"""BM25 over the sentences, in plain numpy.

Written here rather than taken from bm25s: bm25s imports scipy (0.3 s, a third of the whole answer
budget of a cold `qa ask`), and we want our own tokens (light stemming, typo-tolerant lookup) on
both sides. Postings are stored per term in CSR arrays, so a query touches only its terms' lists.
"""

from __future__ import annotations

import difflib
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from qa.text import STOPWORDS, words

K1 = 1.2
B = 0.75


def stem(word: str) -> str:
    """A light suffix stripper: lifted/lifting/lifts -> lift, imposed/impose -> impos."""
    if word.isdigit() or len(word) <= 3:
        return word
    if word.endswith("'s"):
        word = word[:-2]
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                break
            word = word[: -len(suffix)] + repl
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Index terms of a text: stemmed content words."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


def top_positive(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest positive scores, best first (ties by index): O(n), not a full sort."""
    positive = np.flatnonzero(scores > 0)
    if positive.size > k:
        positive = positive[np.argpartition(-scores[positive], k - 1)[:k]]
    return positive[np.lexsort((positive, -scores[positive]))]


@dataclass(frozen=True)
class LexicalIndex:
    """Per-term postings: units[indptr[t]:indptr[t+1]] with their BM25 weights."""

    vocabulary: tuple[str, ...]
    indptr: np.ndarray
    units: np.ndarray
    weights: np.ndarray
    size: int

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        counts = [Counter(terms(t)) for t in texts]
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float32)
        avg = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for unit, counter in enumerate(counts):
            for term, tf in counter.items():
                postings[term].append((unit, tf))
        vocabulary = tuple(sorted(postings))
        n = len(texts)
        indptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        unit_ids, weights = [], []
        for t, term in enumerate(vocabulary):
            plist = postings[term]
            idf = math.log(1.0 + (n - len(plist) + 0.5) / (len(plist) + 0.5))
            for unit, tf in plist:
                norm = tf + K1 * (1 - B + B * lengths[unit] / avg)
                unit_ids.append(unit)
                weights.append(idf * tf * (K1 + 1) / norm)
            indptr[t + 1] = indptr[t] + len(plist)
        return cls(
            vocabulary=vocabulary,
            indptr=indptr,
            units=np.array(unit_ids, dtype=np.int32),
            weights=np.array(weights, dtype=np.float32),
            size=n,
        )

    def term_ids(self, query: str) -> list[int]:
        """Query terms found in the vocabulary; an unknown long word matches its nearest spellings."""
        ids: list[int] = []
        lookup = self._lookup
        for term in dict.fromkeys(terms(query)):
            if term in lookup:
                ids.append(lookup[term])
            elif len(term) >= 5:
                ids.extend(lookup[near] for near in self._near_spellings(term))
        return list(dict.fromkeys(ids))

    def idf(self, term_id: int | None) -> float:
        """Inverse document frequency; a word the corpus never uses counts as the rarest."""
        df = 0 if term_id is None else int(self.indptr[term_id + 1] - self.indptr[term_id])
        return math.log(1.0 + (self.size - df + 0.5) / (df + 0.5))

    def coverage(self, query: str, units: Sequence[int]) -> np.ndarray:
        """For each unit, the IDF-weighted share of the query's words that it contains (0..1).

        Misspelt words count as found where their nearest spelling is; words the corpus never uses
        count against every unit, which is what makes an off-topic question score low.
        """
        out = np.zeros(len(units), dtype=np.float32)
        query_terms = list(dict.fromkeys(terms(query)))
        if not query_terms or not len(units):
            return out
        wanted = np.asarray(units, dtype=np.int64)
        total = 0.0
        for term in query_terms:
            ids = self.term_ids(term)
            weight = max((self.idf(t) for t in ids), default=self.idf(None))
            total += weight
            present = np.zeros(len(units), dtype=bool)
            for t in ids:
                postings = self.units[self.indptr[t] : self.indptr[t + 1]]  # ascending unit ids
                at = np.minimum(np.searchsorted(postings, wanted), len(postings) - 1)
                present |= postings[at] == wanted
            out[present] += weight
        return out / total

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every unit for the query (zeros where no term matches)."""
        out = np.zeros(self.size, dtype=np.float32)
        for t in self.term_ids(query):
            lo, hi = self.indptr[t], self.indptr[t + 1]
            out[self.units[lo:hi]] += self.weights[lo:hi]  # a term lists each unit once
        return out

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Best k units by BM25 (unit ids, scores), best first; only units with a positive score."""
        scores = self.scores(query)
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
