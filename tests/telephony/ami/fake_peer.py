"""A tiny scripted AMI peer for connection-guard tests: real TCP on 127.0.0.1, port 0.

It is deliberately dumb (no call model — that is the simulator PBX's job): it answers Login/Ping/Filter/Logoff, lets a
test script replies per action, push raw bytes, go silent, or drop connections, and records what it received.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from telephony.ami.protocol import AmiMessage, AmiParser, encode_message

BANNER = b"Asterisk Call Manager/9.0.0\r\n"

Reply = Callable[["PeerConnection", AmiMessage], list[bytes] | None]


async def wait_until(condition: Callable[[], object], timeout: float = 5.0, what: str = "condition") -> None:
    """Wait for a condition with a timeout (never a fixed sleep)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


def frame(*pairs: tuple[str, str]) -> bytes:
    return encode_message(list(pairs))


@dataclass
class PeerConnection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    number: int
    received: list[AmiMessage] = field(default_factory=list)
    logged_in: bool = False
    challenge: str = ""

    def send(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)

    def abort(self) -> None:
        self.writer.transport.abort()


class FakePeer:
    def __init__(self, *, username: str = "desk", secret: str = "s3cret", fully_booted: bool = True):
        self.username = username
        self.secret = secret
        self.fully_booted = fully_booted
        self.silent = False  # stop answering anything (a hung Asterisk)
        self.silent_connections: set[int] = set()
        self.replies: dict[str, Reply] = {}
        self.connections: list[PeerConnection] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    @property
    def live(self) -> list[PeerConnection]:
        return [c for c in self.connections if not c.writer.is_closing()]

    def actions(self, name: str) -> list[AmiMessage]:
        return [m for c in self.connections for m in c.received if (m.action or "").lower() == name.lower()]

    async def start(self) -> FakePeer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for connection in self.connections:
            connection.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def push(self, data: bytes) -> None:
        for connection in self.live:
            connection.send(data)

    def drop_all(self) -> None:
        for connection in self.live:
            connection.abort()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        connection = PeerConnection(reader, writer, len(self.connections) + 1)
        self.connections.append(connection)
        parser = AmiParser()
        writer.write(BANNER)
        try:
            while data := await reader.read(65536):
                for message in parser.feed(data):
                    connection.received.append(message)
                    if self.silent or connection.number in self.silent_connections:
                        continue
                    self._answer(connection, message)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._tasks.discard(task)

    def _proves_secret(self, connection: PeerConnection, message: AmiMessage) -> bool:
        if (message.get("AuthType") or "").lower() == "md5":
            expected = hashlib.md5((connection.challenge + self.secret).encode()).hexdigest()
            return bool(connection.challenge) and message.get("Key") == expected
        return message.get("Secret") == self.secret

    def _answer(self, connection: PeerConnection, message: AmiMessage) -> None:
        name = (message.action or "").lower()
        action_id = message.action_id or ""
        custom = self.replies.get(name)
        if custom is not None:
            frames = custom(connection, message)
            if frames is not None:
                for data in frames:
                    connection.send(data)
                return
        if name == "challenge":
            connection.challenge = "482913570"
            connection.send(frame(("Response", "Success"), ("ActionID", action_id),
                                  ("Challenge", connection.challenge)))
        elif name == "login":
            if message.get("Username") == self.username and self._proves_secret(connection, message):
                connection.logged_in = True
                connection.send(frame(("Response", "Success"), ("ActionID", action_id),
                                      ("Message", "Authentication accepted")))
                if self.fully_booted:
                    connection.send(frame(("Event", "FullyBooted"), ("Privilege", "system,all"),
                                          ("Status", "Fully Booted")))
            else:
                connection.send(frame(("Response", "Error"), ("ActionID", action_id),
                                      ("Message", "Authentication failed")))
                connection.writer.close()
        elif not connection.logged_in:
            connection.send(frame(("Response", "Error"), ("ActionID", action_id), ("Message", "Permission denied")))
        elif name == "ping":
            connection.send(frame(("Response", "Success"), ("ActionID", action_id), ("Ping", "Pong"),
                                  ("Timestamp", "1795702464.056981")))
        elif name == "filter":
            connection.send(frame(("Response", "Success"), ("ActionID", action_id), ("Message", "Filter Added")))
        elif name == "logoff":
            connection.send(frame(("Response", "Goodbye"), ("ActionID", action_id),
                                  ("Message", "Thanks for all the fish.")))
            connection.writer.close()
        else:
            connection.send(frame(("Response", "Error"), ("ActionID", action_id),
                                  ("Message", "Invalid/unknown command")))
