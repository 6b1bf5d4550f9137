"""The ``inquiries`` command: settings are validated at start, and dev tokens are real JWTs."""

from __future__ import annotations

import os
import subprocess
import sys

import jwt
import pytest

from shared.auth import decode_token
from shared.settings import AuthSettings, IntakeSettings, SettingsError
from tests.conftest import JWT_SECRET


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
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
    result = _cli("serve", "intake", **{variable: value})
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
        JWT_SECRET=JWT_SECRET,
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
