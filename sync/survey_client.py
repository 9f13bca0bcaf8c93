"""The survey dialer's side of the central store: `claim`, `finish`, `orphans`, `release` and `status` over the
websocket, as the least-privilege user of role `survey` (see `sync.server.survey` for what the centre does with them).

One connection, opened on first use and again after a failure; each request waits for its reply by request id.
A request whose connection fails raises `SyncError` (`store_unreachable`): the dialer retries a `finish` (idempotent
by attempt id) and simply claims again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl as ssl_module
import uuid
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from agent_desktop.core.errors import SyncError
from agent_desktop.core.survey import AttemptOutcome, ClaimedAttempt
from sync import protocol
from sync.wire_log import wire_log

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_S = 30.0


class SurveyClient:
    def __init__(self, url: str, token: str, *, client_id: str | None = None,
                 ssl: ssl_module.SSLContext | None = None, timeout_s: float = REQUEST_TIMEOUT_S) -> None:
        self.url = url
        self._token = token
        self.client_id = client_id or str(uuid.uuid4())
        self._ssl = ssl
        self.timeout_s = timeout_s
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[str, asyncio.Future[protocol.SurveyReply]] = {}
        self._lock = asyncio.Lock()
        self.role: str | None = None

    async def _connection(self) -> ClientConnection:
        async with self._lock:
            if self._ws is not None:
                return self._ws
            try:
                ws = await connect(self.url, ssl=self._ssl, proxy=None, max_size=protocol.MAX_MESSAGE_BYTES,
                                   open_timeout=10, close_timeout=2, logger=wire_log("websockets.client"))
                await ws.send(protocol.encode(protocol.Hello(token=self._token, client_id=self.client_id)))
                welcome = protocol.decode_server_message(await asyncio.wait_for(ws.recv(), 10))
            except (OSError, TimeoutError, WebSocketException) as exc:
                raise SyncError(f"cannot reach the central store at {self.url}: {exc}",
                                code="store_unreachable") from exc
            if isinstance(welcome, protocol.Error):
                await ws.close()
                raise SyncError(f"the central store refused the survey user: {welcome.message}", code=welcome.code)
            assert isinstance(welcome, protocol.Welcome)
            self.role = welcome.role
            self._ws = ws
            self._reader = asyncio.create_task(self._read(ws), name="survey-client-reader")
            return ws

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                try:
                    message = protocol.decode_server_message(raw)
                except SyncError as exc:
                    log.warning("survey client: a bad frame from the centre: %s", exc)
                    continue
                if isinstance(message, protocol.SurveyReply):
                    future = self._pending.pop(message.request_id, None)
                    if future is not None and not future.done():
                        future.set_result(message)
                elif isinstance(message, protocol.Error):
                    log.warning("survey client: the centre says %s: %s", message.code, message.message)
        except WebSocketException:
            pass
        finally:
            if self._ws is ws:
                self._ws = None
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(SyncError("the connection to the central store was lost",
                                                   code="store_unreachable"))
            self._pending.clear()

    async def request(self, verb: protocol.SurveyVerb, body: dict[str, Any] | None = None) -> dict[str, Any]:
        ws = await self._connection()
        request = protocol.SurveyRequest(str(uuid.uuid4()), verb, body or {})
        future: asyncio.Future[protocol.SurveyReply] = asyncio.get_running_loop().create_future()
        self._pending[request.request_id] = future
        try:
            await ws.send(protocol.encode(request))
            reply = await asyncio.wait_for(future, self.timeout_s)
        except (OSError, WebSocketException, TimeoutError) as exc:
            raise SyncError(f"no answer from the central store to survey {verb.value}: {exc!r}",
                            code="store_unreachable") from exc
        finally:
            self._pending.pop(request.request_id, None)
        if not reply.ok:
            raise SyncError(str(reply.body.get("message", reply.code)), code=reply.code or "refused")
        return reply.body

    async def claim(self, limit: int) -> list[ClaimedAttempt]:
        body = await self.request(protocol.SurveyVerb.CLAIM, {"limit": limit})
        return [ClaimedAttempt(c["attempt_id"], c["order_id"], c["number"], int(c["attempt_no"]), bool(c.get("sealed")))
                for c in body.get("claims", [])]

    async def finish(self, attempt_id: str, outcome: AttemptOutcome, digit: str | None,
                     recording: str | None) -> dict[str, Any]:
        return await self.request(protocol.SurveyVerb.FINISH, {
            "attempt_id": attempt_id, "outcome": AttemptOutcome(outcome).value, "digit": digit,
            "recording": recording})

    async def orphans(self) -> list[dict[str, Any]]:
        """Attempts counted interrupted and not retried: AstDB may hold their rating."""
        body = await self.request(protocol.SurveyVerb.ORPHANS)
        return list(body.get("attempts", []))

    async def release(self, attempt_ids: list[str]) -> list[str]:
        """Hand back attempts claimed and never placed; the ids the centre released."""
        body = await self.request(protocol.SurveyVerb.RELEASE, {"attempt_ids": list(attempt_ids)})
        return list(body.get("released", []))

    async def status(self) -> dict[str, Any]:
        return await self.request(protocol.SurveyVerb.STATUS)

    async def close(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
