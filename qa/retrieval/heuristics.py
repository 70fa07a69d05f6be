"""The hand-set choices no fitted model replaces, in one place, each with its reason.

The sentence ranking and the decision to answer are fitted (`qa/data/models.json`). What is here
shapes the features those models see, or the passages built from their scores. After changing a
feature constant, refit (`scripts/fit_models.py`) and compare held-out figures; the passage
constants can be changed and measured with `qa eval` alone. Knobs a user may turn (passages per
answer, window, candidates per retriever) are `Settings` in `qa/config.py`.
"""

# Features: the models were fitted with these values.
RANK_DECAY = 5.0  # rank features are 1 / (1 + rank / RANK_DECAY): the first ranks count, rank 20 barely
LEAD_PARAGRAPHS = 2  # "lead": news states who, what and when in its first paragraphs
DECISION_TOP = 5  # the decision to answer looks at the top five sentences, what a reader sees by default
NO_CANDIDATE_LOGIT = -10.0  # the ranker's logit for a question with no candidate at all: a sure "no"

FOLLOW_UP_CHAIN = 3  # a follow-up is searched with at most three earlier questions: the encoder reads
# the first 256 word pieces of a query, and a longer chain of "and then?" would crowd out the newest

# Passages built from the ranked sentences.
WINDOWS_PER_PASSAGE = 3  # windows grown per passage asked: room for deduplication and diversity to pick from
SAME_ARTICLE_RATIO = 0.5  # a second passage of one article waits behind another article's best, unless
# that best scores under half of it: two strong passages of one article beat a weak one of another
DUPLICATE_JACCARD = 0.8  # word-set Jaccard from which two passages are one text (a syndicated copy)
