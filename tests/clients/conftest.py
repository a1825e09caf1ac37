"""Node and the locked dependencies of tests/clients, shared by the tests beside this file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _needs_install() -> bool:
    installed = HERE / "node_modules" / ".package-lock.json"
    lockfile = HERE / "package-lock.json"
    return not installed.exists() or lockfile.stat().st_mtime > installed.stat().st_mtime


@pytest.fixture(scope="session")
def node() -> str:
    """Node with the locked dependencies of tests/clients installed (`npm ci` when missing)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("tests/clients needs Node.js 20+ and npm (`./dev test` installs them)")
    if _needs_install():
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
    return node
