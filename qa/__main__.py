from qa.cli import entry_point

entry_point()
