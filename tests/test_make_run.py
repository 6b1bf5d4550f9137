"""``make run`` (``inquiries run``): every service up, what to open printed, Ctrl-C stops all."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil  # type: ignore[import-untyped]

from shared.embedded import RedisServer
from tests.support import ROOT, inquiry_body, wait_for


def free_port() -> int:
    """A port free right now (the launcher binds the fixed *_PORT values it is given)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_make_run_serves_everything_prints_the_console_and_stops_on_ctrl_c(
    tmp_path: Path, own_database_url: str, own_redis: RedisServer, stream_key: str
) -> None:
    ports = {name: free_port() for name in ("INTAKE_PORT", "BACKOFFICE_PORT", "NOTIFIER_PORT")}
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": own_database_url,
        "REDIS_URL": own_redis.url,
        "STREAM_KEY": stream_key + ":make-run",
        **{name: str(port) for name, port in ports.items()},
    }  # no JWT_SECRET: make run creates the development one under --data-dir
    output = tmp_path / "make-run.log"  # a file, not a pipe: a full pipe would block the logs
    with output.open("wb") as log:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "run", "--data-dir", str(tmp_path / "data")],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        intake = f"http://127.0.0.1:{ports['INTAKE_PORT']}"
        backoffice = f"http://127.0.0.1:{ports['BACKOFFICE_PORT']}"
        notifier = f"http://127.0.0.1:{ports['NOTIFIER_PORT']}"

        def all_live() -> bool:
            try:
                urls = (intake, backoffice, notifier)
                return all(httpx.get(f"{u}/health/live").status_code == 200 for u in urls)
            except httpx.HTTPError:
                return False

        wait_for(all_live, timeout=60, interval=0.2)
        assert (tmp_path / "data" / "jwt-secret").stat().st_mode & 0o777 == 0o600
        # The console's development sign-in is on under make run, and its token works.
        login = httpx.post(
            f"{backoffice}/console/dev-login", json={"user_id": "newcomer", "merchant_id": "m1"}
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['token']}", "x-merchant-id": "m1"}
        submitted = httpx.post(
            f"{intake}/v1/inquiries", json=inquiry_body(), headers={"x-merchant-id": "m1"}
        )
        assert submitted.status_code == 201
        listed = httpx.get(f"{backoffice}/v1/inquiries", headers=headers)
        assert [item["id"] for item in listed.json()["items"]] == [submitted.json()["id"]]
        assert httpx.get(f"{intake}/v1/form?merchant_id=m1").status_code == 200
        assert httpx.get(f"{notifier}/v1/client.js").status_code == 200
        children = psutil.Process(launcher.pid).children()
        assert len(children) == 3

        launcher.send_signal(signal.SIGINT)  # Ctrl-C
        assert launcher.wait(timeout=40) == 0
        time.sleep(0.2)
        assert not any(child.is_running() and child.status() != "zombie" for child in children)
        printed = output.read_text()
        assert f"{backoffice}/console/" in printed
        assert "Development sign-in" in printed
        assert f"{intake}/v1/form?merchant_id=m1" in printed
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
