"""`qa eval`: retrieval quality on a file of questions with evidence strings."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qa.errors import UsageError
from qa.models import Answer
from qa.text import normalize

ANSWERABLE = ("factoid", "why", "conflict", "followup")
UNANSWERABLE = ("unanswerable", "unanswerable_ontopic")


class EvalQuestion(BaseModel):
    """One line of an evaluation file (format: shared/eval/README.md)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    type: str
    question: str
    history: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    claims: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    answer: str | None = Field(
        default=None,
        description="the answer itself, as the evidence words it: a piece of one evidence string",
    )
    claim_answers: dict[str, str] = Field(
        default_factory=dict,
        description="(conflict only) claim -> its answer, a piece of that claim's evidence",
    )


class QuestionResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    type: str
    question: str
    answered: bool
    rank: int | None = Field(description="1-based rank of the first answering passage within 5")
    highlight_hit: bool
    claims_found: int
    claims_total: int
    ok: bool
    unsure: bool = Field(default=False, description="answered, but shown as passages that may not answer it")
    noted: bool = Field(default=False, description="the reply says the sources differ")
    sides_named: int = Field(
        default=0, description="claims that one 'sources differ' note names, each by its own value"
    )
    span_hit: bool | None = Field(
        default=None,
        description="the first passage's answer span equals the labelled answer (None: no label, or the "
        "first passage's marked sentence does not hold it)",
    )


class Metrics(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    questions: int
    hit_at_1: float | None
    hit_at_3: float | None
    hit_at_5: float | None
    mrr_at_5: float | None
    highlight_hit_at_1: float | None
    claim_coverage: float | None
    refused_unanswerable: float | None = Field(
        description="share of unanswerable questions answered 'no answer'"
    )
    refused_answerable: float | None = Field(description="share of answerable questions wrongly refused")


class EvalReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    overall: Metrics
    by_type: dict[str, Metrics]
    results: tuple[QuestionResult, ...]


def read_questions(path: Path) -> list[EvalQuestion]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            questions.append(EvalQuestion.model_validate(json.loads(line)))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'the line'}: {_plain(e['msg'])}" for e in exc.errors()
            )
            raise UsageError(f"{path}:{number}: not a question line ({problems})") from exc
        except ValueError as exc:
            raise UsageError(f"{path}:{number}: not JSON ({exc})") from exc
    if not questions:
        raise UsageError(f"{path} holds no questions")
    return questions


def _plain(message: str) -> str:
    """pydantic's message in the words of a JSON file ("a valid tuple" is a list there)."""
    return message.lower().replace("a valid tuple", "a list").replace("a valid dictionary", "an object")


def contains_any(text: str, needles: Sequence[str]) -> bool:
    haystack = normalize(text)
    return any(normalize(n) in haystack for n in needles if n.strip())


def score(question: EvalQuestion, answer: Answer) -> QuestionResult:
    top = answer.passages[:5] if answer.answered else ()
    rank = next((i + 1 for i, p in enumerate(top) if contains_any(p.text, question.evidence)), None)
    highlight_hit = bool(top) and contains_any(top[0].highlight, question.evidence)
    found = sum(1 for needles in question.claims.values() if any(contains_any(p.text, needles) for p in top))
    span_hit = None
    if question.answer is not None and top and normalize(question.answer) in normalize(top[0].highlight):
        span = top[0].answer
        span_hit = span is not None and same_answer(span.text, question.answer)
    if question.type in UNANSWERABLE:
        ok = not answer.answered
    else:
        ok = rank == 1 and (not question.claims or found == len(question.claims))
    return QuestionResult(
        id=question.id,
        type=question.type,
        question=question.question,
        answered=answer.answered,
        rank=rank,
        highlight_hit=highlight_hit,
        claims_found=found,
        claims_total=len(question.claims),
        ok=ok,
        unsure=answer.answered and answer.unsure,
        noted=bool(answer.answered and answer.conflicts),
        sides_named=_sides_named(question, answer),
        span_hit=span_hit,
    )


_ARTICLE = re.compile(r"^(?:the|a|an)\s+")


def same_answer(found: str, label: str) -> bool:
    """An answer span equals a label after folding case, quotes, spaces and a leading article."""
    return _ARTICLE.sub("", normalize(found)) == _ARTICLE.sub("", normalize(label))


def _sides_named(question: EvalQuestion, answer: Answer) -> int:
    """The most claims one conflict note names, each by a different value: a value names a claim
    when it is that claim's labelled answer (give or take words around it) or when a passage it
    cites holds the claim's evidence."""
    if not question.claims or not answer.answered:
        return 0
    best = 0
    for conflict in answer.conflicts:
        named: set[str] = set()
        for value in conflict.values:
            for claim, needles in question.claims.items():
                label = question.claim_answers.get(claim)
                by_label = label is not None and (
                    normalize(label) in normalize(value.value) or normalize(value.value) in normalize(label)
                )
                by_passage = any(
                    rank < len(answer.passages) and contains_any(answer.passages[rank].highlight, needles)
                    for rank in value.passages
                )
                if (by_label or by_passage) and claim not in named:
                    named.add(claim)
                    break
        best = max(best, len(named))
    return best


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def metrics(results: Sequence[QuestionResult]) -> Metrics:
    answerable = [r for r in results if r.type not in UNANSWERABLE]
    unanswerable = [r for r in results if r.type in UNANSWERABLE]
    conflict = [r for r in results if r.claims_total]

    def hit(r: QuestionResult, k: int) -> float:
        return 1.0 if r.rank is not None and r.rank <= k else 0.0

    return Metrics(
        questions=len(results),
        hit_at_1=_mean([hit(r, 1) for r in answerable]),
        hit_at_3=_mean([hit(r, 3) for r in answerable]),
        hit_at_5=_mean([hit(r, 5) for r in answerable]),
        mrr_at_5=_mean([1.0 / r.rank if r.rank else 0.0 for r in answerable]),
        highlight_hit_at_1=_mean([1.0 if r.highlight_hit else 0.0 for r in answerable]),
        claim_coverage=_mean([r.claims_found / r.claims_total for r in conflict]),
        refused_unanswerable=_mean([0.0 if r.answered else 1.0 for r in unanswerable]),
        refused_answerable=_mean([0.0 if r.answered else 1.0 for r in answerable]),
    )


def evaluate(questions: Sequence[EvalQuestion], ask: Callable[[str, Sequence[str]], Answer]) -> EvalReport:
    """Ask every question (with its history) and score the answers."""
    results = tuple(score(q, ask(q.question, q.history)) for q in questions)
    groups: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in results:
        groups[r.type].append(r)
    return EvalReport(
        overall=metrics(results),
        by_type={t: metrics(rs) for t, rs in sorted(groups.items())},
        results=results,
    )
