"""deploy/compose.yaml: valid by the Compose specification; the whole product on one host."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import subprocess
from typing import Any

import jsonschema  # type: ignore[import-untyped]

from tests.deploy.conftest import DEPLOY, Manifest
from tests.support import ROOT

SCHEMA_FILE = ROOT / "tests" / "deploy" / "compose-spec.json"
# compose-spec/compose-spec@00655e2222608fa6eaecdf12ac5195889ca2244a, schema/compose-spec.json
SCHEMA_SHA256 = "bc50c2d79102aed8df21b3a13e56c9396c7a06da6cff5ce37629f2ee7eb41735"
APP_PORTS = {"intake": 8001, "backoffice": 8002, "notifier-1": 8003, "notifier-2": 8003}


def schema_errors(document: Manifest) -> list[str]:
    """Every violation of the Compose specification's schema, as readable lines."""
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def test_vendored_schema_is_the_recorded_upstream_file() -> None:
    digest = hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest()
    assert digest == SCHEMA_SHA256, "compose-spec.json changed: record its source in README.md"


def test_compose_file_matches_the_compose_specification(compose: Manifest) -> None:
    assert schema_errors(compose) == []


def test_the_schema_check_rejects_what_compose_would_reject(compose: Manifest) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["intake"]["healthcheck"]["interval_seconds"] = 10
    broken["services"]["redis"]["depends_on"] = {"postgres": {"condition": "service_ready"}}
    errors = schema_errors(broken)
    assert any("interval_seconds" in error for error in errors), errors
    assert any("depends_on" in error for error in errors), errors


def test_postgres_16_and_append_only_redis_7_with_healthchecks(compose: Manifest) -> None:
    services = compose["services"]
    assert re.match(r"^postgres:16(\b|-)", services["postgres"]["image"])
    assert re.match(r"^redis:7(\b|-)", services["redis"]["image"])
    command = services["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert any("/data" in volume for volume in services["redis"]["volumes"])
    assert any("/var/lib/postgresql/data" in volume for volume in services["postgres"]["volumes"])
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"][0] == "CMD"


def test_one_shot_migrate_then_the_services_in_order(compose: Manifest) -> None:
    services = compose["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["inquiries", "migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("intake", "backoffice"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}
    for name in ("notifier-1", "notifier-2"):
        assert services[name]["depends_on"] == {"redis": {"condition": "service_healthy"}}


def test_intake_backoffice_and_two_notifiers_from_one_image(compose: Manifest) -> None:
    services = compose["services"]
    images = {services[name]["image"] for name in [*APP_PORTS, "migrate"]}
    assert len(images) == 1
    for name in [*APP_PORTS, "migrate"]:
        assert services[name]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    for name in APP_PORTS:
        assert services[name]["command"] == ["inquiries", "serve", name.split("-")[0]]


def test_every_service_checks_its_own_readiness(compose: Manifest) -> None:
    for name, port in APP_PORTS.items():
        test: list[str] = compose["services"][name]["healthcheck"]["test"]
        assert test[:2] == ["CMD", "python"]
        assert f"http://127.0.0.1:{port}/health/ready" in test[-1], name


def test_ports_are_published_on_loopback_only(compose: Manifest) -> None:
    published = [
        (name, port)
        for name, service in compose["services"].items()
        for port in service.get("ports", [])
    ]
    assert {name for name, _ in published} == set(APP_PORTS)
    for name, port in published:
        assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
    assert compose["networks"]["backend"]["internal"] is True
    for name in ("postgres", "redis"):
        assert compose["services"][name]["networks"] == ["backend"]


def test_notifiers_get_time_to_close_their_sockets(compose: Manifest) -> None:
    for name in ("notifier-1", "notifier-2"):
        grace = compose["services"][name]["stop_grace_period"]
        assert int(grace.removesuffix("s")) >= 25, "1001 closes may wait 10 s behind unread data"


def test_secrets_come_from_an_env_file_git_ignores(compose: Manifest) -> None:
    env_files: set[str] = set()
    for name in [*APP_PORTS, "migrate"]:
        service: dict[str, Any] = compose["services"][name]
        env_files.update(entry["path"] for entry in service["env_file"])
        assert service["environment"]["JWT_SECRET"].startswith("${JWT_SECRET:?")
        assert "${POSTGRES_PASSWORD:?" in service["environment"]["DATABASE_URL"]
    password = compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert password.startswith("${POSTGRES_PASSWORD:?")
    assert env_files == {".env"}
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "--quiet", str(DEPLOY / ".env")],
        cwd=ROOT,
        check=False,
    )
    assert ignored.returncode == 0, "deploy/.env must be git-ignored"


def test_the_env_example_holds_placeholders_only() -> None:
    values = dict(
        line.split("=", 1)
        for line in (DEPLOY / "compose.env.example").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    assert values["POSTGRES_PASSWORD"].startswith("change-me")
    assert values["JWT_SECRET"].startswith("change-me")
    assert values["METRICS_TOKEN"] == ""
