"""Every benchmark, one after the other: `python benchmarks/run_all.py`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    codes = [
        subprocess.run([sys.executable, str(HERE / script)]).returncode
        for script in (
            "startup.py",
            "jira_sync.py",
            "sprint_screen.py",
            "leaderboard_screen.py",
            "experiments_cache.py",
            "mlflow_sync.py",
            "focus_rollup.py",
            "team_overlap.py",
            "team_slots.py",
            "weekly_export.py",
        )
    ]
    sys.exit(max(codes))
