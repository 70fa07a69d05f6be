"""The index: sentence vectors (ONNX encoder, FAISS), BM25 postings, entity tags, and the files on disk."""
