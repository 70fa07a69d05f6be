"""One exception base; each message says what to do next."""


class QAError(Exception):
    """Base of every error qa reports to a user."""


class UsageError(QAError):
    """The question or an option is not usable as given."""


class CorpusError(QAError):
    """The article folder is missing, empty or unreadable."""


class IndexFileError(QAError):
    """The index on disk is missing, damaged or was built differently."""

    def __init__(self, problem: str, advice: str = "run `python -m qa index`") -> None:
        super().__init__(f"{problem}; {advice}")
        self.problem = problem  # what is wrong, without the advice: "building the index (problem)"


class ModelError(QAError):
    """The embedding model cannot be loaded."""


class IndexLockedError(QAError):
    """Another process is building the index."""
