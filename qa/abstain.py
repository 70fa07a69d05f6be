"""Decide whether the articles answer a question at all, from two independent kinds of evidence.

A single cut-off on one score is fragile: names and rare words ("Mistral", "Eleanor Marsh") get
low embedding similarity but match exactly, while paraphrases match in meaning but share few
words. So a question is answered when meaning alone is clearly close, or when it is fairly close and
the best sentences also contain most of the question's (IDF-weighted) words, or when nearly all of
its words are found together in one sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

NOTHING_RELEVANT = "nothing relevant"


@dataclass(frozen=True)
class Evidence:
    """How close the best sentences come to the question."""

    similarity: float  # best cosine of the question with a sentence (alone or in context)
    coverage: float  # best IDF-weighted share of the question's words found in one sentence


@dataclass(frozen=True)
class Thresholds:
    sure_similarity: float = 0.40
    min_similarity: float = 0.20
    supported_coverage: float = 0.50
    exact_coverage: float = 0.75


def is_relevant(evidence: Evidence, thresholds: Thresholds = Thresholds()) -> bool:
    """True when the articles hold something that addresses the question."""
    if evidence.similarity >= thresholds.sure_similarity:
        return True
    if (
        evidence.similarity >= thresholds.min_similarity
        and evidence.coverage >= thresholds.supported_coverage
    ):
        return True
    return evidence.coverage >= thresholds.exact_coverage


RELATED_ONLY = "related passages only"


@dataclass(frozen=True)
class SentenceSupport:
    """One sentence of a top passage, as evidence that the question is answered."""

    typed: bool  # holds the kind of answer asked for (a date for "when", a number for "how many")
    coverage: float
    similarity: float

    @property
    def addresses(self) -> bool:
        """About the question: most of its rare words, or close in meaning."""
        return self.coverage >= 0.5 or self.similarity >= 0.5


def answer_supported(sentences: list[SentenceSupport]) -> bool:
    """For a question that wants a date, number, person or place: does a top sentence give one, and
    is that sentence about the question (most of its rare words, or close in meaning)?

    "How much revenue did Anthropic make?" finds sentences about Anthropic and about money, but none
    that has both a number and the word revenue: the articles discuss the subject without answering.
    """
    return any(s.typed and s.addresses for s in sentences)
