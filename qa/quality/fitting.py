"""Fit the ranking and answer-decision models on questions with evidence, and measure them held out.

Held-out figures answer through the same `QA.ask` as users do, with models fitted without the
questions being scored (k-fold by question, or on another corpus).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.answer.engine import QA, Reply, settle
from qa.index.adaptation import TrainingPair
from qa.quality.evaluate import UNANSWERABLE, EvalQuestion, QuestionResult, score
from qa.retrieval.features import (
    QUESTION_FEATURES,
    SENTENCE_FEATURES,
    QuestionContext,
    question_features,
    sigmoid,
)
from qa.retrieval.ranking import LinearModel, Models
from qa.text import normalize

# What a wrong decision costs a reader. Refusing a question the articles answer is the worst error;
# showing passages for an off-topic question is not allowed; showing related passages (marked as not
# an answer) for an on-topic question they do not answer is the lesser harm.
COSTS = {  # question class -> (cost of answering, of "related passages only", of "nothing relevant")
    "answerable": (0.0, 10.0, 10.0),
    "on_topic": (3.0, 0.0, 1.0),
    "off_topic": (10.0, 6.0, 0.0),
}
# Ridge penalty of the logistic regressions, on standardised features: a few hundred questions
# cannot support large weights.
L2 = 1.0


@dataclass(frozen=True)
class Sample:
    """One question's candidates as features, with which of them hold the evidence."""

    question: EvalQuestion
    rows: np.ndarray
    labels: np.ndarray  # 1 where the candidate sentence holds (or starts or ends) an evidence string
    context: QuestionContext

    @property
    def kind(self) -> str:
        if self.question.type == "unanswerable":
            return "off_topic"
        return "on_topic" if self.question.type == "unanswerable_ontopic" else "answerable"


def collect(engine: QA, questions: Sequence[EvalQuestion]) -> list[Sample]:
    """Rank every question's candidates and label them by the question's evidence strings."""
    samples = []
    for q in questions:
        ranking = engine.rank(q.question, q.history)
        labels = np.array(
            [_holds_evidence(engine, int(u), q.evidence) for u in ranking.sentence_ids], dtype=np.float32
        )
        # Which candidates hold an answer span, for all of them: a refitted ranker puts others on top.
        found = np.array([engine.answer_in(ranking.asked, int(u)) is not None for u in ranking.sentence_ids])
        context = dataclasses.replace(
            ranking.context, span_found=found if ranking.asked is not None else None
        )
        samples.append(Sample(q, ranking.rows, labels, context))
    return samples


def adaptation_pairs(engine: QA, questions: Sequence[EvalQuestion]) -> list[TrainingPair]:
    """Question -> answering sentence pairs to adapt the encoder on (qa/index/adaptation.py): up to
    two evidence sentences among each question's candidates, each with the candidate the encoder
    puts closest to the question that holds no evidence. The question is the one searched (a
    follow-up joined to what it follows)."""
    alone = SENTENCE_FEATURES.index("alone")
    pairs = []
    for q in questions:
        if not q.evidence:
            continue
        ranking = engine.rank(q.question, q.history)
        ids = [int(u) for u in ranking.sentence_ids]
        holds = [_holds_evidence(engine, u, q.evidence) for u in ids]
        closest = np.argsort(-ranking.rows[:, alone], kind="stable") if ids else np.array([], dtype=int)
        distractor = next((engine.stored.table.text(ids[i]) for i in closest if not holds[i]), None)
        answers = [engine.stored.table.text(u) for u, h in zip(ids, holds, strict=True) if h][:2]
        pairs += [TrainingPair(ranking.query, answer, distractor) for answer in answers]
    return pairs


def _holds_evidence(engine: QA, sentence_id: int, evidence: Sequence[str]) -> bool:
    """The sentence contains an evidence string, or one that runs across it and a neighbour."""
    if not evidence:
        return False
    table = engine.stored.table
    own = normalize(table.text(sentence_id))
    wanted = [normalize(e) for e in evidence if e.strip()]
    if any(e in own for e in wanted):
        return True
    prev, nxt = table.neighbours(np.array([sentence_id]))
    for other, before in ((int(prev[0]), True), (int(nxt[0]), False)):
        if other < 0:
            continue
        near = normalize(table.text(other))
        joined = f"{near} {own}" if before else f"{own} {near}"
        if any(e in joined and e not in near for e in wanted):
            return True
    return False


def fit_logistic(
    rows: np.ndarray, labels: np.ndarray, features: Sequence[str], l2: float = L2
) -> LinearModel:
    """L2-regularised logistic regression by Newton's method on standardised features."""
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale < 1e-6] = 1.0
    x = np.hstack([(rows - mean) / scale, np.ones((len(rows), 1))]).astype(np.float64)
    y = labels.astype(np.float64)
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    for _ in range(50):
        p = sigmoid(x @ w)
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return LinearModel(
        features=tuple(features),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        weights=tuple(float(v) for v in w[:-1]),
        bias=float(w[-1]),
    )


def fit_listwise(samples: Sequence[Sample], features: Sequence[str], l2: float = L2) -> LinearModel:
    """A ranker fitted so that each question's evidence sentences come first: softmax cross-entropy
    over each question's candidates (ListNet with the evidence as targets), then one Platt scale so
    that its scores read as probabilities."""
    from scipy.optimize import minimize  # fit time only

    rows = np.concatenate([s.rows for s in samples]).astype(np.float64)
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale < 1e-6] = 1.0
    groups = [((s.rows - mean) / scale, s.labels / s.labels.sum()) for s in samples]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, gradient = 0.5 * l2 * w @ w, l2 * w
        for x, target in groups:
            z = x @ w
            z -= z.max()
            p = np.exp(z)
            p /= p.sum()
            total -= float(target @ np.log(p + 1e-12))
            gradient = gradient + x.T @ (p - target)
        return total, gradient

    w = minimize(loss, np.zeros(rows.shape[1]), jac=True, method="L-BFGS-B").x
    # Platt scaling: P(answers) = sigmoid(a * score + b), fitted pointwise on the same candidates.
    scores = np.concatenate([x @ w for x, _ in groups])[:, None]
    labels = np.concatenate([s.labels for s in samples])
    platt = fit_logistic(scores, labels, ("score",), l2=0.0)
    a = platt.weights[0] / platt.scale[0]
    b = platt.bias - platt.mean[0] * a
    return LinearModel(
        features=tuple(features),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        weights=tuple(float(v) * a for v in w),
        bias=float(b),
    )


def _thresholds(on_topic: np.ndarray, answerable: np.ndarray, kinds: Sequence[str]) -> tuple[float, float]:
    """The two cut-offs with the lowest total cost on these questions.

    Where a range of cut-offs costs the same (the classes separate cleanly), the middle of the range
    is taken: the widest margin on both sides for questions not seen yet.
    """
    grid = np.linspace(0.0, 1.0, 201)
    costs = np.array([COSTS[k] for k in kinds])
    nothing = on_topic[None, :] < grid[:, None]  # (t1, question)
    related = answerable[None, :] < grid[:, None]  # (t2, question)
    decision = np.where(nothing[:, None, :], 2, np.where(related[None, :, :], 1, 0))  # (t1, t2, question)
    total = costs[np.arange(len(kinds))[None, None, :], decision].sum(axis=2)
    best_t1, best_t2 = np.nonzero(total == total.min())
    t1 = float(np.median(grid[best_t1]))
    t2_choices = grid[best_t2[grid[best_t1] == grid[best_t1][np.argmin(np.abs(grid[best_t1] - t1))]]]
    return t1, float(np.median(t2_choices))


def fit_models(samples: Sequence[Sample], fitted_on: Sequence[str], background_sha256: str) -> Models:
    """The sentence ranker on answerable questions' candidates, then the answer decision on all
    (whose features were computed against the background vectors named by `background_sha256`)."""
    answerable = [s for s in samples if s.kind == "answerable" and s.labels.any()]
    sentence = fit_listwise(answerable, SENTENCE_FEATURES)
    question_rows = np.stack([question_features(s.rows, sentence.logits(s.rows), s.context) for s in samples])
    kinds = [s.kind for s in samples]
    on_topic = fit_logistic(question_rows, np.array([k != "off_topic" for k in kinds]), QUESTION_FEATURES)
    answers = fit_logistic(question_rows, np.array([k == "answerable" for k in kinds]), QUESTION_FEATURES)
    t1, t2 = _thresholds(on_topic.probabilities(question_rows), answers.probabilities(question_rows), kinds)
    return Models(
        fitted_on=tuple(fitted_on),
        sentence=sentence,
        on_topic=on_topic,
        answerable=answers,
        on_topic_threshold=t1,
        answerable_threshold=t2,
        background_sha256=background_sha256,
    )


def folds(count: int, n: int, seed: int = 0) -> list[np.ndarray]:
    """`count` disjoint sets of question positions, shuffled with a fixed seed."""
    order = np.random.default_rng(seed).permutation(n)
    return [order[i::count] for i in range(count)]


def answer_with(engine: QA, models: Models, questions: Sequence[EvalQuestion]) -> list[QuestionResult]:
    held_out = engine.with_models(models)
    return [score(q, held_out.ask(q.question, q.history)) for q in questions]


def k_fold(
    engine: QA,
    samples: Sequence[Sample],
    count: int = 5,
    seed: int = 0,
    training_only: Sequence[Sample] = (),
) -> list[QuestionResult]:
    """Every question answered by models fitted on the other folds (and on `training_only`: questions
    of other corpora that are never scored here)."""
    results: list[QuestionResult | None] = [None] * len(samples)
    for fold in folds(count, len(samples), seed):
        held = set(fold.tolist())
        train = [*(s for i, s in enumerate(samples) if i not in held), *training_only]
        models = fit_models(train, ["k-fold"], engine.background.sha256)
        for i, result in zip(
            fold, answer_with(engine, models, [samples[i].question for i in fold]), strict=True
        ):
            results[int(i)] = result
    return [r for r in results if r is not None]


def unfitted_models() -> Models:
    """All-zero weights: for collecting features before anything is fitted (the features of a
    question's candidates do not depend on the weights). Never used to answer."""

    def zero(features: Sequence[str]) -> LinearModel:
        n = len(features)
        return LinearModel(
            features=tuple(features), mean=(0.0,) * n, scale=(1.0,) * n, weights=(0.0,) * n, bias=0.0
        )

    return Models(
        fitted_on=(),
        sentence=zero(SENTENCE_FEATURES),
        on_topic=zero(QUESTION_FEATURES),
        answerable=zero(QUESTION_FEATURES),
        on_topic_threshold=0.5,
        answerable_threshold=0.5,
        background_sha256="",
    )


Judged = tuple[EvalQuestion, Reply]  # a question and its reply before settling

# What the settling thresholds are chosen for: at least this share of answerable questions asserted
# (answered, with the answer marked), and at most this share of those that do not disagree noted.
ASSERTED_ANSWERABLE = 0.96
FALSE_NOTES = 0.025


def unsettled(engine: QA, models: Models, questions: Sequence[EvalQuestion]) -> list[Judged]:
    """Each question's reply before it is settled (nothing judged unsure, nothing compared)."""
    held_out = engine.with_models(models)
    return [(q, held_out.reply(q.question, q.history)) for q in questions]


def settled(
    replies: Sequence[Judged], unsure_below: float, compare_from: float, alike_from: float
) -> list[QuestionResult]:
    """The replies decided with these thresholds (as `QA.ask` decides them), scored."""
    return [score(q, settle(reply, unsure_below, compare_from, alike_from)) for q, reply in replies]


def choose_settling(replies: Sequence[Judged]) -> dict[str, float]:
    """The unsure threshold (the highest that still asserts ASSERTED_ANSWERABLE of the answerable
    questions), and the relevance and likeness from which answers are compared (those that note the
    most disagreements while noting at most FALSE_NOTES of the questions without one)."""
    confidences = np.array(
        [
            r.answer.confidence if r.answer.answered and r.answer.confidence is not None else -1.0
            for q, r in replies
            if q.type not in UNANSWERABLE
        ]
    )
    unsure_below = 0.0
    for t in np.round(np.arange(0.0, 1.0, 0.01), 2):
        if (confidences >= t).mean() >= ASSERTED_ANSWERABLE:
            unsure_below = float(t)
    asserted = [
        (q, r) for q, r in replies if r.answer.answered and (r.answer.confidence or 0.0) >= unsure_below
    ]
    # shares over all answerable questions, refused and unsure ones included (they have no note)
    total = sum(1 for q, _ in replies if q.type not in UNANSWERABLE and q.type != "conflict")
    conflicts = sum(1 for q, _ in replies if q.type == "conflict")
    best = (-1.0, 1.0, 1.0)
    for compare_from in np.round(np.arange(0.0, 0.95, 0.1), 2):
        for alike_from in np.round(np.arange(0.0, 0.95, 0.1), 2):
            results = settled(asserted, unsure_below, float(compare_from), float(alike_from))
            noted = [r.sides_named >= 2 for r in results if r.type == "conflict"]
            false = [r.noted for r in results if r.type not in UNANSWERABLE and r.type != "conflict"]
            rate, noted_rate = sum(false) / max(total, 1), sum(noted) / max(conflicts, 1)
            if rate <= FALSE_NOTES and noted_rate > best[0]:
                best = (noted_rate, float(compare_from), float(alike_from))
    return {"unsure_threshold": unsure_below, "conflict_threshold": best[1], "alike_threshold": best[2]}
