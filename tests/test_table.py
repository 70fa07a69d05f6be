"""The sentence table owns the index's storage facts: row layout, float16 vectors, FAISS padding."""

import faiss
import numpy as np

from qa.index.lexical import LexicalIndex
from qa.index.table import SentenceTable
from qa.models import Document, Paragraph, Segment

TEXT = "One. Two. Three.\n\nFour. Five."
# (doc, paragraph, start, end) of each sentence: three in paragraph 1, two in paragraph 2.
ROWS = np.array([[0, 1, 0, 4], [0, 1, 5, 9], [0, 1, 10, 16], [0, 2, 18, 23], [0, 2, 24, 29]], np.int32)


def _table(index: faiss.Index, vectors: np.ndarray) -> SentenceTable:
    doc = Document(
        name="a.txt",
        title="A",
        text=TEXT,
        segments=(Segment(clean_start=0, raw_start=0, length=len(TEXT)),),
        paragraphs=(Paragraph(number=1, start=0, end=16), Paragraph(number=2, start=18, end=29)),
        sha256="0" * 64,
    )
    return SentenceTable(
        documents=(doc,),
        rows=ROWS,
        context_index=index,
        sentence_vectors=vectors.astype(np.float16),
        title_vectors=vectors[:1].astype(np.float16),
        entity_masks=np.zeros(len(ROWS), np.int32),
        words=np.ones(len(ROWS), np.int32),
        question_marks=np.zeros(len(ROWS), bool),
        lexical=LexicalIndex.build([TEXT[s:e] for _, _, s, e in ROWS]),
    )


def _unit_vectors(n: int, dim: int = 8) -> np.ndarray:
    vectors = np.random.default_rng(0).normal(size=(n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_text_neighbours_and_places_follow_the_row_layout():
    vectors = _unit_vectors(len(ROWS))
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    table = _table(index, vectors)
    assert [table.text(i) for i in range(len(table))] == ["One.", "Two.", "Three.", "Four.", "Five."]
    assert table.text(0, 2) == "One. Two. Three."
    assert table.place(3) == (0, 2)
    prev, nxt = table.neighbours(np.arange(len(ROWS)))
    # No neighbour across the paragraph break between sentences 2 and 3.
    assert prev.tolist() == [-1, 0, 1, -1, 3] and nxt.tolist() == [1, 2, -1, 4, -1]


def test_nearest_drops_faiss_padding_and_ranks_by_cosine():
    vectors = _unit_vectors(len(ROWS))
    # Two lists and one probed: a query near one cluster gets fewer hits than asked, padded with -1.
    quantizer = faiss.IndexFlatIP(vectors.shape[1])
    index = faiss.IndexIVFFlat(quantizer, vectors.shape[1], 2, faiss.METRIC_INNER_PRODUCT)
    index.train(np.vstack([vectors] * 20))
    index.add(vectors)
    index.nprobe = 1
    table = _table(index, vectors)
    hits = table.nearest(vectors[0], depth=100)
    assert 0 < len(hits) < len(ROWS) and all(i >= 0 for i in hits)
    assert next(iter(hits)) == 0 and abs(hits[0] - 1.0) < 1e-5
    assert list(hits.values()) == sorted(hits.values(), reverse=True)
    alone = table.alone_similarity(np.array(list(hits)), vectors[0])
    assert np.allclose(alone, list(hits.values()), atol=2e-3)  # float16 storage, float32 arithmetic
