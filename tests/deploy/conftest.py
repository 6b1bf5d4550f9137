"""Fixtures of the offline deploy checks: the compose file and the rendered Kubernetes overlays."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import ROOT

DEPLOY = ROOT / "deploy"
OVERLAYS = ("single-redis", "redis-cluster")
# kubectl and kubernetes-validate come from the locked wheels, next to this interpreter.
BIN = Path(sys.executable).parent

Manifest = dict[str, Any]


def render(overlay: str) -> str:
    """``kubectl kustomize`` of one overlay, as YAML text."""
    result = subprocess.run(
        [str(BIN / "kubectl"), "kustomize", str(DEPLOY / "kubernetes" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def kubernetes_validate(path: Path) -> subprocess.CompletedProcess[str]:
    """``kubernetes-validate --strict`` of a manifest file (its schemas ship in the wheel)."""
    return subprocess.run(
        [str(BIN / "kubernetes-validate"), "--strict", "--quiet", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    """Each overlay in turn."""
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def rendered_text(overlay: str) -> str:
    """The overlay rendered by kustomize."""
    return render(overlay)


@pytest.fixture(scope="module")
def manifests(rendered_text: str) -> list[Manifest]:
    """The rendered overlay as parsed documents."""
    return [doc for doc in yaml.safe_load_all(rendered_text) if doc]


@pytest.fixture(scope="module")
def compose() -> Manifest:
    """deploy/compose.yaml as Compose reads it (YAML anchors and merge keys resolved)."""
    loaded: Manifest = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def of_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    """The manifests of one kind, by name."""
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}
