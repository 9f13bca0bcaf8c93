"""A test-side AudioSocket peer: plays Asterisk's part, sending a WAV's samples as 20 ms frames over TCP.

Pacing is against the loop clock (frame i leaves at start + i × 20 ms / pace), like Asterisk's stream of a live
call. Whatever the server sends back is read and kept, so silence replies can be checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import uuid
from dataclasses import dataclass, field

from asr.audiosocket.codec import Frame, FrameDecoder, encode_audio, encode_hangup, encode_uuid

FRAME_S = 0.02


@dataclass
class PeerResult:
    replies: list[Frame] = field(default_factory=list)
    frames_sent: int = 0
    dropped: bool = False  # the server closed the connection before everything was sent


def audio_frames(pcm: bytes, sample_rate_hz: int, frame_ms: int = 20) -> list[bytes]:
    size = sample_rate_hz * frame_ms // 1000 * 2
    return [encode_audio(pcm[i : i + size], sample_rate_hz) for i in range(0, len(pcm), size) if pcm[i : i + size]]


async def play(
    port: int,
    stream_uuid: uuid.UUID,
    pcm: bytes,
    sample_rate_hz: int,
    *,
    pace: float = 1.0,
    end: str = "close",  # close | reset | hangup
    extra: bytes = b"",  # raw bytes sent after the audio (fault injection)
    host: str = "127.0.0.1",
) -> PeerResult:
    reader, writer = await asyncio.open_connection(host, port)
    result = PeerResult()
    decoder = FrameDecoder()

    async def read_replies() -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                result.replies += decoder.feed(data)

    replies = asyncio.create_task(read_replies())
    try:
        await _send(writer, result, stream_uuid=stream_uuid, pcm=pcm, sample_rate_hz=sample_rate_hz, pace=pace,
                    end=end, extra=extra)
    except ConnectionError:
        result.dropped = True
    finally:
        if end == "reset":
            reset(writer)
        else:
            writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
        replies.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await replies
    return result


async def _send(
    writer: asyncio.StreamWriter,
    result: PeerResult,
    *,
    stream_uuid: uuid.UUID,
    pcm: bytes,
    sample_rate_hz: int,
    pace: float,
    end: str,
    extra: bytes,
) -> None:
    writer.write(encode_uuid(stream_uuid))
    loop = asyncio.get_running_loop()
    start = loop.time()
    for index, frame in enumerate(audio_frames(pcm, sample_rate_hz)):
        delay = start + index * FRAME_S / pace - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        writer.write(frame)
        result.frames_sent += 1
        await writer.drain()
    if extra:
        writer.write(extra)
    if end == "hangup":
        writer.write(encode_hangup())
    await writer.drain()


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (SO_LINGER 0), as Asterisk does when replies are left unread at hangup."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def send_raw(port: int, data: bytes, *, end: str = "close", host: str = "127.0.0.1") -> None:
    """Connect, send `data` as it is, then close or reset."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(data)
    await writer.drain()
    if end == "reset":
        # let the server read the bytes first, so the reset arrives after them (as with Asterisk)
        await asyncio.sleep(0)
        reset(writer)
    else:
        writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
    del reader
