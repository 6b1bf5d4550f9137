"""``make run``: embedded servers where no URL is set, a development secret, every service."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

from shared.embedded import RedisServer, start_postgres
from shared.settings import is_loopback, port_of

SERVICES = ("intake", "backoffice", "notifier")
DATA_DIR = Path(".data")
_KEY_FILE = "jwt-secret"


def read_dev_secret(data_dir: Path = DATA_DIR) -> str | None:
    """The development ``JWT_SECRET`` that ``make run`` created, if it did."""
    path = data_dir / _KEY_FILE
    return path.read_text().strip() if path.exists() else None


def dev_secret(data_dir: Path = DATA_DIR) -> str:
    """The development secret under ``data_dir``: created once, random, readable by us alone."""
    existing = read_dev_secret(data_dir)
    if existing:
        return existing
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    fd = os.open(data_dir / _KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(value + "\n")
    return value


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "services.cli", *args]


def run_all(data_dir: Path) -> int:
    """Start embedded servers where no URL is set, migrate, and serve every service."""
    env = dict(os.environ)
    redis_server = None
    if not env.get("JWT_SECRET"):
        env["JWT_SECRET"] = dev_secret(data_dir)
        print(f"development JWT_SECRET: {data_dir / _KEY_FILE}", file=sys.stderr)
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = start_postgres(data_dir / "postgres")
        print(f"embedded PostgreSQL: {env['DATABASE_URL']}", file=sys.stderr)
    if not env.get("REDIS_URL"):
        redis_server = RedisServer(data_dir / "redis", persistent=True).start()
        env["REDIS_URL"] = redis_server.url
        print(f"embedded Redis: {env['REDIS_URL']}", file=sys.stderr)
    # The console's "Development sign-in" (no token needed): for make run only, on loopback.
    if is_loopback(env.get("HOST", "127.0.0.1")):
        env.setdefault("CONSOLE_DEV_LOGIN", "1")
    children: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run(_command("migrate"), env=env, check=True)
        children.extend(subprocess.Popen(_command("serve", name), env=env) for name in SERVICES)
        print(_welcome(env), file=sys.stderr, flush=True)
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
        while all(child.poll() is None for child in children):
            try:
                children[0].wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                continue
        return 1  # a service died on its own
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        if redis_server is not None:
            redis_server.stop()


def _welcome(env: dict[str, str]) -> str:
    """What a newcomer opens in a browser once everything is up."""
    intake, backoffice = port_of("intake", env), port_of("backoffice", env)
    sign_in = (
        'choose "Development sign-in" (any user id, merchant m1)'
        if env.get("CONSOLE_DEV_LOGIN") == "1"
        else "paste a token from `.venv/bin/inquiries token --sub me --merchant m1`"
    )
    return (
        "\nSales Inquiries is starting; open in a browser:\n"
        f"  staff console  http://127.0.0.1:{backoffice}/console/  — {sign_in}\n"
        f"  inquiry form   http://127.0.0.1:{intake}/v1/form?merchant_id=m1  — submit a lead,"
        " watch it arrive in the console\n"
        "Ctrl-C stops everything.\n"
    )
