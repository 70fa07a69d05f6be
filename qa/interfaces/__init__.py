"""The command line, the web UI and the renderers they share; thin callers of `QA.ask`."""
