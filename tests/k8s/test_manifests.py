"""The Kubernetes manifests render and validate; the check itself catches a broken manifest;
every setting is in the ConfigMap or Secret template and in the operations guide."""

import shutil
import subprocess
from pathlib import Path

import yaml

from tongban.config import variable_names

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "k8s" / "validate.sh"


def run_check(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(CHECK), str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_both_overlays_render_and_validate() -> None:
    result = run_check(ROOT / "k8s")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "k8s: dev ok" in result.stdout and "k8s: prod ok" in result.stdout


def test_a_broken_manifest_fails_the_check(tmp_path: Path) -> None:
    copy = tmp_path / "k8s"
    shutil.copytree(ROOT / "k8s", copy)
    workers = copy / "base" / "workers.yaml"
    workers.write_text(
        workers.read_text().replace(
            "terminationGracePeriodSeconds: 45", "terminationGracePeriodSecond: 45", 1
        )
    )
    result = run_check(copy)
    assert result.returncode == 1
    assert "not valid" in result.stderr


def test_every_setting_is_in_the_configmap_or_secret_and_the_guide() -> None:
    base = ROOT / "k8s" / "base"
    config = yaml.safe_load((base / "configmap.yaml").read_text())["data"]
    secret = yaml.safe_load((base / "secret.yaml").read_text())["stringData"]
    declared = set(config) | set(secret)
    assert set(variable_names()) == declared, set(variable_names()) ^ declared
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert [v for v in variable_names() if f"`{v}`" not in guide] == []


def test_worker_termination_grace_exceeds_the_job_completion_wait() -> None:
    from tongban.system.groups import load_worker_settings

    documents = list(yaml.safe_load_all((ROOT / "k8s" / "base" / "workers.yaml").read_text()))
    for document in documents:
        group = document["spec"]["template"]["spec"]["containers"][0]["args"][1]
        wait = load_worker_settings(group).job_completion_wait  # type: ignore[attr-defined]
        assert document["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > wait
