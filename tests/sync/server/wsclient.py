"""A minimal websocket client for the server tests (the real client is sync/client.py, tested on its own): it
speaks the protocol through `sync.protocol`, keeps every message it received, and waits on conditions with a
timeout, never for a fixed time."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from sync import protocol

TIMEOUT = 10.0


class WsClient:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.received: list[Any] = []
        self.frames: list[Any] = []  # as they came (batches not unpacked)
        self.welcome: protocol.Welcome | None = None
        self._cond = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())
        self.closed = asyncio.Event()
        self.error: Exception | None = None

    @classmethod
    async def open(cls, url: str, token: str, *, resume_from: int = 0, seat: str | None = "S01",
                   hello: bool = True, batch: bool = False, **kwargs: Any) -> WsClient:
        ws = await connect(url, max_size=None, proxy=None, open_timeout=TIMEOUT, **kwargs)
        client = cls(ws)
        if hello:
            await client.send(protocol.Hello(token=token, client_id=str(uuid.uuid4()), resume_from=resume_from,
                                             seat=seat, batch_changes=batch))
            first = await client.wait_for(lambda m: isinstance(m, protocol.Welcome | protocol.Error))
            if isinstance(first, protocol.Welcome):
                client.welcome = first
        return client

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                message = protocol.decode_server_message(raw)
                self.frames.append(message)
                # a batch counts as its changes, in order, so the tests read both forms the same way
                messages = message.items if isinstance(message, protocol.ChangeBatch) else (message,)
                async with self._cond:
                    self.received.extend(messages)
                    self._cond.notify_all()
        except Exception as exc:  # the tests look at `closed`, the close code, and `error` for a bad server frame
            self.error = exc
        finally:
            self.closed.set()
            async with self._cond:
                self._cond.notify_all()

    async def send(self, message: protocol.Message) -> None:
        await self.ws.send(protocol.encode(message))

    async def send_raw(self, data: str | bytes) -> None:
        await self.ws.send(data)

    async def wait_for(self, predicate: Callable[[Any], bool], *, timeout: float = TIMEOUT, after: int = 0) -> Any:
        """The first message from index `after` on that satisfies `predicate`."""

        async def find() -> Any:
            async with self._cond:
                seen = after
                while True:
                    for message in self.received[seen:]:
                        if predicate(message):
                            return message
                    seen = len(self.received)
                    if self.closed.is_set():
                        raise ConnectionError(f"closed before the expected message; got {self.received[-3:]}")
                    await self._cond.wait()
        return await asyncio.wait_for(find(), timeout)

    async def push(self, order_id: str, command: Any, *, base_version: int = 0, op_id: str | None = None,
                   made_at: datetime | None = None) -> Any:
        """Push one operation and return its ack or reject."""
        op_id = op_id or protocol.new_op_id()
        after = len(self.received)  # a replayed op_id must find its new answer, not the first one
        await self.send(protocol.Push(op_id=op_id, order_id=order_id, base_version=base_version, command=command,
                                      made_at=made_at or datetime.now(UTC)))
        return await self.answer(op_id, after=after)

    async def answer(self, op_id: str, *, after: int = 0) -> Any:
        return await self.wait_for(
            lambda m: isinstance(m, protocol.Ack | protocol.Reject) and m.op_id == op_id, after=after)

    def changes(self) -> list[protocol.Change]:
        return [m for m in self.received if isinstance(m, protocol.Change)]

    async def wait_change(self, order_id: str, version: int) -> protocol.Change:
        return await self.wait_for(
            lambda m: isinstance(m, protocol.Change) and m.order_id == order_id and m.version >= version)

    async def close(self) -> None:
        await self.ws.close()
        await self._reader


async def kb_push(client: WsClient, entry_id: str, command: Any, *, op_id: str | None = None) -> Any:
    """Push one knowledge-base operation and return its kb_ack or kb_reject."""
    op_id = op_id or protocol.new_op_id()
    after = len(client.received)
    await client.send(protocol.KbPush(op_id=op_id, entry_id=entry_id, command=command, made_at=datetime.now(UTC)))
    return await client.wait_for(
        lambda m: isinstance(m, protocol.KbAck | protocol.KbReject) and m.op_id == op_id, after=after)
