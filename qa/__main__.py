"""`python -m qa`: the command line, as `qa`."""

from qa.interfaces.cli import entry_point

entry_point()
