import qa


def test_the_public_api_is_pinned():
    assert sorted(qa.__all__) == sorted(
        [
            "QA",
            "Answer",
            "Changes",
            "Conflict",
            "ConflictValue",
            "CorpusError",
            "Document",
            "IndexFileError",
            "IndexLockedError",
            "ModelError",
            "Passage",
            "QAError",
            "Settings",
            "UsageError",
            "build_index",
        ]
    )


def test_the_package_says_it_is_typed():
    from importlib import resources

    assert resources.files("qa").joinpath("py.typed").is_file()


def test_public_api_is_what_all_says():
    exported = {name for name in dir(qa) if not name.startswith("_")}
    modules = {name for name in exported if type(getattr(qa, name)).__name__ == "module"}
    assert exported - modules == set(qa.__all__)


def test_importing_qa_loads_no_model_stack():
    import subprocess
    import sys

    heavy = "('torch', 'sentence_transformers', 'gradio')"
    code = f"import sys, qa; print(any(m in sys.modules for m in {heavy}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
