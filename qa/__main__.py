from qa.interfaces.cli import entry_point

entry_point()
