"""The ``inquiries`` command: serve a service, migrate, mint a dev token, or run everything."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from services.run import DATA_DIR, SERVICES, read_dev_secret, run_all
from shared.settings import (
    AuthSettings,
    ConsoleSettings,
    DatabaseSettings,
    IntakeSettings,
    LogSettings,
    NotifierSettings,
    RedisSettings,
    ServerSettings,
    SettingsError,
    SlaSettings,
    port_of,
)


def _validate_settings(service: str) -> None:
    loaders: list[Callable[[], object]] = [
        LogSettings.from_env,
        RedisSettings.from_env,
        AuthSettings.from_env,
        ServerSettings.from_env,
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
    """Run one service until stopped."""
    _validate_settings(service)
    if service == "backoffice":
        ConsoleSettings.from_env().require_loopback(host)
    bound = port_of(service) if port is None else port
    if service == "notifier":
        # Fan-out measured faster, and idle sockets lighter, without the ASGI layer (bench/).
        from services.notifier.server import main as serve_notifier

        serve_notifier(host, bound)
        return
    from services.http_server import serve_http

    serve_http(service, host, bound)


def migrate() -> None:
    """Apply every pending migration."""
    from shared.migrate import upgrade

    settings = DatabaseSettings.from_env()
    if not settings.database_url:
        raise SettingsError("DATABASE_URL: required to migrate")
    upgrade(settings)


def token(args: argparse.Namespace) -> str:
    """A development JWT for one merchant (every inquiry permission unless ``--perm``).

    Signed with ``JWT_SECRET``, else with the development secret ``make run`` created.
    """
    from shared.auth import InquiryPermissions, mint_token

    env = dict(os.environ)
    if not env.get("JWT_SECRET"):
        env["JWT_SECRET"] = read_dev_secret(args.data_dir) or ""
    if not env["JWT_SECRET"]:
        raise SettingsError(f"JWT_SECRET: not set, and no {args.data_dir}/jwt-secret (make run)")
    return mint_token(
        AuthSettings.from_env(env),
        sub=args.sub,
        merchant_id=args.merchant,
        perms=args.perm or [p.value for p in InquiryPermissions],
        ttl_seconds=args.ttl,
        name=args.name,
    )


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
    token_cmd.add_argument("--data-dir", type=Path, default=DATA_DIR, help="make run's data")
    run_cmd = commands.add_parser("run", help="embedded servers + every service (make run)")
    run_cmd.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            serve(args.service, args.port, args.host)
        elif args.command == "migrate":
            migrate()
        elif args.command == "token":
            print(token(args))
        else:
            return run_all(args.data_dir)
    except SettingsError as exc:
        print(f"inquiries: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
