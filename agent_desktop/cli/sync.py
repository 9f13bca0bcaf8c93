"""`agent-desktop sync`: the seat's local store and its sync with the central ticket store.

    agent-desktop sync status [--store FILE] [--json] [--limit N]
    agent-desktop sync run --url ws://HOST:PORT [--store FILE] [--seat SEAT] [--token-file FILE]
                           [--until-synced] [--timeout SECONDS]

`status` reads the store (default: `seat-store.sqlite3` in the data directory of the configuration) and prints the
queue depth (operations saved here and not yet acknowledged by the center), the change cursor, the last ack, the
last sync error, the rejections not yet dismissed and the pending operations in push order. It never connects.

`run` syncs the store with a center: pushes the queue and applies the changes made elsewhere, reconnecting with
backoff until interrupted — or, with `--until-synced`, until the queue is empty and the backlog is received. The
token is read from `--token-file` or the AGENT_DESKTOP_SYNC_TOKEN environment variable, never from the command
line (it would show in the process list).
"""

from __future__ import annotations

import argparse
import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from agent_desktop.app import App, AppParts, SyncParts
from agent_desktop.cli.options import command_config, stop_on_signals
from agent_desktop.core.errors import ConfigError, SyncError

EXIT_OK = 0
EXIT_NOT_SYNCED = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    sync = subparsers.add_parser(
        "sync",
        help="the seat's outbox and its sync with the central ticket store",
        description="The seat's local store (work orders, outbox, cursor) and its sync with the center.",
    )
    commands = sync.add_subparsers(dest="sync_command", metavar="SUBCOMMAND")
    commands.required = True

    status = commands.add_parser(
        "status",
        help="queue depth, cursor, last ack, last error and the pending operations",
        description="Show the local store's sync state: what is waiting to reach the center and what came back.",
    )
    status.add_argument("--store", metavar="FILE", help="the local store (default: the user data directory)")
    status.add_argument("--limit", type=int, default=50, metavar="N", help="list at most N pending operations")
    status.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    status.set_defaults(handler=run_status)

    run = commands.add_parser(
        "run",
        help="sync the local store with a center (push the queue, receive changes)",
        description="Connect to the center and sync until interrupted (or, with --until-synced, until done).",
    )
    run.add_argument("--url", metavar="URL",
                     help="the center: ws://HOST:PORT or wss://HOST:PORT (default: [sync] url of the config file)")
    run.add_argument("--store", metavar="FILE", help="the local store (default: the user data directory)")
    run.add_argument("--seat", metavar="SEAT", help="this seat's name (for the center's logs)")
    run.add_argument("--token-file", metavar="FILE", help="file holding the token (else AGENT_DESKTOP_SYNC_TOKEN)")
    run.add_argument("--ca-file", metavar="FILE", help="CA certificate to trust for wss://")
    run.add_argument("--until-synced", action="store_true", help="exit once the queue is empty and caught up")
    run.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                     help="with --until-synced: give up after SECONDS (exit 3)")
    run.set_defaults(handler=run_sync)


def _store_path(args: argparse.Namespace) -> Path:
    if args.store:
        return Path(args.store).expanduser()
    # [sync] store of the config file; its default is the seat store in [paths] data_dir
    return command_config(args).sync.store


def run_status(args: argparse.Namespace) -> int:
    from sync.local_store import LocalStore  # noqa: PLC0415 (sqlalchemy is heavy; only this command needs it)

    path = _store_path(args)
    if not path.is_file():
        raise SyncError(f"no local store at {path} (nothing has been saved on this seat yet)", code="no_store")
    with LocalStore(path) as store:
        status = store.status(list_pending=max(0, args.limit))
        rejections = store.rejections()
    data = {
        "store": str(status.path),
        "client_id": status.client_id,
        "queue_depth": status.queue_depth,
        "cursor": status.cursor,
        "last_ack_at": _iso(status.last_ack_at),
        "last_sync_at": _iso(status.last_sync_at),
        "last_error": status.last_error,
        "last_error_at": _iso(status.last_error_at),
        "rejections": [
            {"op_id": r.op_id, "order_id": r.order_id, "action": r.operation["command"]["action"], "code": r.code,
             "reason": r.text, "rejected_at": _iso(r.rejected_at)}
            for r in rejections
        ],
        "pending": [
            {"seq": p.seq, "op_id": p.op_id, "order_id": p.order_id, "action": p.action, "made_at": _iso(p.at)}
            for p in status.pending
        ],
    }
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"本地存储 store:        {data['store']}")
    print(f"待同步 queue depth:    {status.queue_depth}")
    print(f"游标 cursor:           {status.cursor if status.cursor is not None else '-'}")
    print(f"最近确认 last ack:     {data['last_ack_at'] or '-'}")
    print(f"最近同步 last sync:    {data['last_sync_at'] or '-'}")
    error = f"{status.last_error} ({data['last_error_at']})" if status.last_error else "-"
    print(f"最近错误 last error:   {error}")
    if rejections:
        print(f"被退回的操作 rejected ({len(rejections)}):")
        for item in data["rejections"]:
            print(f"  {item['order_id']}  {item['action']}  {item['code']}: {item['reason']}")
    if status.pending:
        shown = len(status.pending)
        more = f", first {shown}" if shown < status.queue_depth else ""
        print(f"待推送操作 pending ({status.queue_depth}{more}):")
        for item in data["pending"]:
            print(f"  #{item['seq']}  {item['order_id']}  {item['action']}  {item['made_at']}  {item['op_id']}")
    return EXIT_OK


def run_sync(args: argparse.Namespace) -> int:
    # options win; what they leave out comes from the config file's [sync] table
    config = command_config(args)
    args.url = args.url or config.sync.url
    if not args.url:
        raise ConfigError("no center: give --url or set [sync] url in the config file", code="missing_url")
    args.seat = args.seat or config.sync.seat
    args.ca_file = args.ca_file or (str(config.sync.ca_file) if config.sync.ca_file is not None else None)
    token = _read_token(args.token_file, config)
    return _sync(args, token)


def _sync(args: argparse.Namespace, token: str) -> int:
    """The sync service on the application's runtime (`agent_desktop.app`); this thread waits for Ctrl-C, or for
    the queue to be empty and the backlog received (`--until-synced`)."""
    from sync.client import SyncState  # noqa: PLC0415
    from sync.service import SyncSettings  # noqa: PLC0415

    settings = SyncSettings(url=args.url, token=token, seat=args.seat, ca_file=args.ca_file)
    app = App(AppParts(sync=SyncParts(_store_path(args), settings)))
    stop = threading.Event()
    with stop_on_signals(stop):
        try:
            app.build()
            assert app.sync is not None and app.sync.client is not None
            client = app.sync.client
            app.sync.on_status(_print_status)
            app.start()
            if not args.until_synced:
                stop.wait()  # until Ctrl-C
                raise KeyboardInterrupt
            try:
                app.runtime.run(client.wait_synced(args.timeout if args.timeout is not None else 10**9))
            except TimeoutError:
                return EXIT_NOT_SYNCED
            if client.status.state is SyncState.FAILED:
                raise SyncError(f"sync failed: {client.status.last_error}", code="sync_failed")
            return EXIT_OK
        finally:
            app.stop()


def _print_status(status: Any) -> None:
    error = f"  error: {status.last_error}" if status.last_error else ""
    print(f"sync: {status.state.value}  queue {status.queue_depth}  in flight {status.in_flight}  "
          f"cursor {status.cursor if status.cursor is not None else '-'}{error}", flush=True)


def _read_token(token_file: str | None, config: Any) -> str:
    if token_file:
        from agent_desktop.config import read_token_file  # noqa: PLC0415

        token = read_token_file(token_file)  # refused when others may read it
    else:
        # AGENT_DESKTOP_SYNC_TOKEN always works; [sync] token_env may name another variable
        from agent_desktop.settings import sync_token  # noqa: PLC0415

        token = sync_token(config) or ""
    if not token:
        raise ConfigError(f"no sync token: give --token-file or set AGENT_DESKTOP_SYNC_TOKEN "
                          f"(or {config.sync.token_env})", code="missing_token")
    return token


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None
