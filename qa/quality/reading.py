"""Fit the reader (`qa.answer.reader`) on the story library's labelled answers.

An example is a question, the article sentence that holds its labelled answer beside its evidence,
and where in the sentence the answer is; a conflict question gives one per claim. The fit is a
rank-16 change to each layer's attention and feed-forward matrices (as the encoder adaptation,
`qa.index.adaptation`) and a start/end head, trained as BERT readers are (cross-entropy over the
answer's first and last word piece). How these settings were chosen: docs/quality.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.answer.engine import QA
from qa.answer.reader import (
    HEAD,
    MAX_TOKENS,
    pair_inputs,
    question_answering_model,
    reader_tokenizer,
    write_reader,
)
from qa.index.adaptation import ALPHA, attach_low_rank, low_rank_changes
from qa.quality.evaluate import EvalQuestion
from qa.text import normalize

RANK = 16
LEARNING_RATE = 1e-3
EPOCHS = 4
BATCH = 16
SEED = 0
WARMUP = 0.1  # share of the steps over which the learning rate rises, before it falls to zero


@dataclass(frozen=True)
class ReadingExample:
    """A question, the sentence that answers it, and the answer's [start, end) in the sentence."""

    question: str
    sentence: str
    start: int
    end: int


def reading_examples(engine: QA, questions: Sequence[EvalQuestion]) -> list[ReadingExample]:
    """Each labelled answer (a question's, or a conflict question's claims') in the first sentence
    of the index that holds it and lies in, or holds, one of its evidence strings."""
    table = engine.stored.table
    sentences = [table.text(u) for u in range(len(table))]
    folded = [normalize(s) for s in sentences]
    examples = []
    for q in questions:
        labelled = [(q.answer, q.evidence)] if q.answer else []
        labelled += [
            (q.claim_answers[c], needles) for c, needles in q.claims.items() if q.claim_answers.get(c)
        ]
        for answer, evidence in labelled:
            wanted = [normalize(e) for e in evidence if e.strip()]
            for sentence, plain in zip(sentences, folded, strict=True):
                at = sentence.lower().find(answer.lower())
                if at >= 0 and any(e in plain or plain in e for e in wanted):
                    examples.append(ReadingExample(q.question, sentence, at, at + len(answer)))
                    break
    return examples


def fit_reader(
    model_path: Path, examples: Sequence[ReadingExample], epochs: int = EPOCHS
) -> dict[str, np.ndarray]:
    """The reader's changes and head fitted on the examples (imports torch; deterministic for a given
    machine: fixed seed, fixed order)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    torch.manual_seed(SEED)
    model = question_answering_model(model_path)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    head = list(model.qa_outputs.parameters())
    for parameter in head:
        parameter.requires_grad_(True)
    factors, _ = attach_low_rank(model.bert, RANK)
    trained = head + [p for pair in factors.values() for p in pair]
    optimiser = torch.optim.AdamW(trained, lr=LEARNING_RATE, weight_decay=0.01)
    steps = epochs * -(-len(examples) // BATCH)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / (WARMUP * steps)) * max(0.0, 1 - s / steps)
    )
    tokenizer = reader_tokenizer(model_path / "tokenizer.json")
    order = np.random.default_rng(SEED)
    model.train()
    for _ in range(epochs):
        shuffled = order.permutation(len(examples))
        for first in range(0, len(shuffled), BATCH):
            batch = [examples[i] for i in shuffled[first : first + BATCH]]
            inputs, starts, ends = _encode(tokenizer, batch)
            tensors = {k: torch.from_numpy(v) for k, v in inputs.items()}
            positions = {"start_positions": torch.from_numpy(starts), "end_positions": torch.from_numpy(ends)}
            loss = model(**tensors, **positions).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trained, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
    return low_rank_changes(factors) | {HEAD[0]: head[0].detach().numpy(), HEAD[1]: head[1].detach().numpy()}


def _encode(
    tokenizer: Any, batch: Sequence[ReadingExample]
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Token ids of (question, sentence) pairs, and the answer's first and last token (the first
    token, [CLS], when truncation cut the answer off)."""
    encodings = tokenizer.encode_batch([(e.question, e.sentence) for e in batch])
    starts, ends = np.zeros(len(batch), dtype=np.int64), np.zeros(len(batch), dtype=np.int64)
    for row, (encoding, example) in enumerate(zip(encodings, batch, strict=True)):
        tokens = [
            i
            for i, (sequence, (a, b)) in enumerate(zip(encoding.sequence_ids, encoding.offsets, strict=True))
            if sequence == 1 and b > example.start and a < example.end
        ]
        if tokens:
            starts[row], ends[row] = tokens[0], tokens[-1]
    return pair_inputs(encodings), starts, ends


def reader_for(model_path: Path, examples: Sequence[ReadingExample], index_root: Path) -> Path:
    """A reader fitted on these examples, kept under index_root by what it was fitted on."""
    recipe = [
        {"RANK": RANK, "LEARNING_RATE": LEARNING_RATE, "EPOCHS": EPOCHS, "BATCH": BATCH, "SEED": SEED},
        {"WARMUP": WARMUP, "MAX_TOKENS": MAX_TOKENS, "ALPHA": ALPHA},
        [asdict(e) for e in examples],
    ]
    key = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]
    path = index_root / "readers" / f"{key}.npz"
    if not path.exists():
        print(f"[{time.strftime('%H:%M:%S')}] fitting a reader on {len(examples)} answers", file=sys.stderr)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_reader(fit_reader(model_path, examples), path)
    return path
