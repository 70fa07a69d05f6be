"""Measuring and fitting: `qa eval`, the held-out evaluation, and the fitted models' training."""
