"""The ``inquiries`` command: settings are validated at start, and dev tokens are real JWTs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import jwt
import pytest

from services.run import dev_secret
from shared.auth import decode_token
from shared.settings import AuthSettings, IntakeSettings, SettingsError
from tests.conftest import JWT_SECRET


def _cli(
    *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command with a valid JWT_SECRET unless ``env`` says otherwise ("" removes one)."""
    environ = {**os.environ, "JWT_SECRET": JWT_SECRET, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        capture_output=True,
        text=True,
        env={name: value for name, value in environ.items() if value != ""},
        cwd=cwd,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("INTAKE_PORT", "eighty"),
        ("INTAKE_RATE_LIMIT_PER_IP", "5/fortnight"),
        ("INTAKE_TRUSTED_PROXIES", "not-a-cidr"),
        ("INTAKE_ALLOWED_ORIGINS", "site.example/path"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("DATABASE_URL", "mysql://db"),
        ("LOG_FORMAT", "xml"),
        ("JWT_SECRET", "short"),
    ],
)
def test_serve_refuses_a_bad_variable_and_names_it(variable: str, value: str) -> None:
    result = _cli("serve", "intake", env={variable: value})
    assert result.returncode == 2
    assert variable in result.stderr


def test_token_command_mints_a_token_the_services_accept() -> None:
    result = _cli(
        "token",
        "--sub",
        "u1",
        "--merchant",
        "m1",
        "--perm",
        "inquiry.find",
        "--ttl",
        "120",
    )
    assert result.returncode == 0, result.stderr
    principal = decode_token(result.stdout.strip(), AuthSettings(jwt_secret=JWT_SECRET))
    assert principal.sub == "u1"
    assert principal.perms == {"m1": ["inquiry.find"]}
    assert principal.can("m1", "inquiry.find")
    assert not principal.can("m1", "inquiry.update")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            result.stdout.strip(), "another-secret-0123456789-0123456789", algorithms=["HS256"]
        )


def test_settings_error_names_the_variable_in_process() -> None:
    with pytest.raises(SettingsError, match="INTAKE_RATE_LIMIT_PER_MERCHANT"):
        IntakeSettings.from_env({"INTAKE_RATE_LIMIT_PER_MERCHANT": "ten"})


@pytest.mark.parametrize(
    "value",
    [
        "",  # unset: there is no built-in secret
        "change-me-to-at-least-32-random-characters",  # deploy/env.example's value
        "my-very-own-Secret-value-0123456789abcdef",
        "EXAMPLE0123456789abcdefghijklmnopqrstuv",
        "changeme0123456789abcdefghijklmnopqrstuvwx",
        "a" * 40,
    ],
)
def test_serve_refuses_a_missing_or_placeholder_jwt_secret(value: str, tmp_path: Path) -> None:
    # From an empty directory: a development secret under .data/ never stands in for serve.
    result = _cli("serve", "backoffice", cwd=tmp_path, env={"JWT_SECRET": value})
    assert result.returncode == 2
    assert "JWT_SECRET" in result.stderr


def test_make_run_secret_is_random_private_and_used_by_token(tmp_path: Path) -> None:
    secret = dev_secret(tmp_path / ".data")
    path = tmp_path / ".data" / "jwt-secret"
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(secret) == 64
    assert dev_secret(tmp_path / ".data") == secret  # created once, then reused
    assert dev_secret(tmp_path / "elsewhere") != secret
    AuthSettings.from_env({"JWT_SECRET": secret})  # passes serve's own checks

    result = _cli("token", "--sub", "u1", "--merchant", "m1", cwd=tmp_path, env={"JWT_SECRET": ""})
    assert result.returncode == 0, result.stderr
    principal = decode_token(result.stdout.strip(), AuthSettings(jwt_secret=secret))
    assert principal.sub == "u1"

    other = _cli(
        "token", "--sub", "u2", "--merchant", "m1", "--data-dir", str(tmp_path / "elsewhere"),
        env={"JWT_SECRET": ""},
    )  # fmt: skip
    other_secret = AuthSettings(jwt_secret=dev_secret(tmp_path / "elsewhere"))
    assert decode_token(other.stdout.strip(), other_secret).sub == "u2"


def test_token_without_any_secret_names_the_variable(tmp_path: Path) -> None:
    result = _cli("token", "--sub", "u1", "--merchant", "m1", cwd=tmp_path, env={"JWT_SECRET": ""})
    assert result.returncode == 2
    assert "JWT_SECRET" in result.stderr
