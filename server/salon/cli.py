"""The `salon` command: serve, db upgrade/current, token create."""

from __future__ import annotations

import argparse
import gc
import sys
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from salon import __version__
from salon.core.config import Settings

SERVE_FLAGS = list(Settings.model_fields)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _is_bool(annotation: Any) -> bool:
    return annotation is bool or bool in typing.get_args(annotation)


def add_settings_flags(parser: argparse.ArgumentParser, names: Sequence[str]) -> None:
    for name in names:
        info = Settings.model_fields[name]
        env = f"SALON_{name.upper()}"
        text = f"{info.description} [env {env}; default {info.default!r}]"
        if typing.get_origin(info.annotation) is list:
            parser.add_argument(_flag(name), dest=name, nargs="*", default=None, help=text)
        elif _is_bool(info.annotation):
            parser.add_argument(
                _flag(name),
                dest=name,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=text,
            )
        else:
            parser.add_argument(
                _flag(name), dest=name, default=None, metavar=name.upper(), help=text
            )


def settings_from(args: argparse.Namespace, names: Sequence[str]) -> Settings:
    overrides = {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        sys.exit(f"salon: invalid setting {'.'.join(map(str, first['loc']))}: {first['msg']}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="salon",
        description="Salon: real-time rooms for social learning (live sessions, co-edited "
        "documents, chat, expert Q&A, searchable archive, replay). Every option can also be set "
        "with its SALON_* environment variable; see README.md for the full table.",
    )
    parser.add_argument("--version", action="version", version=f"salon {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve", help="run a Salon node (SQLite + in-process bus by default)"
    )
    add_settings_flags(serve, SERVE_FLAGS)

    db = commands.add_parser("db", help="archive maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    for name, text in (
        ("upgrade", "apply all migrations"),
        ("current", "show the applied revision"),
        ("reindex", "rebuild the search index terms (after changing SALON_SEARCH_LANGUAGE)"),
    ):
        sub = db_commands.add_parser(name, help=text)
        add_settings_flags(sub, ["data_dir", "database_url", "search_language"])

    token = commands.add_parser("token", help="tokens for testing and scripts")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="print a signed token (HS256, node secret)")
    create.add_argument("--user", required=True, help="user id (the token subject)")
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--ttl", type=float, default=86400.0, help="lifetime in seconds [86400]")
    add_settings_flags(create, ["data_dir", "secret"])
    replay = commands.add_parser("replay", help="play an archived session in the terminal")
    replay.add_argument("session", help="session id")
    replay.add_argument("--speed", type=float, default=1.0, help="0.25 to 16 [1]")
    replay.add_argument(
        "--from", dest="start", default="0", help="start offset: seconds, m:ss or h:mm:ss [0]"
    )
    replay.add_argument("--skip-silence", action="store_true", help="shorten quiet stretches")
    replay.add_argument("--url", default="http://127.0.0.1:8000", help="server URL")
    replay.add_argument("--token", default=None, help="bearer token [env SALON_TOKEN]")
    return parser


def parse_offset(text: str) -> int:
    """Seconds, m:ss or h:mm:ss, as milliseconds."""
    try:
        seconds = 0.0
        for part in text.split(":"):
            seconds = seconds * 60 + float(part)
    except ValueError:
        sys.exit(f"salon: --from {text!r} is not seconds, m:ss or h:mm:ss")
    return int(seconds * 1000)


def replay(args: argparse.Namespace) -> None:
    import asyncio
    import os

    from salon_client import SalonClientError
    from salon_client.terminal import play

    token = args.token or os.environ.get("SALON_TOKEN")
    if not token:
        sys.exit("salon: replay needs --token or SALON_TOKEN")
    try:
        asyncio.run(
            play(
                args.url,
                token,
                args.session,
                args.speed,
                parse_offset(args.start),
                args.skip_silence,
            )
        )
    except SalonClientError as exc:
        sys.exit(f"salon: {exc.code}: {exc.message}")
    except KeyboardInterrupt:
        pass


def ws_protocol(impl: str) -> Any:
    """uvicorn's default WebSocket protocol with Salon's lighter per-connection state, or
    uvicorn's own (``impl``) when the fast path's guard finds untested libraries."""
    if impl in ("auto", "websockets-sansio"):
        from salon.realtime import fastpath

        return fastpath.websocket_protocol() or impl
    return impl


def serve(settings: Settings) -> None:
    import uvicorn

    from salon.app import create_app
    from salon.core import logs
    from salon.store.migrate import upgrade

    logs.setup(settings.log_level, settings.log_json)
    migrate = settings.auto_migrate if settings.auto_migrate is not None else settings.is_sqlite
    if migrate:
        upgrade(settings.resolved_database_url(), search_language=settings.search_language)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        ws=ws_protocol(settings.ws_impl),
        ws_ping_interval=None,  # engine.io's heartbeat already checks every connection
        ws_per_message_deflate=settings.ws_compression,
        ws_max_size=settings.max_payload_bytes + 1024,
        timeout_graceful_shutdown=int(settings.shutdown_grace),
        lifespan="on",
        # Forwarded headers only from the configured proxies: uvicorn's default trusts
        # 127.0.0.1, so any local process could pose as any address and walk through a ban.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies),
    )
    # The fan-out allocates many short-lived objects; with the default thresholds the
    # collector runs every few hundred allocations and full collections walk every long-lived
    # object, showing up as latency spikes. Freeze what startup made, collect less often.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    uvicorn.Server(config).run()


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        serve(settings_from(args, SERVE_FLAGS))
    elif args.command == "db":
        from salon.store.migrate import current, upgrade

        settings = settings_from(args, ["data_dir", "database_url", "search_language"])
        url = settings.resolved_database_url()
        if args.db_command == "reindex":
            import asyncio

            from salon.search.reindex import reindex_archive

            count = asyncio.run(reindex_archive(url, settings.search_language))
            print(f"reindexed {count} search entries ({settings.search_language})")
        else:
            if args.db_command == "upgrade":
                upgrade(url, search_language=settings.search_language)
            else:
                current(url)
    elif args.command == "replay":
        replay(args)
    elif args.command == "token":
        from salon.core.auth import mint_token

        settings = settings_from(args, ["data_dir", "secret"])
        print(mint_token(settings.signing_secret(), args.user, args.name, args.ttl))
