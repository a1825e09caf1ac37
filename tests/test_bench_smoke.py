"""The benchmarks still run (at tiny sizes); their figures are read by people, not asserted."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def test_the_deadline_benchmark_runs_at_a_tiny_size() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "bench/deadlines.py",
            "--open",
            "300",
            "--small",
            "100",
            "--due",
            "5",
            "--latency",
            "5",
            "--window",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "find due among 300" in result.stdout
    assert "threshold -> committed warning (5 within" in result.stdout


def test_the_notification_benchmark_runs_at_a_tiny_size() -> None:
    result = subprocess.run(
        [sys.executable, "bench/notifications.py", "--events", "200"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "msg/s per worker process" in result.stdout
    assert "duplicates at the stub: 0; missing: 0" in result.stdout


def test_the_supervision_benchmark_runs_at_a_tiny_size() -> None:
    result = subprocess.run(
        [sys.executable, "bench/supervision.py", "--cases", "500", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "seeded 500 cases over 2026" in result.stdout
    assert "ratingFigures by department, whole year:" in result.stdout
    assert "matterRanking by average working days used over the promise:" in result.stdout


def test_the_search_benchmark_runs_at_a_tiny_size() -> None:
    result = subprocess.run(
        [sys.executable, "bench/search.py", "--cases", "500", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "publicResults: first page, no filter" in result.stdout
    assert "indexes: " in result.stdout
