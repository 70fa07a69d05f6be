"""The answer to a question: the engine (`QA`), the answer-or-refuse decision, sources that differ."""
