"""schemathesis over both OpenAPI documents, against real intake and backoffice processes.

Checks: no 5xx (``not_a_server_error``), schema-violating input refused
(``negative_data_rejection``), and the bearer token really required where the document says so
(``ignored_auth``). Bounded in time: both runs go side by side, each within ``_SECONDS``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.backoffice.conftest import make_token
from tests.support import ServiceProcess

_SECONDS = 25
_CHECKS = "not_a_server_error,negative_data_rejection,ignored_auth"


@pytest.fixture(scope="module")
def backoffice_for_fuzzing(base_env: dict[str, str]) -> Iterator[ServiceProcess]:
    """A backoffice of its own: the fuzzer's writes stay out of other tests' way."""
    service = ServiceProcess("backoffice", base_env).start()
    yield service
    service.stop()


def _fuzz(service: ServiceProcess, headers: dict[str, str], report: Path) -> tuple[int, str]:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{service.url}/schema/openapi.json",
        "--checks",
        _CHECKS,
        "--max-time",
        str(_SECONDS),
        "--max-examples",
        "25",
        "--seed",
        "20261125",
        # One worker: with two, schemathesis' threads once crashed inside CPython's compiler
        # ("AST constructor recursion depth mismatch"), failing the run for no fault of ours.
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=_SECONDS * 3,
        check=False,
        cwd=report.parent,  # its cache directory goes there, not into the checkout
    )
    return done.returncode, done.stdout[-6000:] + done.stderr[-2000:]


def test_both_openapi_documents_pass_schemathesis(
    intake: ServiceProcess, backoffice_for_fuzzing: ServiceProcess, tmp_path: Path
) -> None:
    merchant = "m-fuzz-bo"
    staff = {"Authorization": f"Bearer {make_token('fuzzer', merchant)}", "x-merchant-id": merchant}
    with ThreadPoolExecutor(2) as pool:
        runs = [
            pool.submit(_fuzz, intake, {}, tmp_path / "intake.xml"),
            pool.submit(_fuzz, backoffice_for_fuzzing, staff, tmp_path / "backoffice.xml"),
        ]
        (intake_code, intake_out), (office_code, office_out) = [r.result() for r in runs]

    assert intake_code == 0, intake_out
    assert office_code == 0, office_out
