"""The API benchmark still runs end to end at a tiny size; its figures are read by people, not
asserted (bench/api.py exits non-zero when an operation got wrong answers)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

ROWS = [
    "(a) case GraphQL",
    "(b) worklist 50 GraphQL",
    "(c) catalogue search GraphQL",
    "(d) submitCase GraphQL",
    "(e) mix GraphQL",
    "(a) case plain",
    "(b) worklist 50 plain",
    "(d) submit direct (asyncpg)",
    "ratio GraphQL/plain: (a) ",
    "SQL statements per request: (a) history(last: 5) ",
]


def test_the_api_benchmark_runs_at_a_tiny_size() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "bench/api.py",
            "--cases",
            "300",
            "--duration",
            "2",
            "--warmup",
            "0.3",
            "--concurrency",
            "8",
            "--workers",
            "1",
            "--database",
            "tongban_bench_api_smoke",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,  # a hang guard: three servers and eleven runs, on a loaded machine
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for row in ROWS:
        assert row in result.stdout, f"no {row!r} row in:\n{result.stdout}"
