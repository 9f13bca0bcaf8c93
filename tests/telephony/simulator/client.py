"""A bare AMI client for the simulator's tests: raw TCP, the AMI helper's parser, no panoramisk, no guards.

It keeps every message it receives, in order, so tests assert on sequences; waits are on conditions with a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Mapping
from typing import Any

from telephony.ami.protocol import AmiMessage, AmiParser, encode_action

_ids = itertools.count(1)


class AmiClient:
    def __init__(self) -> None:
        self.messages: list[AmiMessage] = []
        self.banner: str | None = None
        self.closed = asyncio.Event()
        self._changed = asyncio.Event()
        self._parser = AmiParser()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def connect(cls, port: int, *, login: bool = True, username: str = "desk", secret: str = "desk123",
                      events: str = "on") -> AmiClient:
        client = cls()
        client._reader, client._writer = await asyncio.open_connection("127.0.0.1", port)
        client._task = asyncio.get_running_loop().create_task(client._read())
        if login:
            reply = await client.action("Login", {"Username": username, "Secret": secret, "Events": events})
            assert reply.response == "Success", reply
        return client

    async def _read(self) -> None:
        assert self._reader is not None
        try:
            while data := await self._reader.read(65536):
                self.messages.extend(self._parser.feed(data))
                self.banner = self._parser.banner
                self._changed.set()
        except ConnectionError:
            pass
        self.messages.extend(self._parser.finish())
        self.closed.set()
        self._changed.set()

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        if self._task is not None:
            await self._task

    async def __aenter__(self) -> AmiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def send(self, name: str, fields: Mapping[str, Any] | None = None, action_id: str | None = None) -> str:
        assert self._writer is not None
        action_id = action_id or f"t-{next(_ids)}"
        self._writer.write(encode_action(name, fields or {}, action_id))
        return action_id

    def send_raw(self, data: bytes) -> None:
        assert self._writer is not None
        self._writer.write(data)

    async def wait_for(self, predicate: Callable[[AmiMessage], bool], timeout: float = 5.0, *,
                       start: int = 0) -> AmiMessage:
        async def look() -> AmiMessage:
            seen = start
            while True:
                for message in self.messages[seen:]:
                    if predicate(message):
                        return message
                seen = len(self.messages)
                if self.closed.is_set():
                    raise AssertionError("connection closed before the expected message")
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(look(), timeout)

    async def event(self, name: str, timeout: float = 5.0, **headers: str) -> AmiMessage:
        return await self.wait_for(
            lambda m: m.event == name and all(m.get(k) == v for k, v in headers.items()), timeout)

    async def action(self, name: str, fields: Mapping[str, Any] | None = None, timeout: float = 5.0) -> AmiMessage:
        action_id = self.send(name, fields)
        return await self.wait_for(lambda m: m.kind == "response" and m.action_id == action_id, timeout)

    async def list_action(self, name: str, fields: Mapping[str, Any] | None = None,
                          timeout: float = 5.0) -> tuple[AmiMessage, list[AmiMessage]]:
        action_id = self.send(name, fields)
        reply = await self.wait_for(lambda m: m.kind == "response" and m.action_id == action_id, timeout)
        if reply.response != "Success":
            return reply, []
        await self.wait_for(lambda m: m.action_id == action_id and m.get("EventList") == "Complete", timeout)
        items = [m for m in self.messages if m.kind == "event" and m.action_id == action_id
                 and m.get("EventList") != "Complete"]
        return reply, items

    def events(self, name: str | None = None) -> list[AmiMessage]:
        return [m for m in self.messages if m.kind == "event" and (name is None or m.event == name)]

    def index(self, predicate: Callable[[AmiMessage], bool]) -> int:
        return next(i for i, m in enumerate(self.messages) if predicate(m))
