import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from qa.index.lexical import LexicalIndex, stem

TEXTS = [
    "The Trump administration lifted the export ban on Anthropic.",
    "Open-source models released by European competitors like Mistral.",
    "Training a frontier model costs hundreds of millions of dollars.",
]


def test_stemming_joins_word_forms():
    assert stem("lifted") == stem("lifting") == stem("lifts") == stem("lift")
    assert stem("imposed") == stem("impose")


def test_rare_name_ranks_its_sentence_first():
    index = LexicalIndex.build(TEXTS)
    ids, scores = index.search("Mistral", 3)
    assert list(ids) == [1]
    assert scores[0] > 0


def test_misspelt_word_finds_its_nearest_spelling():
    index = LexicalIndex.build(TEXTS)
    ids, _ = index.search("antropic", 3)
    assert list(ids) == [0]


def test_coverage_counts_unknown_words_against_every_sentence():
    index = LexicalIndex.build(TEXTS)
    cov = index.coverage(index.query("Mistral sourdough"), [0, 1, 2])
    assert cov[0] == 0 and cov[2] == 0
    assert 0.3 < cov[1] < 0.7
    assert index.coverage(index.query("export ban"), [0])[0] == 1.0


def test_coverage_stems_each_word_once():
    # Stemming an already-stemmed term again ("imposed" -> "impos" -> "impo") once made this 0.32.
    index = LexicalIndex.build(["The ban was imposed in 2023.", "Nothing related here."])
    assert index.coverage(index.query("why was the ban imposed"), [0])[0] == 1.0


def test_unknown_words_lower_the_known_share():
    index = LexicalIndex.build(TEXTS)
    assert index.known_share(index.query("export ban")) == 1.0
    assert index.known_share(index.query("sourdough bread")) == 0.0
    assert 0 < index.known_share(index.query("Mistral sourdough")) < 1


def test_no_match_gives_no_hits():
    ids, scores = LexicalIndex.build(TEXTS).search("sourdough bread", 5)
    assert len(ids) == 0 and len(scores) == 0


def _same_index(a: LexicalIndex, b: LexicalIndex) -> None:
    assert a.vocabulary == b.vocabulary and a.size == b.size
    assert (a.indptr == b.indptr).all() and (a.sentence_ids == b.sentence_ids).all()
    assert (a.tfs == b.tfs).all() and (a.lengths == b.lengths).all()
    assert np.allclose(a.weights, b.weights, rtol=1e-6)


def test_merged_postings_equal_a_build_of_the_merged_sentences():
    # Sentence 1 removed (with the only use of "mistral"), two added, one of them in the middle.
    added = ["A zebra council approved the tram line.", "The ban was lifted again, the council said."]
    before = LexicalIndex.build(TEXTS)
    after = LexicalIndex.merge([before, LexicalIndex.build(added)], [np.array([0, -1, 2]), np.array([1, 3])])
    _same_index(after, LexicalIndex.build([TEXTS[0], added[0], TEXTS[2], added[1]]))
    assert "mistral" not in after.vocabulary  # a word only removed sentences used is gone


OLD_TEXTS = ["ban lifted", "zebra tram", "council vote", "", "ban ban council"]


@given(
    st.lists(st.sampled_from(OLD_TEXTS), max_size=8),
    st.lists(st.booleans(), min_size=8, max_size=8),
    st.lists(st.sampled_from(["tram vote", "zebra", "lifted the ban", "?"]), max_size=4),
)
def test_any_merge_equals_a_full_build(old, keep_flags, added):
    keep = [i for i in range(len(old)) if keep_flags[i]]
    kept = [old[i] for i in keep]
    renumbered = np.full(len(old), -1)
    renumbered[keep] = np.arange(len(kept))
    rows = np.arange(len(kept), len(kept) + len(added))
    after = LexicalIndex.merge([LexicalIndex.build(old), LexicalIndex.build(added)], [renumbered, rows])
    _same_index(after, LexicalIndex.build(kept + added))
