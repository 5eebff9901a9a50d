#!/bin/sh
# Regenerates docs/reliability.md: runs the fault matrix (every network source × every fault)
# and writes its results table. About a minute on two cores.
set -e
cd "$(dirname "$0")/.."
COCKPIT_WRITE_RELIABILITY=1 exec "${PYTHON:-.venv/bin/python}" -m pytest tests/faults/test_matrix.py -q "$@"
