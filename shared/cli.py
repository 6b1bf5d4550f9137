"""The ``inquiries`` command: serve a service, migrate, mint a dev token, or run everything."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from shared.settings import (
    AuthSettings,
    ConsoleSettings,
    DatabaseSettings,
    IntakeSettings,
    LogSettings,
    NotifierSettings,
    RedisSettings,
    SettingsError,
    SlaSettings,
    port_of,
)

SERVICES = ("intake", "backoffice", "notifier")


def _validate_settings(service: str) -> None:
    loaders: list[Callable[[], object]] = [
        LogSettings.from_env,
        RedisSettings.from_env,
        AuthSettings.from_env,
        lambda: port_of(service),
    ]
    if service != "notifier":
        loaders.append(DatabaseSettings.from_env)
    if service == "intake":
        loaders.append(IntakeSettings.from_env)
    if service != "notifier":
        loaders.append(SlaSettings.from_env)
    if service == "notifier":
        loaders.append(NotifierSettings.from_env)
    for load in loaders:
        load()


def serve(service: str, port: int | None, host: str) -> None:
    """Run one service under uvicorn until stopped."""
    _validate_settings(service)
    if service == "backoffice":
        ConsoleSettings.from_env().require_loopback(host)
    bound = port_of(service) if port is None else port
    if service == "notifier":
        # Fan-out measured faster, and idle sockets lighter, without the ASGI layer (bench/).
        from services.notifier.server import main as serve_notifier

        serve_notifier(host, bound)
        return
    import uvicorn

    uvicorn.run(
        f"services.{service}.app:create_app",
        factory=True,
        host=host,
        port=bound,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )


def migrate() -> None:
    """Apply every pending migration."""
    from shared.migrate import upgrade

    settings = DatabaseSettings.from_env()
    if not settings.database_url:
        raise SettingsError("DATABASE_URL: required to migrate")
    upgrade(settings)


def token(sub: str, merchant: str, perms: list[str] | None, ttl: int, name: str | None) -> str:
    """A development JWT for one merchant (every inquiry permission unless ``perms``)."""
    from shared.auth import InquiryPermissions, mint_token

    chosen = perms if perms else [p.value for p in InquiryPermissions]
    return mint_token(
        AuthSettings.from_env(),
        sub=sub,
        merchant_id=merchant,
        perms=chosen,
        ttl_seconds=ttl,
        name=name,
    )


def run_all(data_dir: Path) -> int:
    """Start embedded servers where no URL is set, migrate, and serve every service."""
    from shared.embedded import RedisServer, start_postgres

    env = dict(os.environ)
    redis_server = None
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = start_postgres(data_dir / "postgres")
        print(f"embedded PostgreSQL: {env['DATABASE_URL']}", file=sys.stderr)
    if not env.get("REDIS_URL"):
        redis_server = RedisServer(data_dir / "redis", persistent=True).start()
        env["REDIS_URL"] = redis_server.url
        print(f"embedded Redis: {env['REDIS_URL']}", file=sys.stderr)
    children: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run([sys.executable, "-m", "shared.cli", "migrate"], env=env, check=True)
        for service in SERVICES:
            children.append(
                subprocess.Popen([sys.executable, "-m", "shared.cli", "serve", service], env=env)
            )
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
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        if redis_server is not None:
            redis_server.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``inquiries`` console script."""
    parser = argparse.ArgumentParser(prog="inquiries", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run one service")
    serve_cmd.add_argument("service", choices=SERVICES)
    serve_cmd.add_argument("--port", type=int, help="default: the service's *_PORT")
    serve_cmd.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    commands.add_parser("migrate", help="apply database migrations")
    token_cmd = commands.add_parser("token", help="print a development JWT")
    token_cmd.add_argument("--sub", required=True, help="user id")
    token_cmd.add_argument("--merchant", required=True, help="merchant id")
    token_cmd.add_argument("--perm", action="append", help="permission (repeatable); default all")
    token_cmd.add_argument("--ttl", type=int, default=3600, help="seconds until expiry")
    token_cmd.add_argument("--name", help="display name (default: the sub)")
    run_cmd = commands.add_parser("run", help="embedded servers + every service (make run)")
    run_cmd.add_argument("--data-dir", type=Path, default=Path(".data"))
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            serve(args.service, args.port, args.host)
        elif args.command == "migrate":
            migrate()
        elif args.command == "token":
            print(token(args.sub, args.merchant, args.perm, args.ttl, args.name))
        else:
            return run_all(args.data_dir)
    except SettingsError as exc:
        print(f"inquiries: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
