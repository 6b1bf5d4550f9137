"""Print the part of ``requirements.lock`` the services need at run time, hashes kept.

The lock also pins the dev and bench tools (``--extra dev --extra bench``). The image builder runs
``python runtime_lock.py requirements.lock pyproject.toml > runtime.lock`` and installs that
with ``--require-hashes``: the closure of ``[project].dependencies`` and
``[build-system].requires`` (the project is built without downloading its backend) over the
lock's ``# via`` annotations. A ``via`` edge does not say which extra pulled a package in, so
the closure can only be too large, never too small; the image's ``pip check`` confirms nothing
is missing.

Standard library only: it runs in the build stage before anything is installed.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

_PROJECT_VIA = re.compile(r"^(?P<name>[A-Za-z0-9._-]+) \(pyproject\.toml\)$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def normalize(name: str) -> str:
    """The PEP 503 form of a distribution name (``Foo_Bar`` → ``foo-bar``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class LockEntry:
    """One pinned distribution: its requirement and hash lines, and who pulled it in."""

    name: str
    lines: list[str]
    parents: set[str] = field(default_factory=set)


def parse_lock(text: str) -> dict[str, LockEntry]:
    """Read a ``uv pip compile --generate-hashes`` lock into entries keyed by normalized name."""
    entries: dict[str, LockEntry] = {}
    current: LockEntry | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not line[0].isspace() and not stripped.startswith("#"):
            match = _NAME.match(stripped)
            if match is None:
                raise ValueError(f"unexpected line in lock: {line!r}")
            current = LockEntry(normalize(match.group()), [line])
            entries[current.name] = current
        elif current is None:
            continue  # a header comment before the first entry
        elif stripped.startswith("--hash="):
            current.lines.append(line)
        elif stripped.startswith("#"):
            parent = stripped.lstrip("#").strip().removeprefix("via").strip()
            if parent:
                project = _PROJECT_VIA.match(parent)
                current.parents.add(f"project:{project['name']}" if project else normalize(parent))
    return entries


def runtime_roots(pyproject: dict[str, object]) -> set[str]:
    """Names of ``[project].dependencies`` and ``[build-system].requires``, normalized."""
    project, build_system = pyproject["project"], pyproject["build-system"]
    assert isinstance(project, dict)
    assert isinstance(build_system, dict)
    roots = set()
    for requirement in [*project["dependencies"], *build_system["requires"]]:
        match = _NAME.match(requirement)
        assert match is not None, requirement
        roots.add(normalize(match.group()))
    return roots


def runtime_closure(entries: dict[str, LockEntry], roots: set[str]) -> set[str]:
    """``roots`` plus every entry pulled in, transitively, by something already needed."""
    missing = roots - entries.keys()
    if missing:
        raise ValueError(f"runtime dependencies missing from the lock: {sorted(missing)}")
    needed = set(roots)
    grown = True
    while grown:
        grown = False
        for entry in entries.values():
            if entry.name not in needed and entry.parents & needed:
                needed.add(entry.name)
                grown = True
    return needed


def render(entries: dict[str, LockEntry], names: set[str]) -> str:
    """The chosen entries in lock order, as a requirements file pip reads with hashes."""
    kept = [entry for entry in entries.values() if entry.name in names]
    return "".join("\n".join(entry.lines) + "\n" for entry in kept)


def main(argv: list[str]) -> int:
    """``runtime_lock.py LOCK PYPROJECT``: write the runtime part of LOCK to stdout."""
    if len(argv) != 2:
        print("usage: runtime_lock.py requirements.lock pyproject.toml", file=sys.stderr)
        return 2
    entries = parse_lock(Path(argv[0]).read_text(encoding="utf-8"))
    roots = runtime_roots(tomllib.loads(Path(argv[1]).read_text(encoding="utf-8")))
    sys.stdout.write(render(entries, runtime_closure(entries, roots)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
