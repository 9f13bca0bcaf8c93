"""The AudioSocket codec against the real stream Asterisk 20 sent (reference/ami/audiosocket.bin), any chunking of
it, round trips, and every protocol violation."""

from __future__ import annotations

import itertools
import json
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_desktop.core.errors import AsrError
from asr.audiosocket.codec import (
    AUDIO_RATES_HZ,
    AudioSocketError,
    Frame,
    FrameDecoder,
    FrameKind,
    audio_kind_for_rate,
    decode_all,
    encode_audio,
    encode_dtmf,
    encode_frame,
    encode_hangup,
    encode_uuid,
    silence_frame,
)
from tests.captures import AMI_CAPTURES

REFERENCE = AMI_CAPTURES  # the real Asterisk 20 captures, copied into the repo
BIN = REFERENCE / "audiosocket.bin"


@pytest.fixture(scope="module")
def capture() -> bytes:
    return BIN.read_bytes()


def test_reference_capture_decodes_to_uuid_481_audio_frames_and_dtmf(capture: bytes) -> None:
    summary = json.loads((REFERENCE / "audiosocket.json").read_text())
    frames = decode_all(capture)
    assert len(frames) == summary["frames"] == 483
    assert frames[0].kind is FrameKind.UUID
    assert frames[0].stream_uuid == uuid.UUID(summary["uuid"])
    audio = [f for f in frames if f.is_audio]
    assert len(audio) == 481
    assert {f.kind for f in audio} == {FrameKind.SLIN_8K}
    assert {f.sample_rate_hz for f in audio} == {8000}
    assert sum(len(f.payload) for f in audio) == summary["audio_bytes"]
    assert sum(f.duration_s for f in audio) == pytest.approx(summary["audio_seconds"], abs=0.01)
    dtmf = [f for f in frames if f.kind is FrameKind.DTMF]
    assert [f.digit for f in dtmf] == [summary["dtmf"]] == ["5"]
    # samples are little-endian: the second frame of the capture starts 2e fd = -722
    second = audio[1].payload
    assert second[:4].hex() == summary["first_frames"][2]["head"][:8]
    assert int.from_bytes(second[:2], "little", signed=True) == -722
    peak = max(abs(int.from_bytes(f.payload[i : i + 2], "little", signed=True))
               for f in audio for i in range(0, len(f.payload), 2))
    assert peak == summary["peak"]


def test_reference_capture_byte_by_byte_gives_the_same_frames(capture: bytes) -> None:
    decoder = FrameDecoder()
    frames: list[Frame] = []
    for i in range(len(capture)):
        frames += decoder.feed(capture[i : i + 1])
    decoder.finish()
    assert frames == decode_all(capture)


@given(cuts=st.lists(st.integers(min_value=0, max_value=155_216), max_size=30))
def test_reference_capture_split_anywhere_gives_the_same_frames(cuts: list[int]) -> None:
    data = BIN.read_bytes()
    bounds = sorted({0, len(data), *(c for c in cuts if c <= len(data))})
    decoder = FrameDecoder()
    frames: list[Frame] = []
    for start, stop in itertools.pairwise(bounds):
        frames += decoder.feed(data[start:stop])
        assert decoder.pending_bytes < 3 + 320
    decoder.finish()
    assert len(frames) == 483
    assert [f.digit for f in frames if f.kind is FrameKind.DTMF] == ["5"]


@pytest.mark.parametrize(
    ("kind", "rate"),
    [(0x10, 8000), (0x11, 12000), (0x12, 16000), (0x13, 24000), (0x14, 32000), (0x15, 44100), (0x16, 48000),
     (0x17, 96000), (0x18, 192000)],
)
def test_audio_kinds_and_their_rates(kind: int, rate: int) -> None:
    # 0x11 is 12 kHz and 0x12 is 16 kHz (res_audiosocket.h), not the 0x11 = 16 kHz of an old doc PR
    assert AUDIO_RATES_HZ[FrameKind(kind)] == rate
    assert audio_kind_for_rate(rate) == kind
    pcm = bytes(range(8)) * 4
    [frame] = decode_all(encode_audio(pcm, rate))
    assert (frame.kind, frame.sample_rate_hz, frame.payload) == (kind, rate, pcm)


@given(
    frames=st.lists(
        st.one_of(
            st.builds(lambda u: encode_uuid(uuid.UUID(int=u)), st.integers(0, 2**128 - 1)),
            st.builds(encode_dtmf, st.sampled_from("0123456789*#")),
            st.builds(
                lambda n, rate: encode_audio(bytes(n * 2), rate), st.integers(0, 400), st.sampled_from(list(
                    AUDIO_RATES_HZ.values()))
            ),
            st.just(encode_hangup()),
        ),
        max_size=20,
    ),
    chunk=st.integers(1, 700),
)
def test_encode_decode_round_trip_in_any_chunking(frames: list[bytes], chunk: int) -> None:
    wire = b"".join(frames)
    decoder = FrameDecoder()
    decoded: list[Frame] = []
    for i in range(0, len(wire), chunk):
        decoded += decoder.feed(wire[i : i + chunk])
    decoder.finish()
    assert [encode_frame(f.kind, f.payload) for f in decoded] == frames


def test_header_is_big_endian_and_samples_are_left_as_sent() -> None:
    wire = encode_audio(b"\x01\x00" * 300, 8000)
    assert wire[:3] == b"\x10\x02\x58"  # 600 bytes, big-endian
    assert encode_hangup() == b"\x00\x00\x00"
    assert encode_dtmf("5") == b"\x03\x00\x015"


def test_silence_frames_are_20_ms_of_zeros_in_the_streams_kind() -> None:
    assert silence_frame(8000) == b"\x10\x01\x40" + bytes(320)
    assert silence_frame(16000) == b"\x12\x02\x80" + bytes(640)


@pytest.mark.parametrize(
    ("wire", "code"),
    [
        (b"\x42\x00\x00", "unknown_kind"),
        (b"\x02\x00\x01x", "unknown_kind"),
        (b"GET / HTTP/1.1\r\n", "unknown_kind"),
        (b"\x10\xff\xff", "oversize_frame"),
        (b"\x01\x00\x04abcd", "bad_payload"),  # a UUID is 16 bytes
        (b"\x03\x00\x02" + b"55", "bad_payload"),
        (b"\x03\x00\x01\x00", "bad_payload"),
        (b"\x10\x00\x03abc", "bad_payload"),  # half a sample
        (b"\x00\x00\x01x", "bad_payload"),
    ],
)
def test_protocol_violations_raise_a_coded_error_and_poison_the_decoder(wire: bytes, code: str) -> None:
    decoder = FrameDecoder()
    good = encode_uuid(uuid.uuid4())
    assert len(decoder.feed(good)) == 1
    with pytest.raises(AudioSocketError) as caught:
        decoder.feed(wire)
    assert caught.value.code == code
    assert isinstance(caught.value, AsrError)
    assert "stream byte 19" in caught.value.message  # where in the stream it went wrong
    assert decoder.failed
    with pytest.raises(AudioSocketError):
        decoder.feed(good)  # nothing after garbage can be trusted


def test_truncated_last_frame_is_reported_at_finish() -> None:
    decoder = FrameDecoder()
    wire = encode_uuid(uuid.uuid4()) + encode_audio(bytes(320))
    assert len(decoder.feed(wire[:-5])) == 1
    assert decoder.pending_bytes == 3 + 315
    with pytest.raises(AudioSocketError) as caught:
        decoder.finish()
    assert caught.value.code == "truncated_frame"


def test_a_lower_payload_limit_is_enforced() -> None:
    decoder = FrameDecoder(max_payload_bytes=320)
    assert decoder.feed(encode_audio(bytes(320)))
    with pytest.raises(AudioSocketError) as caught:
        decoder.feed(encode_audio(bytes(322)))
    assert caught.value.code == "oversize_frame"
    with pytest.raises(ValueError):
        FrameDecoder(max_payload_bytes=0)


def test_frame_accessors_refuse_the_wrong_kind() -> None:
    audio = Frame(FrameKind.SLIN_8K, bytes(4))
    for accessor in ("stream_uuid", "digit"):
        with pytest.raises(AudioSocketError):
            getattr(audio, accessor)
    with pytest.raises(AudioSocketError):
        _ = Frame(FrameKind.DTMF, b"1").sample_rate_hz
    assert Frame(FrameKind.ERROR, b"\x07").error_code == 7
    assert Frame(FrameKind.ERROR).error_code is None


def test_encoding_refuses_invalid_frames() -> None:
    with pytest.raises(AudioSocketError):
        encode_audio(b"\x00", 8000)
    with pytest.raises(AudioSocketError) as caught:
        encode_audio(b"", 11025)
    assert caught.value.code == "unsupported_rate"
    with pytest.raises(AudioSocketError):
        encode_dtmf("55")
    with pytest.raises(AudioSocketError):
        encode_frame(0x42)
    with pytest.raises(AudioSocketError):
        encode_frame(FrameKind.SLIN_8K, bytes(70_000))
