"""The ONNX query encoder must give the vectors sentence-transformers gives."""

import subprocess
import sys

import numpy as np

from qa.index.adaptation import SHIPPED_ADAPTATION
from qa.index.embedding import OnnxEncoder, SentenceTransformerEncoder, default_model_path
from tests.conftest import ROOT


def test_onnx_query_vectors_match_sentence_transformers(engine, dev_questions):
    """The index's encoder is the default model with qa's adaptation merged in (adaptation.py)."""
    questions = [q["question"] for q in dev_questions] + ["word " * 400, "é ü 漢字 🙂", "?"]
    reference = SentenceTransformerEncoder(default_model_path(), adaptation=SHIPPED_ADAPTATION).encode(
        questions
    )
    onnx = OnnxEncoder(engine.stored.encoder_path, engine.stored.tokenizer_path, 256, threads=1)
    one_by_one = np.vstack([onnx.encode([q]) for q in questions])
    batched = onnx.encode(questions)
    assert (one_by_one * reference).sum(axis=1).min() >= 0.9999
    assert (batched * reference).sum(axis=1).min() >= 0.9999


def test_ask_imports_neither_torch_nor_gradio(engine, seed_settings):
    code = (
        "import sys; from qa.interfaces.cli import main; "
        f"main(['ask', 'who lifted the ban?', '--json', '--corpus', {str(seed_settings.corpus)!r}, "
        f"'--index-dir', {str(seed_settings.index_dir)!r}]); "
        "heavy = ('torch', 'sentence_transformers', 'gradio', 'transformers'); "
        "print('LOADED', [m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip().splitlines()[-1] == "LOADED []"
