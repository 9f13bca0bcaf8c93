"""`agent-desktop server`: the central ticket store (工单中心库) the seats, units and supervisors sync with.

    agent-desktop server [--db URL] [--listen HOST:PORT] [--tls-cert FILE --tls-key FILE] [--field-key FILE]
                         [--log-level LEVEL]
    agent-desktop server add-user NAME --role agent|leader_seat|supervisor|unit|survey [--unit UNIT] [--replace]
                                  [--db URL]
    agent-desktop server users [--db URL]
    agent-desktop server disable-user NAME [--enable] [--db URL]
    agent-desktop server migrate [--db URL]
    agent-desktop server seed-kb [--file FILE] [--db URL]

The database is `--db`, else the environment variable AGENT_DESKTOP_SERVER_DB, else a SQLite file in the user's
data folder. SQLite suits one server process; for several processes behind a load balancer give them all the same
PostgreSQL URL (``postgresql+psycopg://user:password@host:5432/dbname``): they fan changes out to each other through
LISTEN/NOTIFY. The schema is migrated at start (and by `migrate`). `add-user` prints the new token once; only its
hash is stored, so a lost token is replaced with `--replace`; `disable-user` refuses a user's token from its next
connection on. `seed-kb` loads the shipped Changsha knowledge base
(or `--file`) as published entries, skipping ids the store already has; every desk receives them. With a
certificate and key the server speaks wss://.
With `--field-key FILE` (or `[server] field_key_file`) the centre holds the hotline's field key (a file of mode 0600,
refused otherwise; never created here): it hands the survey dialer an anonymous caller's opened number for the
attempt it claimed, and refuses a sealed value that does not open for its order and field or whose mask is not its
own. Without it anonymous callers get no automated return visit.
Serving prints one line ``listening on ws://HOST:PORT`` on stdout (the real port when PORT is 0) and runs until
SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

from agent_desktop.config import ENV_SERVER_DB as ENV_DB
from agent_desktop.core.errors import SyncError
from agent_desktop.core.roles import Role

if TYPE_CHECKING:
    from agent_desktop.core.privacy import FieldCipher
    from sync.server.store import CentralStore

DEFAULT_LISTEN = "127.0.0.1:8765"
USER_ROLES = (Role.AGENT, Role.LEADER_SEAT, Role.SUPERVISOR, Role.UNIT, Role.SURVEY)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this group's subcommands to the parser."""
    server = subparsers.add_parser(
        "server",
        help="run the central ticket store, manage its users and schema",
        description="The central ticket store: a websocket server the desks sync work orders and the knowledge "
        "base with. Without a subcommand it serves.",
    )
    _db_option(server, None)
    server.add_argument("--listen", default=None, metavar="HOST:PORT",
                        help=f"address to serve on (default: [server] listen of the config file, else "
                        f"{DEFAULT_LISTEN}; port 0 picks a free one)")
    server.add_argument("--tls-cert", metavar="FILE", help="PEM certificate chain: serve wss:// (with --tls-key)")
    server.add_argument("--tls-key", metavar="FILE", help="PEM private key of --tls-cert")
    server.add_argument("--field-key", metavar="FILE",
                        help="the hotline's field key (owner-only, the seats' key): anonymous callers get their "
                        "automated return visit, and sealed values are proven to open (default: [server] "
                        "field_key_file of the config file, else none)")
    server.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="log level on stderr (default INFO)")
    server.set_defaults(handler=run_serve)
    commands = server.add_subparsers(dest="server_command", metavar="SUBCOMMAND")

    add_user = commands.add_parser(
        "add-user", help="add a user and print their token once",
        description="Add a user of the store with a role (and, for a unit or a leader seat, its unit); prints "
        "the token the user's desk connects with. Only a hash of it is kept.",
    )
    add_user.add_argument("name", metavar="NAME", help="the user's id (login name)")
    add_user.add_argument("--role", required=True, choices=[r.value for r in USER_ROLES])
    add_user.add_argument("--unit", metavar="UNIT", help="the unit of a unit user or a leader seat (e.g. 岳麓区)")
    add_user.add_argument("--replace", action="store_true", help="give an existing user a new token")
    _db_option(add_user, argparse.SUPPRESS)
    add_user.set_defaults(handler=run_add_user)

    users = commands.add_parser("users", help="list the users (never their tokens)",
                                description="List the store's users with role and unit.")
    _db_option(users, argparse.SUPPRESS)
    users.set_defaults(handler=run_users)

    disable = commands.add_parser("disable-user", help="refuse a user's token (or accept it again with --enable)",
                                  description="Disable a user: their token is refused, their open connections closed.")
    disable.add_argument("name", metavar="NAME")
    disable.add_argument("--enable", action="store_true", help="enable the user again")
    _db_option(disable, argparse.SUPPRESS)
    disable.set_defaults(handler=run_disable_user)

    migrate = commands.add_parser("migrate", help="create or upgrade the store's schema",
                                  description="Bring the store's schema to the newest migration (the server also "
                                  "does this at start).")
    _db_option(migrate, argparse.SUPPRESS)
    migrate.set_defaults(handler=run_migrate)

    seed = commands.add_parser("seed-kb", help="load the knowledge-base seed as published entries",
                               description="Import the shipped knowledge-base entries (or a file of the same form) "
                               "as published entries; ids the store already has are skipped.")
    seed.add_argument("--file", metavar="FILE", help="seed file (default: the shipped Changsha entries)")
    _db_option(seed, argparse.SUPPRESS)
    seed.set_defaults(handler=run_seed_kb)


def _db_option(parser: argparse.ArgumentParser, default: object) -> None:
    # SUPPRESS on the subcommands: `server --db X add-user …` and `server add-user … --db X` both work, and the
    # subcommand's own unset option does not overwrite the group's
    parser.add_argument("--db", metavar="URL", default=default,
                        help=f"database URL (default: ${ENV_DB}, else [server] db of the config file, else a SQLite "
                        "file in the user data folder)")


def _db_url(args: argparse.Namespace) -> str:
    from agent_desktop.cli.options import command_config  # noqa: PLC0415

    # option > environment > config file [server] db (whose default is the SQLite file in [paths] data_dir)
    config = command_config(args)
    return getattr(args, "db", None) or config.environment.get(ENV_DB) or config.server.db


def _listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise SyncError(f"--listen wants HOST:PORT, got {text!r}", code="bad_listen")
    return host.strip("[]"), int(port)


def _store(args: argparse.Namespace) -> CentralStore:
    from sync.server.db import create_engine, migrate  # noqa: PLC0415
    from sync.server.store import CentralStore  # noqa: PLC0415

    engine = create_engine(_db_url(args))
    migrate(engine)
    return CentralStore(engine)


def run_add_user(args: argparse.Namespace) -> int:
    store = _store(args)
    try:
        token = store.add_user(args.name, args.role, args.unit, replace=args.replace)
    finally:
        store.engine.dispose()
    print(f"user {args.name} ({args.role}{', ' + args.unit if args.unit else ''}) — token (shown once, keep it "
          "secret):", file=sys.stderr)
    print(token)
    return 0


def run_users(args: argparse.Namespace) -> int:
    store = _store(args)
    try:
        for user, disabled in store.list_users():
            print(f"{user.user_id}\t{user.role.value}\t{user.unit or ''}" + ("\tdisabled" if disabled else ""))
    finally:
        store.engine.dispose()
    return 0


def run_disable_user(args: argparse.Namespace) -> int:
    store = _store(args)
    try:
        store.set_disabled(args.name, not args.enable)
    finally:
        store.engine.dispose()
    print(f"user {args.name} {'enabled' if args.enable else 'disabled'}")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    from sync.server.db import create_engine, migrate, safe_url  # noqa: PLC0415

    url = _db_url(args)
    engine = create_engine(url)
    try:
        revision = migrate(engine)
    finally:
        engine.dispose()
    print(f"{safe_url(url)}: schema at revision {revision}")
    return 0


def run_seed_kb(args: argparse.Namespace) -> int:
    from sync.kb_index import load_seed_entries  # noqa: PLC0415

    entries = load_seed_entries(args.file)
    store = _store(args)
    try:
        added = store.import_kb_entries(entries)
    finally:
        store.engine.dispose()
    print(f"{added} of {len(entries)} knowledge-base entries imported")
    return 0


def _field_cipher(args: argparse.Namespace) -> FieldCipher | None:
    """The centre's field key: `--field-key`, else `[server] field_key_file`, else none."""
    from pathlib import Path  # noqa: PLC0415

    from agent_desktop.cli.options import command_config  # noqa: PLC0415
    from agent_desktop.core.privacy import FieldCipher, load_key_file  # noqa: PLC0415

    path = Path(args.field_key).expanduser() if args.field_key else command_config(args).server.field_key_file
    if path is None:
        return None
    cipher = FieldCipher(load_key_file(path))
    logging.getLogger(__name__).info("the centre holds the field key %s (key id %s)", path, cipher.key_id)
    return cipher


def run_serve(args: argparse.Namespace) -> int:
    import asyncio  # noqa: PLC0415
    import signal  # noqa: PLC0415

    from sync.server.app import CentralServer, tls_context  # noqa: PLC0415

    if bool(args.tls_cert) != bool(args.tls_key):
        raise SyncError("TLS needs both --tls-cert and --tls-key", code="tls_error")
    from agent_desktop.cli.options import command_config  # noqa: PLC0415

    host, port = _listen(args.listen or command_config(args).server.listen)
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    context = tls_context(args.tls_cert, args.tls_key) if args.tls_cert else None
    cipher = _field_cipher(args)

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):  # before the "listening" line: a stop may follow it at once
            loop.add_signal_handler(sig, stop.set)
        server = CentralServer(_db_url(args), host=host, port=port, ssl_context=context,
                               survey_settings=command_config(args).survey, cipher=cipher)
        await server.start()
        try:
            print(f"listening on {server.url}", flush=True)
            await stop.wait()
        finally:
            await server.stop()

    asyncio.run(serve())
    return 0
