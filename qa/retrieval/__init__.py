"""From a question to scored sentences: follow-ups, candidates, features, the fitted ranking, passages."""
