"""`agent-desktop server` as real processes: the CLI (add-user, users, migrate), two servers sharing one PostgreSQL
with a client on each seeing the other's changes, and TLS."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from agent_desktop.core import lifecycle as lc
from sync import protocol
from sync.server.app import CentralServer, tls_context
from sync.server.db import create_engine, migrate
from tests.sync.server.conftest import LEAD
from tests.sync.server.test_server import OPEN
from tests.sync.server.wsclient import WsClient

CLI = [sys.executable, "-m", "agent_desktop"]
START_TIMEOUT = 30.0


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, **(env or {})})


@asynccontextmanager
async def server_process(db_url: str, *extra: str) -> AsyncIterator[str]:
    """A `agent-desktop server` subprocess on a free port; yields its ws:// URL; stopped with SIGTERM."""
    process = await asyncio.create_subprocess_exec(
        *CLI, "server", "--db", db_url, "--listen", "127.0.0.1:0", "--log-level", "WARNING", *extra,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
        match = re.search(r"(wss?://\S+)", line.decode())
        if match is None:
            assert process.stderr is not None
            raise AssertionError(f"no listening line: {line!r} {await process.stderr.read()!r}")
        yield match.group(1)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), START_TIMEOUT)
        assert process.returncode == 0, stderr.decode()[-2000:]


def test_add_user_prints_the_token_once_and_stores_only_its_hash(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    added = cli("server", "add-user", "yl-1", "--role", "unit", "--unit", "岳麓区", "--db", url)
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert token not in (tmp_path / "central.sqlite3").read_bytes().decode("latin-1")
    listed = cli("server", "--db", url, "users")
    assert listed.stdout.splitlines() == ["yl-1\tunit\t岳麓区"] and token not in listed.stdout
    again = cli("server", "add-user", "yl-1", "--role", "unit", "--unit", "岳麓区", "--db", url)
    assert again.returncode == 1 and "already exists" in again.stderr and again.stdout == ""
    no_unit = cli("server", "add-user", "u2", "--role", "unit", "--db", url)
    assert no_unit.returncode == 1 and "must name its unit" in no_unit.stderr
    migrated = cli("server", "migrate", "--db", url)
    assert migrated.returncode == 0 and "revision 0005" in migrated.stdout


async def test_a_disabled_users_token_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    token = cli("server", "add-user", "agent-9", "--role", "agent", "--db", url).stdout.strip()
    assert cli("server", "disable-user", "agent-9", "--db", url).returncode == 0
    assert cli("server", "users", "--db", url).stdout.splitlines() == ["agent-9\tagent\t\tdisabled"]
    server = CentralServer(url)
    await server.start()
    try:
        refused = await WsClient.open(server.url, token)
        assert refused.welcome is None and refused.received[0].code == "unauthorized"
        assert cli("server", "disable-user", "agent-9", "--enable", "--db", url).returncode == 0
        accepted = await WsClient.open(server.url, token)
        assert accepted.welcome is not None
        await accepted.close()
    finally:
        await server.stop()
    unknown = cli("server", "disable-user", "nobody", "--db", url)
    assert unknown.returncode == 1 and "no user nobody" in unknown.stderr


def test_the_default_database_is_a_file_in_the_user_data_folder(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    assert cli("server", "add-user", "a1", "--role", "agent", env=env).returncode == 0
    assert (tmp_path / "data" / "agent-desktop" / "central-store.sqlite3").is_file()


@pytest.mark.postgres
async def test_two_server_processes_share_postgresql_and_each_clients_see_the_others_changes(pg_url: str) -> None:
    agent_token = cli("server", "add-user", "agent-1", "--role", "agent", "--db", pg_url).stdout.strip()
    unit_token = cli("server", "add-user", "unit-yl", "--role", "unit", "--unit", LEAD, "--db", pg_url).stdout.strip()
    async with server_process(pg_url) as url_a, server_process(pg_url) as url_b:
        assert url_a != url_b
        agent = await WsClient.open(url_a, agent_token)
        unit = await WsClient.open(url_b, unit_token)
        watcher = await WsClient.open(url_b, agent_token)
        await agent.push("WO-2P", OPEN)
        await watcher.wait_change("WO-2P", 1)  # intake reaches a seat on the other process
        await agent.push("WO-2P", lc.Dispatch(LEAD), base_version=1)
        await unit.wait_change("WO-2P", 2)
        signed = await unit.push("WO-2P", lc.Sign(), base_version=2)  # on process B
        assert isinstance(signed, protocol.Ack) and signed.version == 3
        seen = await agent.wait_change("WO-2P", 3)  # and back to process A
        assert seen.order.signed_at is not None and seen.cursor == signed.cursor
        # both processes number changes from one sequence: the seat on A saw cursors 1, 2, 3 in order
        assert [c.cursor for c in agent.changes()] == [1, 2, 3]
        # pushes on both processes at once still get distinct, gap-free cursors
        acks = await asyncio.gather(*(c.push(f"WO-{i}", OPEN) for i, c in enumerate((agent, watcher) * 5)))
        assert sorted(a.cursor for a in acks) == list(range(4, 14))
        await watcher.wait_for(lambda m: isinstance(m, protocol.Change) and m.cursor == 13)
        assert [c.cursor for c in watcher.changes()] == [1, 2, 3, *range(4, 14)]
        for client in (agent, unit, watcher):
            await client.close()


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)

    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "server.crt", tmp_path / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


async def test_tls_serves_wss_and_refuses_a_client_that_does_not_trust_it(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    server = CentralServer(f"sqlite:///{tmp_path / 'c.sqlite3'}", ssl_context=tls_context(cert, key))
    await server.start()
    try:
        token = server.store.add_user("agent-1", "agent")
        assert server.url.startswith("wss://")
        trusting = ssl.create_default_context(cafile=str(cert))
        client = await WsClient.open(server.url, token, ssl=trusting)
        assert isinstance(await client.push("WO-TLS", OPEN), protocol.Ack)
        await client.close()
        with pytest.raises(ssl.SSLCertVerificationError):
            await WsClient.open(server.url, token, ssl=ssl.create_default_context())
    finally:
        await server.stop()


async def test_the_cli_serves_tls_when_given_a_certificate(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    token = cli("server", "add-user", "agent-1", "--role", "agent", "--db", url).stdout.strip()
    async with server_process(url, "--tls-cert", str(cert), "--tls-key", str(key)) as ws_url:
        assert ws_url.startswith("wss://")
        client = await WsClient.open(ws_url, token, ssl=ssl.create_default_context(cafile=str(cert)))
        assert client.welcome is not None and client.welcome.user_id == "agent-1"
        await client.close()
    half = cli("server", "--db", url, "--tls-cert", str(cert))
    assert half.returncode == 1 and "both --tls-cert and --tls-key" in half.stderr


@pytest.mark.postgres
async def test_server_processes_starting_together_on_a_fresh_database_migrate_it_once(pg_url: str) -> None:
    async with contextlib.AsyncExitStack() as stack:  # both processes launched before either has migrated
        urls = await asyncio.gather(*(stack.enter_async_context(server_process(pg_url)) for _ in range(3)))
        assert len(set(urls)) == 3
    migrated = cli("server", "migrate", "--db", pg_url)
    assert migrated.returncode == 0 and "revision 0005" in migrated.stdout


@pytest.mark.postgres
def test_concurrent_migrations_of_a_fresh_database_all_succeed(pg_url: str) -> None:
    engines = [create_engine(pg_url) for _ in range(4)]
    start = threading.Barrier(len(engines))
    revisions: list[str | None] = []

    def run(engine: sa.Engine) -> None:
        start.wait()
        revisions.append(migrate(engine))

    # daemon threads joined with a time limit: without the guard the migrations deadlock, and the test must then
    # fail (the database fixture's forced drop ends their sessions) rather than hang the whole run
    threads = [threading.Thread(target=run, args=(engine,), daemon=True) for engine in engines]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    if not stuck:
        for engine in engines:
            engine.dispose()
    assert stuck == 0, f"{stuck} concurrent migrations did not finish"
    assert revisions == ["0005"] * 4
