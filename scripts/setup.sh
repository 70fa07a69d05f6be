#!/usr/bin/env bash
# Creates .venv/ and installs qa with everything its tests need. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(command -v python3.11 || command -v python3)
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
# torch first and pinned: the CPU wheel of this release is on this machine's disk; any other
# release (or none pinned) pulls several GB of CUDA packages.
.venv/bin/pip install --quiet --disable-pip-version-check torch==2.13.0
# cluster: Ray, for `qa index --ray` and its tests on a local cluster.
.venv/bin/pip install --quiet --disable-pip-version-check -e ".[dev,cluster]"
# An editable install leaves qa's own modules uncompiled, and where PYTHONDONTWRITEBYTECODE is set
# (as on CI machines) every `qa ask` would compile them again: about 45 ms of a 0.5 s start.
.venv/bin/python -m compileall -q qa
echo "qa is installed in .venv/ (try: .venv/bin/qa ask \"Who lifted the ban?\")" >&2
