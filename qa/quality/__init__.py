"""Measuring and fitting: `qa eval`, the fitted models' training, and the story library judged by story."""
