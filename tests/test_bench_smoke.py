"""The benchmarks still run (at tiny sizes); their figures are read by people, not asserted."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def run_bench(*args: str) -> str:
    """Run a benchmark script as ops would, and give back what it printed."""
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_deadline_benchmark_runs_at_a_tiny_size() -> None:
    out = run_bench(
        "bench/deadlines.py",
        *("--open", "300", "--small", "100", "--due", "5", "--latency", "5", "--window", "1"),
    )
    assert "find due among 300" in out
    assert "threshold -> committed warning (5 within" in out


def test_the_notification_benchmark_runs_at_a_tiny_size() -> None:
    out = run_bench("bench/notifications.py", "--events", "200")
    assert "msg/s per worker process" in out
    assert "duplicates at the stub: 0; missing: 0" in out


def test_the_supervision_benchmark_runs_at_a_tiny_size() -> None:
    out = run_bench("bench/supervision.py", "--cases", "500", "--repeat", "1")
    assert "seeded 500 cases over 2026" in out
    assert "ratingFigures by department, whole year:" in out
    assert "matterRanking by average working days used over the promise:" in out


def test_the_search_benchmark_runs_at_a_tiny_size() -> None:
    out = run_bench("bench/search.py", "--cases", "500", "--repeat", "1")
    assert "publicResults: first page, no filter" in out
    assert "indexes: " in out
