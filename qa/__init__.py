"""qa: answers questions about a folder of news articles with cited passages, never generated text.

from qa import QA
answer = QA.open().ask("Who lifted the ban?")
"""

from qa.config import Settings
from qa.engine import QA
from qa.errors import CorpusError, IndexFileError, IndexLockedError, ModelError, QAError, UsageError
from qa.indexer import Changes, build_index
from qa.models import Answer, Conflict, ConflictValue, Document, Passage

__all__ = [
    "QA",
    "Answer",
    "Changes",
    "Conflict",
    "ConflictValue",
    "CorpusError",
    "Document",
    "IndexFileError",
    "IndexLockedError",
    "ModelError",
    "Passage",
    "QAError",
    "Settings",
    "UsageError",
    "build_index",
]
