"""Where a build's files are: their names, and which build is current.

No heavy imports, so a new process can find the encoder before it has imported the rest of qa
(see qa.index.warmup)."""

from __future__ import annotations

from pathlib import Path

MANIFEST = "manifest.json"
DOCUMENTS = "documents.json"
SENTENCES = "sentences.npy"
VECTORS = "vectors.faiss"
LEXICAL = "lexical.npz"
SENTENCE_VECTORS = "sentence_vectors.npy"
TITLE_VECTORS = "title_vectors.npy"
TRAITS = "traits.npy"
WORDS = "words.npz"
ONNX = "encoder.onnx"  # the encoder's graph; onnxruntime maps its weights from ONNX_WEIGHTS
ONNX_WEIGHTS = "encoder.weights"
TOKENIZER = "tokenizer.json"
ENCODER_FILES = (ONNX, ONNX_WEIGHTS, TOKENIZER)


def current_build(index_dir: Path) -> Path | None:
    link = index_dir / "current"
    if not link.is_symlink() and not link.is_dir():
        return None
    target = link.resolve()
    return target if target.is_dir() else None
