"""Reading the centre's pre-fill feedback (a supervisor's `agent-desktop prefill evaluate`): one websocket connection,
the hello, then `feedback_read` pages until the last. The change log is not wanted here: the hello resumes from the
centre's newest cursor (its `/healthz` says which), and any change frame that still comes is skipped.

May import `agent_desktop.core`, `sync.protocol` and websockets.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import urllib.request
import uuid
from datetime import datetime

from websockets.asyncio.client import connect

from agent_desktop.core.errors import SyncError
from sync import protocol
from sync.wire_log import wire_log

PAGE = 200
TIMEOUT_S = 30.0


def _head_cursor(url: str, context: ssl.SSLContext | None) -> int:
    """The centre's newest change cursor, so the hello asks for no catch-up; 0 when the health check says nothing."""
    http_url = ("https" + url[3:] if url.startswith("wss") else "http" + url[2:]).rstrip("/") + "/healthz"
    try:
        with urllib.request.urlopen(http_url, timeout=5, context=context) as answer:
            cursor = json.loads(answer.read(4096)).get("cursor", 0)
    except (OSError, ValueError):
        return 0
    return cursor if isinstance(cursor, int) and 0 <= cursor <= protocol.MAX_CURSOR else 0


async def read_feedback(url: str, token: str, *, since: datetime | None = None, until: datetime | None = None,
                        ssl_context: ssl.SSLContext | None = None) -> list[protocol.FeedbackItem]:
    """Every feedback item the centre holds between `since` and `until`. Raises SyncError (the centre's code:
    `unauthorized`, `role_not_allowed`, ...) when it refuses."""
    if not url.startswith(("ws://", "wss://")):
        raise SyncError(f"the centre is a ws:// or wss:// URL, not {url[:40]!r}", code="bad_url")
    resume = await asyncio.to_thread(_head_cursor, url, ssl_context)
    items: list[protocol.FeedbackItem] = []
    async with connect(url, ssl=ssl_context, max_size=4 * protocol.MAX_MESSAGE_BYTES,
                       logger=wire_log("websockets.client"), open_timeout=TIMEOUT_S) as ws:
        await ws.send(protocol.encode(protocol.Hello(token=token, client_id=str(uuid.uuid4()), resume_from=resume,
                                                     batch_changes=True)))
        await _expect(ws, protocol.Welcome)
        after: str | None = None
        while True:
            request = protocol.FeedbackRead(request_id=str(uuid.uuid4()), after=after, since=since, until=until,
                                            limit=PAGE)
            await ws.send(protocol.encode(request))
            page = await _expect(ws, protocol.FeedbackPage)
            if page.request_id != request.request_id:
                raise SyncError("the centre answered another feedback request", code="bad_message")
            items.extend(page.items)
            if page.next is None:
                return items
            after = page.next


async def _expect(ws, kind: type) -> object:
    while True:
        raw = await asyncio.wait_for(ws.recv(), timeout=TIMEOUT_S)
        message = protocol.decode_server_message(raw)
        if isinstance(message, kind):
            return message
        if isinstance(message, protocol.Error) and message.code != "cursor_ahead":
            raise SyncError(f"the centre refused: {message.message}", code=message.code)
