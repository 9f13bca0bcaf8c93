"""The AudioSocket frame codec: pure bytes in, frames out (and back). No sockets, no asyncio.

Wire format (Asterisk res_audiosocket.h, tech-brief §3.1): every message is
    1 byte kind | 2 bytes payload length, BIG-endian | payload
and audio payloads are signed 16-bit mono PCM, LITTLE-endian. Kinds:

    0x00 hangup        (no payload)               0x01 UUID   (16 raw bytes; the first frame Asterisk sends)
    0x03 DTMF          (1 ASCII byte)             0xff error  (optional application-specific code)
    0x10 slin   8 kHz  0x11 slin12 (12 kHz)  0x12 slin16 (16 kHz)  0x13 slin24  0x14 slin32
    0x15 slin44 (44.1 kHz)  0x16 slin48  0x17 slin96  0x18 slin192   (0x11–0x18 from Asterisk 20.17 / 22.7 on)

A doc PR once labelled 0x11 as 16 kHz; the header and current docs say 0x11 = 12 kHz, 0x12 = 16 kHz.

`FrameDecoder` is incremental: feed it whatever chunks TCP delivers (a frame may be split anywhere, several may
arrive at once) and it returns the complete frames. A protocol violation (unknown kind, oversize or malformed
payload) raises `AudioSocketError` and poisons the decoder: after garbage there is no way to find the next frame
boundary again, so the stream it belongs to must end. `finish()` at end of stream reports a truncated last frame.
Frames are never assumed to be 320 bytes (announcements produce odd sizes; audio-fork.md pitfall 6).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import IntEnum
from typing import NoReturn

from agent_desktop.core.errors import AsrError

HEADER_BYTES = 3
MAX_WIRE_PAYLOAD_BYTES = 0xFFFF
# 20 ms of 192 kHz slin is 7 680 bytes; nothing legitimate comes near this. Bigger frames are hostile or garbage.
DEFAULT_MAX_PAYLOAD_BYTES = 16_384
BYTES_PER_SAMPLE = 2
FRAME_MS = 20


class FrameKind(IntEnum):
    HANGUP = 0x00
    UUID = 0x01
    DTMF = 0x03
    SLIN_8K = 0x10
    SLIN_12K = 0x11
    SLIN_16K = 0x12
    SLIN_24K = 0x13
    SLIN_32K = 0x14
    SLIN_44K = 0x15
    SLIN_48K = 0x16
    SLIN_96K = 0x17
    SLIN_192K = 0x18
    ERROR = 0xFF


AUDIO_RATES_HZ: dict[FrameKind, int] = {
    FrameKind.SLIN_8K: 8_000,
    FrameKind.SLIN_12K: 12_000,
    FrameKind.SLIN_16K: 16_000,
    FrameKind.SLIN_24K: 24_000,
    FrameKind.SLIN_32K: 32_000,
    FrameKind.SLIN_44K: 44_100,
    FrameKind.SLIN_48K: 48_000,
    FrameKind.SLIN_96K: 96_000,
    FrameKind.SLIN_192K: 192_000,
}
_KIND_OF_RATE: dict[int, FrameKind] = {rate: kind for kind, rate in AUDIO_RATES_HZ.items()}
_KNOWN_KINDS = frozenset(int(kind) for kind in FrameKind)


class AudioSocketError(AsrError):
    """The peer broke the AudioSocket protocol (remote error), or we were asked to encode something invalid."""

    code = "audiosocket_protocol"


@dataclass(frozen=True, slots=True)
class Frame:
    """One AudioSocket message. `payload` is exactly what was on the wire."""

    kind: FrameKind
    payload: bytes = b""

    @property
    def is_audio(self) -> bool:
        return self.kind in AUDIO_RATES_HZ

    @property
    def sample_rate_hz(self) -> int:
        """The audio frame's sample rate; AudioSocketError for a non-audio frame."""
        try:
            return AUDIO_RATES_HZ[self.kind]
        except KeyError:
            raise AudioSocketError(f"frame kind 0x{self.kind:02x} carries no audio", code="not_audio") from None

    @property
    def duration_s(self) -> float:
        return len(self.payload) / BYTES_PER_SAMPLE / self.sample_rate_hz

    @property
    def stream_uuid(self) -> uuid.UUID:
        if self.kind is not FrameKind.UUID:
            raise AudioSocketError(f"frame kind 0x{self.kind:02x} carries no UUID", code="not_uuid")
        return uuid.UUID(bytes=self.payload)

    @property
    def digit(self) -> str:
        if self.kind is not FrameKind.DTMF:
            raise AudioSocketError(f"frame kind 0x{self.kind:02x} carries no DTMF digit", code="not_dtmf")
        return self.payload.decode("ascii")

    @property
    def error_code(self) -> int | None:
        """The optional application-specific code of an error frame (first payload byte), else None."""
        return self.payload[0] if self.kind is FrameKind.ERROR and self.payload else None


# --- encoding ------------------------------------------------------------------------------------------------


def encode_frame(kind: FrameKind | int, payload: bytes = b"") -> bytes:
    if int(kind) not in _KNOWN_KINDS:
        raise AudioSocketError(f"unknown AudioSocket kind 0x{int(kind):02x}", code="unknown_kind")
    if len(payload) > MAX_WIRE_PAYLOAD_BYTES:
        raise AudioSocketError(
            f"payload of {len(payload)} bytes does not fit the 16-bit length field", code="oversize_frame"
        )
    return bytes((int(kind),)) + len(payload).to_bytes(2, "big") + payload


def audio_kind_for_rate(sample_rate_hz: int) -> FrameKind:
    try:
        return _KIND_OF_RATE[sample_rate_hz]
    except KeyError:
        allowed = ", ".join(str(rate) for rate in sorted(_KIND_OF_RATE))
        raise AudioSocketError(
            f"AudioSocket has no frame kind for {sample_rate_hz} Hz (allowed: {allowed})", code="unsupported_rate"
        ) from None


def encode_audio(pcm: bytes, sample_rate_hz: int = 8_000) -> bytes:
    """One audio frame of 16-bit little-endian mono `pcm` at `sample_rate_hz`."""
    if len(pcm) % BYTES_PER_SAMPLE:
        raise AudioSocketError(f"audio of {len(pcm)} bytes is not whole 16-bit samples", code="odd_audio_length")
    return encode_frame(audio_kind_for_rate(sample_rate_hz), pcm)


def encode_uuid(stream_uuid: uuid.UUID) -> bytes:
    return encode_frame(FrameKind.UUID, stream_uuid.bytes)


def encode_dtmf(digit: str) -> bytes:
    if len(digit) != 1 or digit not in "0123456789*#ABCD":
        raise AudioSocketError(f"not a DTMF digit: {digit!r}", code="bad_dtmf")
    return encode_frame(FrameKind.DTMF, digit.encode("ascii"))


def encode_hangup() -> bytes:
    return encode_frame(FrameKind.HANGUP)


def silence_frame(sample_rate_hz: int = 8_000, duration_ms: int = FRAME_MS) -> bytes:
    """A frame of digital silence: what a server sends back to keep the AudioSocket() dialplan app alive."""
    samples = sample_rate_hz * duration_ms // 1000
    return encode_audio(bytes(samples * BYTES_PER_SAMPLE), sample_rate_hz)


# --- decoding ------------------------------------------------------------------------------------------------


class FrameDecoder:
    """Incremental decoder of one AudioSocket byte stream.

    `feed(chunk)` returns every frame completed by the chunk, in order. On a protocol violation it raises
    `AudioSocketError` (code `unknown_kind`, `oversize_frame` or `bad_payload`) and every later call raises the same
    error: the stream is lost from that byte on. `finish()` raises `truncated_frame` if a frame was cut off.
    """

    def __init__(self, *, max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES) -> None:
        if not 0 < max_payload_bytes <= MAX_WIRE_PAYLOAD_BYTES:
            raise ValueError(f"max_payload_bytes must be in 1..{MAX_WIRE_PAYLOAD_BYTES}")
        self._max_payload = max_payload_bytes
        self._buffer = bytearray()
        self._failure: AudioSocketError | None = None
        self._offset = 0  # bytes of the stream consumed so far, for error messages

    @property
    def pending_bytes(self) -> int:
        """Bytes of an incomplete frame held back, waiting for the rest."""
        return len(self._buffer)

    @property
    def failed(self) -> bool:
        return self._failure is not None

    def feed(self, data: bytes) -> list[Frame]:
        if self._failure is not None:
            raise self._failure
        self._buffer += data
        frames: list[Frame] = []
        while len(self._buffer) >= HEADER_BYTES:
            kind_byte = self._buffer[0]
            length = int.from_bytes(self._buffer[1:3], "big")
            if kind_byte not in _KNOWN_KINDS:
                self._fail(f"unknown AudioSocket kind 0x{kind_byte:02x}", "unknown_kind", kind=kind_byte)
            if length > self._max_payload:
                self._fail(
                    f"AudioSocket frame of {length} bytes exceeds the limit of {self._max_payload}",
                    "oversize_frame",
                    kind=kind_byte,
                    length=length,
                )
            if len(self._buffer) < HEADER_BYTES + length:
                break
            payload = bytes(self._buffer[HEADER_BYTES : HEADER_BYTES + length])
            frame = Frame(FrameKind(kind_byte), payload)
            self._check_payload(frame)
            del self._buffer[: HEADER_BYTES + length]
            self._offset += HEADER_BYTES + length
            frames.append(frame)
        return frames

    def finish(self) -> None:
        """Declare the end of the stream: a frame cut off at the end is an error (`truncated_frame`)."""
        if self._failure is not None:
            raise self._failure
        if self._buffer:
            self._fail(
                f"stream ended inside a frame ({len(self._buffer)} byte(s) of an incomplete frame)",
                "truncated_frame",
                pending=len(self._buffer),
            )

    def _check_payload(self, frame: Frame) -> None:
        size = len(frame.payload)
        if frame.kind is FrameKind.UUID and size != 16:
            self._fail(f"UUID frame of {size} bytes (expected 16)", "bad_payload", kind=int(frame.kind))
        if frame.kind is FrameKind.DTMF and (size != 1 or not 0x20 < frame.payload[0] < 0x7F):
            self._fail(f"DTMF frame with payload {frame.payload!r} (expected one ASCII digit)", "bad_payload")
        if frame.kind is FrameKind.HANGUP and size:
            self._fail(f"hangup frame with a {size}-byte payload", "bad_payload", kind=int(frame.kind))
        if frame.is_audio and size % BYTES_PER_SAMPLE:
            self._fail(f"audio frame of {size} bytes is not whole 16-bit samples", "bad_payload", kind=int(frame.kind))

    def _fail(self, message: str, code: str, **details: int) -> NoReturn:
        self._failure = AudioSocketError(f"{message} at stream byte {self._offset}", code=code, details=details)
        raise self._failure


def decode_all(data: bytes, *, max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES) -> list[Frame]:
    """Decode a complete recorded stream (e.g. tests/data/ami/audiosocket.bin, a real Asterisk 20 capture)."""
    decoder = FrameDecoder(max_payload_bytes=max_payload_bytes)
    frames = decoder.feed(data)
    decoder.finish()
    return frames
