"""The UI's `ask` endpoint under 32 concurrent clients for 60 seconds: no errors, no lost replies."""

import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def test_32_clients_for_60_seconds(engine):
    seconds = os.environ.get("QA_LOAD_SECONDS", "60")
    out = subprocess.run(
        [sys.executable, "bench/load_test.py", "--clients", "32", "--seconds", seconds, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["errors"] == 0, result["first_errors"]
    assert result["lost"] == 0
    assert result["replies"] > 32
