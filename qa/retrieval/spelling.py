"""Mend typing slips in a question from the articles' own words ("who lifted teh bann on antropic").

A word is taken for a slip only when neither the articles nor the encoder's vocabulary know it: the
30,000 word pieces of all-MiniLM-L6-v2 hold common English words whole ("painted", "capital"), so a
real word the articles do not use is left alone, and an off-topic question stays off-topic. A slip
becomes the most frequent word of the articles (or stop word) one edit away (a letter dropped,
added, changed, or two letters swapped). A short word, or one with no article word near, is mended
only when a single word, of the articles or of the encoder's vocabulary, is one edit away.
A question in another language than the articles' English ("Combien de postes ...?") is left as
written: its words are not slips.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from qa.index.lexical import LETTER_RUN
from qa.text import STOPWORDS, words

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
MIN_LENGTH = 3
# A word this short has many neighbours one edit away ("bake": rake, make, take): it is mended only
# when just one word is near.
SHORT = 5
# Function words of the languages most often mixed into English news, a closed class each: a
# question with more of them than of English ones is not in the articles' language.
FOREIGN_FUNCTION_WORDS = frozenset(
    """le la les des du de un une et est sont dans pour par sur avec qui que quoi combien pourquoi
    quand comment où au aux ce cette ces il elle ils nous vous leur
    der die das den dem des ein eine einer und ist sind wer was wann wie warum wo wieviel wieviele
    mit für von zu im auf nicht
    el los las del una unos y es son quién qué cuándo cómo cuánto cuántos por para con en lo
    il lo gli della delle che chi quanto quanti perché come sono
    o os as um uma é são quem quanto quantos porque como em
    het een zijn wie wat waar wanneer hoeveel waarom niet""".split()
)


def one_edit_away(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion of a letter from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    changes = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    return (deletes | swaps | changes | inserts) - {word}


def mend(
    text: str,
    in_articles: Callable[[str], bool],
    article_words: Callable[[], Counter[str]],
    known_word: Callable[[str], bool],
) -> str:
    """The text with each slip replaced (keeping a leading capital); unchanged when there is none.

    `in_articles` says whether the articles use a lower-case word (cheap, asked first);
    `article_words` counts their lower-case words (built only when a slip is suspected);
    `known_word` says whether the encoder's vocabulary holds a lower-case word whole."""

    tokens = words(text)
    if sum(w in FOREIGN_FUNCTION_WORDS for w in tokens) > sum(w in STOPWORDS for w in tokens):
        return text  # another language: its words are not slips of English ones

    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = word.lower()
        if len(lower) < MIN_LENGTH or lower in STOPWORDS or in_articles(lower) or known_word(lower):
            return word
        corpus_words = article_words()
        edits = one_edit_away(lower)
        options = [
            (corpus_words.get(w, 0) + (1 if w in STOPWORDS else 0), w)
            for w in edits
            if w in corpus_words or w in STOPWORDS
        ]
        if options and len(lower) >= SHORT:
            best = max(options)[1]  # most frequent; ties broken alphabetically last, deterministically
        else:
            # A short slip, or one of no article word ("factroy" where the articles say "plant"):
            # mended only when a single word, of the articles or the encoder's vocabulary, is near.
            near = {w for _, w in options} | {w for w in edits if known_word(w)}
            if len(near) != 1:
                return word
            best = near.pop()
        return best.capitalize() if word[0].isupper() else best

    return LETTER_RUN.sub(replace, text)
