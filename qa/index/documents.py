"""An index's documents, parsed when first used.

A document is tens of nested models (its text's segments and paragraphs); validating 10,000 of them
takes ~0.9 s, most of a cold start, while a question reads the few it cites. So a segment's
documents.json holds one document a line, and `DocumentList` keeps each line until it is asked for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from typing import overload

from qa.models import Document

# The writer puts "name" first (the model's first field): a document's name without parsing it.
_NAME = re.compile(rb'^\{"name":("(?:[^"\\]|\\.)*")')


def documents_json(documents: Iterable[Document]) -> str:
    """A JSON array with one document a line, the layout `DocumentList.from_json` splits."""
    return "[\n" + ",\n".join(d.model_dump_json() for d in documents) + "\n]"


class DocumentList(Sequence[Document]):
    """Documents, each kept as its JSON line or as the model parsed from it."""

    def __init__(self, items: Sequence[bytes | Document]) -> None:
        self._items: list[bytes | Document] = list(items)

    @classmethod
    def from_json(cls, data: bytes) -> DocumentList:
        if not data.startswith(b"[\n"):  # written before one document a line: parse them all now
            return cls([Document.model_validate(d) for d in json.loads(data)])
        lines = data.split(b"\n")[1:-1]
        return cls([line[:-1] if line.endswith(b",") else line for line in lines])

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> Document: ...

    @overload
    def __getitem__(self, index: slice) -> DocumentList: ...

    def __getitem__(self, index: int | slice) -> Document | DocumentList:
        if isinstance(index, slice):
            return DocumentList(self._items[index])
        item = self._items[index]
        if isinstance(item, bytes):
            item = Document.model_validate_json(item)
            self._items[index] = item
        return item

    def __iter__(self) -> Iterator[Document]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]  # mutable cache: not a dictionary key

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Every document's name, without parsing the documents."""
        return tuple(_name(item) for item in self._items)

    def pick(self, keep: Sequence[bool]) -> DocumentList:
        """The documents where `keep` is true, still unparsed where they were."""
        return DocumentList([item for item, k in zip(self._items, keep, strict=True) if k])

    @staticmethod
    def join(lists: Sequence[DocumentList]) -> DocumentList:
        return DocumentList([item for documents in lists for item in documents._items])


def _name(item: bytes | Document) -> str:
    if isinstance(item, Document):
        return item.name
    found = _NAME.match(item)
    return str(json.loads(found.group(1))) if found else Document.model_validate_json(item).name
