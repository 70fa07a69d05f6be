"""The story library (stories/): one folder per story, its articles and its questions side by side.

A story is the unit of judging: every figure that keeps or drops a change is grouped by story, and
the models that answer a story's questions were fitted without it. `check_story` holds a story to
the rules of stories/README.md: errors are broken data, warnings are for a person to read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import QAError
from qa.ingest.corpus import read_corpus
from qa.models import Document
from qa.quality.evaluate import UNANSWERABLE, EvalQuestion, read_questions
from qa.text import content_words, normalize, sentence_spans

TYPES = (
    "factoid",
    "why",
    "entity",
    "yesno",
    "keyword",
    "typo",
    "conflict",
    "followup",
    "unanswerable_ontopic",
    "unanswerable",
)
# Fewest questions of each type a story holds (stories/README.md), and in all.
MINIMUM = {
    "factoid": 10,
    "why": 4,
    "entity": 3,
    "yesno": 3,
    "keyword": 2,
    "typo": 2,
    "conflict": 2,
    "followup": 3,
    "unanswerable_ontopic": 6,
    "unanswerable": 3,
}
MINIMUM_QUESTIONS = 40
ARTICLES = (4, 8)
# A question is "worded away" from its answer when fewer than half of its content words appear in
# the answering sentence.
PARAPHRASE_OVERLAP = 0.5


@dataclass(frozen=True)
class Story:
    name: str
    folder: Path

    @property
    def articles(self) -> Path:
        return self.folder / "articles"

    @property
    def questions_file(self) -> Path:
        return self.folder / "questions.jsonl"

    def questions(self) -> list[EvalQuestion]:
        return read_questions(self.questions_file)


@dataclass
class StoryCheck:
    story: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    paraphrased: float | None = None  # share of answerable questions worded away from their answer


def library(root: Path) -> list[Story]:
    """Every story folder under root (a folder with questions.jsonl), by name."""
    return [Story(p.name, p) for p in sorted(root.iterdir()) if (p / "questions.jsonl").is_file()]


def lockbox(root: Path) -> list[str]:
    """The stories set aside (root/LOCKBOX, one name a line, # comments): scored once, at the end."""
    path = root / "LOCKBOX"
    if not path.exists():
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def _sentences(doc: Document) -> list[str]:
    out = []
    for p in doc.paragraphs:
        out += [normalize(doc.text[s:e]) for s, e in sentence_spans(doc.text, p.start, p.end)]
    return out


def _paragraphs(doc: Document) -> list[str]:
    return [normalize(doc.text[p.start : p.end]) for p in doc.paragraphs]


def _strings(q: EvalQuestion) -> list[str]:
    return [*q.evidence, *(s for values in q.claims.values() for s in values)]


def check_story(story: Story) -> StoryCheck:
    check = StoryCheck(story.name)
    if not (story.folder / "about.md").is_file():
        check.errors.append("no about.md (the event it is modelled on, its articles, where they disagree)")
    if not story.articles.is_dir():
        check.errors.append("no articles/ folder")
        return check
    try:
        docs, _ = read_corpus(story.articles, lambda message: check.errors.append(f"articles: {message}"))
        questions = story.questions()
    except QAError as exc:
        check.errors.append(str(exc))
        return check
    if not ARTICLES[0] <= len(docs) <= ARTICLES[1]:
        check.errors.append(f"{len(docs)} articles; a story has {ARTICLES[0]}-{ARTICLES[1]}")
    paragraphs = [(d.name, text) for d in docs for text in _paragraphs(d)]
    sentences = [(d.name, text) for d in docs for text in _sentences(d)]
    ids = Counter(q.id for q in questions)
    check.errors += [f"id {i} is used {n} times" for i, n in ids.items() if n > 1]
    check.counts = Counter(q.type for q in questions)
    worded_away = []
    for q in questions:
        where = f"{q.id}"
        if q.type not in TYPES:
            check.errors.append(f"{where}: unknown type {q.type!r}")
        strings = _strings(q)
        if q.type in UNANSWERABLE:
            if strings:
                check.errors.append(f"{where}: an unanswerable question has evidence")
            if q.type == "unanswerable_ontopic":
                check.warnings += _answered_after_all(q, sentences)
            continue
        if not strings:
            check.errors.append(f"{where}: no evidence")
        for s in strings:
            needle = normalize(s)
            if not any(needle in text for _, text in paragraphs):
                check.errors.append(f"{where}: evidence not inside one paragraph of an article: {s!r}")
            elif not any(needle in text for _, text in sentences):
                check.warnings.append(f"{where}: evidence runs over a sentence boundary: {s!r}")
        if q.type == "conflict":
            if len(q.claims) < 2:
                check.errors.append(f"{where}: a conflict question names at least two claims")
            missing = [s for s in _strings(q) if s not in q.evidence]
            if missing:
                check.errors.append(f"{where}: claims not listed in evidence: {missing}")
        check.errors += _answer_errors(q)
        if q.type == "followup" and not q.history:
            check.errors.append(f"{where}: a follow-up without history")
        check.warnings += _left_out(q, sentences)
        worded_away.append(_worded_away(q, sentences))
    for kind, least in MINIMUM.items():
        if check.counts[kind] < least:
            check.errors.append(f"{check.counts[kind]} {kind} questions; at least {least}")
    if len(questions) < MINIMUM_QUESTIONS:
        check.errors.append(f"{len(questions)} questions; at least {MINIMUM_QUESTIONS}")
    if worded_away:
        check.paraphrased = sum(worded_away) / len(worded_away)
        if check.paraphrased <= 0.5:
            check.warnings.append(
                f"only {check.paraphrased:.0%} of answerable questions are worded away from their answer"
            )
    return check


def _answer_errors(q: EvalQuestion) -> list[str]:
    """An answer label is a piece of one of its evidence strings (a claim's, of that claim's)."""
    errors = []
    if q.answer is not None and not any(normalize(q.answer) in normalize(e) for e in q.evidence):
        errors.append(f"{q.id}: answer {q.answer!r} is not inside any of its evidence strings")
    for claim, value in q.claim_answers.items():
        if claim not in q.claims:
            errors.append(f"{q.id}: claim_answers names {claim!r}, which is not one of its claims")
        elif not any(normalize(value) in normalize(e) for e in q.claims[claim]):
            errors.append(f"{q.id}: answer {value!r} of claim {claim!r} is not inside that claim's evidence")
    if (q.answer is not None or q.claim_answers) and q.type in UNANSWERABLE:
        errors.append(f"{q.id}: an unanswerable question has an answer")
    return errors


def _answering_sentences(q: EvalQuestion, sentences: Sequence[tuple[str, str]]) -> list[str]:
    needles = [normalize(s) for s in _strings(q)]
    return [text for _, text in sentences if any(n in text for n in needles)]


def _worded_away(q: EvalQuestion, sentences: Sequence[tuple[str, str]]) -> bool:
    words = set(content_words(q.question))
    answers = _answering_sentences(q, sentences)
    if not words or not answers:
        return False
    best = max(len(words & set(content_words(a))) for a in answers)
    return best / len(words) < PARAPHRASE_OVERLAP


def _left_out(q: EvalQuestion, sentences: Sequence[tuple[str, str]]) -> list[str]:
    """Sentences that repeat most of an evidence string's words but are not evidence: another place
    that may answer the question."""
    answers = set(_answering_sentences(q, sentences))
    flagged = []
    for s in _strings(q):
        words = set(content_words(s))
        if len(words) < 3:
            continue
        for doc, text in sentences:
            if text in answers:
                continue
            shared = words & set(content_words(text))
            if len(shared) >= 3 and len(shared) / len(words) >= 0.6:
                flagged.append(f"{q.id}: may also answer ({doc}): {text[:160]!r}")
    return sorted(set(flagged))


def _answered_after_all(q: EvalQuestion, sentences: Sequence[tuple[str, str]]) -> list[str]:
    """A sentence holding nearly every content word of an on-topic 'unanswerable' question."""
    words = set(content_words(q.question))
    if len(words) < 2:
        return []
    flagged = []
    for doc, text in sentences:
        shared = words & set(content_words(text))
        if len(shared) >= max(2, round(0.75 * len(words))):
            flagged.append(f"{q.id} (no evidence) — check it is not answered ({doc}): {text[:160]!r}")
    return flagged[:3]


def check_summary(check: StoryCheck) -> str:
    counts = " ".join(f"{kind}={check.counts[kind]}" for kind in TYPES)
    share = "-" if check.paraphrased is None else f"{check.paraphrased:.0%}"
    return (
        f"{check.story}: {len(check.errors)} errors, {len(check.warnings)} warnings; "
        f"{sum(check.counts.values())} questions ({counts}); worded away {share}"
    )


def dump_check(check: StoryCheck) -> str:
    lines = [check_summary(check)]
    lines += [f"  error: {e}" for e in check.errors]
    lines += [f"  warning: {w}" for w in check.warnings]
    return "\n".join(lines)
