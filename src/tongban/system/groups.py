"""The worker groups: one file per group in the repository's ``workers/`` folder, each holding
only its arq ``WorkerSettings`` (one Deployment per group)."""

from __future__ import annotations

import importlib.util

from tongban.paths import ROOT


def load_worker_settings(group: str) -> type:
    path = ROOT / "workers" / f"{group}.py"
    if not path.exists():
        raise SystemExit(f"unknown worker group {group!r} (no {path})")
    spec = importlib.util.spec_from_file_location(f"tongban_workers_{group}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    settings_class: type = module.WorkerSettings
    return settings_class


def worker_groups() -> list[str]:
    return sorted(p.stem for p in (ROOT / "workers").glob("*.py") if not p.stem.startswith("_"))
