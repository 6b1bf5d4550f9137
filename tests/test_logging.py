"""Logs never show frame locals, keep stdlib tracebacks in JSON, and escape untrusted text."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support import ROOT

# A process that logs two failures (one via structlog, one via a library's stdlib logger)
# raised in a frame holding a secret, then a line carrying terminal escapes.
_PROBE = """
import logging, structlog
from shared.logging import configure_logging
from shared.settings import LogSettings
configure_logging(LogSettings.from_env())
def check(token):
    secret_in_a_local = "LOCAL-" + "SECRET-VALUE"
    raise TypeError("unhashable type: 'list'")
try:
    check("TOKEN-" + "VALUE")
except TypeError:
    structlog.get_logger("app").exception("session failed")
    logging.getLogger("websockets.server").error("handler failed", exc_info=True)
logging.getLogger("uvicorn.error").warning("bad path %s", "/x\\x1b]0;owned\\x07\\x1b[2J")
"""


def _probe(log_format: str) -> str:
    env = {"LOG_FORMAT": log_format, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, cwd=ROOT, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stderr.decode()


@pytest.mark.parametrize("log_format", ["console", "json"])
def test_no_format_prints_frame_locals_but_tracebacks_stay(log_format: str) -> None:
    output = _probe(log_format)
    assert "LOCAL-SECRET-VALUE" not in output
    assert "TOKEN-VALUE" not in output
    assert output.count("Traceback (most recent call last)") == 2  # structlog's and stdlib's
    assert output.count("TypeError: unhashable type") == 2


def test_json_lines_carry_the_stdlib_traceback_as_a_field() -> None:
    lines = [json.loads(line) for line in _probe("json").splitlines()]
    (library,) = [line for line in lines if line.get("logger") == "websockets.server"]
    assert "Traceback (most recent call last)" in library["exception"]
    assert "exc_info" not in library


def test_the_console_log_escapes_control_characters() -> None:
    output = _probe("console")
    assert "\x1b" not in output
    assert "\x07" not in output
    assert "\\x1b]0;owned\\x07\\x1b[2J" in output
