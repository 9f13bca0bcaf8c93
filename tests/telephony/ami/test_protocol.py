"""The pure AMI parser/encoder against the real Asterisk 20 captures and hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_desktop.core.errors import TelephonyError
from telephony.ami.capture import load_capture, read_capture
from telephony.ami.protocol import AmiMessage, AmiParser, encode_action, encode_message
from tests.captures import AMI_CAPTURES

REFERENCE = AMI_CAPTURES
CAPTURES = sorted(REFERENCE.glob("*.ami.raw"))
SENT = sorted(REFERENCE.glob("*.sent.raw"))


def test_the_captures_are_in_the_repository() -> None:
    # a clean checkout must replay them: an empty glob would silently parametrise nothing
    assert len(CAPTURES) >= 7
    assert len(SENT) >= 7


def _parse_all(data: bytes, chunks: list[int] | None = None, **kwargs: object) -> tuple[list[AmiMessage], AmiParser]:
    parser = AmiParser(**kwargs)  # type: ignore[arg-type]
    messages: list[AmiMessage] = []
    if chunks is None:
        messages += parser.feed(data)
    else:
        position = 0
        for size in chunks:
            messages += parser.feed(data[position : position + size])
            position += size
        messages += parser.feed(data[position:])
    messages += parser.finish()
    return messages, parser


def _listing(path: Path) -> list[tuple[str, str]]:
    """(`Event`|`Response`, name) per message of the readable `.events.txt` companion (banner line excluded)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] in ("Event:", "Response:"):
            rows.append((parts[1][:-1], parts[2]))
    return rows


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda p: p.name)
def test_every_reference_capture_parses_without_error(capture: Path) -> None:
    messages, parser = _parse_all(capture.read_bytes())
    assert parser.error_count == 0
    assert parser.banner == "Asterisk Call Manager/9.0.0"
    assert parser.ami_version == "9.0.0"
    assert messages and all(m.kind in ("event", "response") for m in messages)
    # the number of messages matches the human-readable listing recorded with the capture
    listing = capture.with_name(capture.name.replace(".ami.raw", ".events.txt"))
    if listing.exists():
        assert [("Event", m.event) if m.kind == "event" else ("Response", m.response) for m in messages] == _listing(
            listing
        )
    # the same through read_capture (the helper the tracker and simulator tests use)
    assert read_capture(capture) == messages


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda p: p.name)
def test_split_at_every_byte_boundary_gives_the_same_messages(capture: Path) -> None:
    data = capture.read_bytes()
    whole, _ = _parse_all(data)
    # One byte at a time: every byte boundary of the stream is a read boundary.
    one_by_one, parser = _parse_all(data, chunks=[1] * len(data))
    assert one_by_one == whole and parser.error_count == 0
    # Two reads cut at each boundary: all of them for small captures; for the big ones every boundary near a
    # message end, inside every non-ASCII character, and a stride through the rest.
    if len(data) <= 3000:
        boundaries = list(range(1, len(data)))
    else:
        interesting = {i for i, byte in enumerate(data) if byte >= 0x80}
        ends = []
        position = data.find(b"\r\n\r\n")
        while position >= 0:
            ends.append(position)
            position = data.find(b"\r\n\r\n", position + 1)
        for position in ends[::5]:  # every cut inside/around the blank line of every 5th message
            interesting.update(range(position - 1, position + 5))
        boundaries = sorted(interesting | set(range(1, len(data), 997)))
    for cut in boundaries:
        parser = AmiParser()
        got = parser.feed(data[:cut]) + parser.feed(data[cut:]) + parser.finish()
        assert got == whole, f"split at byte {cut}"
        assert parser.error_count == 0


def test_byte_by_byte_feed_of_the_survey_capture_keeps_the_chinese_name() -> None:
    data = (REFERENCE / "09_survey.ami.raw").read_bytes()
    messages, parser = _parse_all(data, chunks=[1] * len(data))
    names = {m["CallerIDName"] for m in messages if "CallerIDName" in m}
    assert "王女士" in names
    assert parser.error_count == 0


def test_chinese_name_split_inside_a_character_survives() -> None:
    frame = "Event: AgentCalled\r\nCallerIDName: 王女士\r\nQueue: hotline\r\n\r\n".encode()
    wang = "王".encode()
    start = frame.index(wang)
    for cut in (start + 1, start + 2):  # inside the 3-byte UTF-8 sequence of 王
        parser = AmiParser()
        first = parser.feed(frame[:cut])
        second = parser.feed(frame[cut:])
        assert first == []
        assert [m["CallerIDName"] for m in second] == ["王女士"]
        assert parser.error_count == 0


def test_message_accessors_case_insensitivity_and_repeated_headers() -> None:
    data = (
        b"Event: OriginateResponse\r\nPrivilege: call,all\r\nActionID: 42\r\nResponse: Success\r\n"
        b"Channel: Local/agent1@agents-00000001;1\r\nChanVariable: A=1\r\nChanVariable: B=2\r\n\r\n"
    )
    (message,) = AmiParser().feed(data)
    assert message.kind == "event"  # has a Response header, but it is an event (ami/README fact 2)
    assert message.event == "OriginateResponse"
    assert message.response == "Success"
    assert message.action_id == "42"
    assert message["actionid"] == message["ACTIONID"] == "42"
    assert message.get_all("chanvariable") == ["A=1", "B=2"]
    assert message["ChanVariable"] == "A=1"
    assert list(message) == ["Event", "Privilege", "ActionID", "Response", "Channel", "ChanVariable"]
    assert len(message) == 6
    assert "channel" in message and "Nope" not in message
    assert message.get("Nope") is None
    assert message.size == len(data)
    with pytest.raises(TypeError):
        message["Event"] = "x"  # type: ignore[index]


def test_empty_value_colon_in_value_and_missing_space_are_kept() -> None:
    (message,) = AmiParser().feed(b"Response: Success\r\nSystemName: \r\nTimestamp: 12:34:56\r\nKey:value\r\n\r\n")
    assert message["SystemName"] == ""
    assert message["Timestamp"] == "12:34:56"
    assert message["Key"] == "value"


def test_lf_only_and_mixed_line_ends() -> None:
    parser = AmiParser()
    got = parser.feed(b"Asterisk Call Manager/9.0.0\nResponse: Success\nActionID: 1\n\nEvent: A\r\nX: 1\n\r\n")
    assert parser.banner == "Asterisk Call Manager/9.0.0"
    assert [m.kind for m in got] == ["response", "event"]
    assert got[1]["X"] == "1"


def test_banner_is_optional_and_not_confused_with_a_message() -> None:
    parser = AmiParser()
    (action,) = parser.feed(b"Action: Login\r\nActionID: 1\r\nUsername: desk\r\nSecret: s3cret\r\n\r\n")
    assert parser.banner is None
    assert action.kind == "action" and action.action == "Login"
    assert "s3cret" not in repr(action)


def test_follows_command_output_with_blank_lines() -> None:
    data = (
        b"Response: Follows\r\nPrivilege: Command\r\nActionID: 7\r\n"
        b"Channel   Location   State\r\n\r\nSIP/1-0001   s@default:1   Up\r\n1 active channel\r\n"
        b"--END COMMAND--\r\n\r\n"
        b"Event: Next\r\n\r\n"
    )
    for cut in range(1, len(data)):
        messages, parser = _parse_all(data, chunks=[cut])
        assert parser.error_count == 0
        assert [m.kind for m in messages] == ["response", "event"]
        follows = messages[0]
        assert follows.response == "Follows" and follows.action_id == "7"
        assert follows.output == ["Channel   Location   State", "", "SIP/1-0001   s@default:1   Up", "1 active channel"]


def test_modern_command_output_headers() -> None:
    (message,) = [m for m in read_capture(REFERENCE / "02_actions.ami.raw") if m.get("Output")]
    assert message.output[0].startswith("Asterisk 20.20.1")


def test_one_megabyte_frame_is_refused_and_the_next_message_survives() -> None:
    huge = b"Event: Flood\r\n" + b"X: " + b"a" * (1024 * 1024) + b"\r\n\r\n"
    good = "Event: AgentCalled\r\nCallerIDName: 王女士\r\n\r\n".encode()
    data = huge + good
    for chunks in (None, [4096] * (len(data) // 4096), [1024 * 1024 + 17]):
        errors: list[TelephonyError] = []
        messages, parser = _parse_all(data, chunks=chunks, on_error=errors.append)
        assert [m.event for m in messages] == ["AgentCalled"]
        assert messages[0]["CallerIDName"] == "王女士"
        assert [e.code for e in errors] == ["ami_frame_too_large"]
        assert parser.buffered_bytes == 0
        assert isinstance(errors[0], TelephonyError)


def test_oversize_buffer_is_bounded_while_the_frame_streams_in() -> None:
    parser = AmiParser(max_message_bytes=4096)
    parser.feed(b"Event: Flood\r\nX: ")
    for _ in range(300):
        parser.feed(b"b" * 1000)
        assert parser.buffered_bytes <= 4096 + 1000
    assert parser.feed(b"\r\n\r\nEvent: Ok\r\n\r\n")[0].event == "Ok"
    assert parser.drain_errors()[0].code == "ami_frame_too_large"
    assert parser.errors == type(parser.errors)(maxlen=100)


def test_invalid_utf8_is_reported_and_the_message_kept_with_replacement() -> None:
    data = b"Event: AgentCalled\r\nCallerIDName: Wang\xff\xfe\r\n\r\nEvent: Next\r\n\r\n"
    messages, parser = _parse_all(data)
    assert [m.event for m in messages] == ["AgentCalled", "Next"]
    assert messages[0]["CallerIDName"] == "Wang\ufffd\ufffd"
    (error,) = parser.errors
    assert error.code == "ami_invalid_utf8" and error.details["message_kept"] is True


@pytest.mark.parametrize(
    "bad",
    [
        b"this line is not a header\r\nEvent: X\r\n\r\n",
        b"Event: X\r\n: no key\r\n\r\n",
        b"Foo: bar\r\nBaz: 1\r\n\r\n",  # neither Event, Response nor Action
    ],
)
def test_malformed_frames_are_dropped_without_losing_the_next(bad: bytes) -> None:
    messages, parser = _parse_all(b"Asterisk Call Manager/9.0.0\r\n" + bad + b"Event: Good\r\n\r\n")
    assert [m.event for m in messages] == ["Good"]
    assert [e.code for e in parser.errors] == ["ami_malformed_frame"]


def test_unicode_line_separators_inside_values_do_not_split_lines() -> None:
    (message,) = AmiParser().feed("Event: X\r\nCallerIDName: a\u2028b\x85c\r\n\r\n".encode())
    assert message["CallerIDName"] == "a\u2028b\x85c"


def test_garbage_first_line_is_not_taken_for_a_banner() -> None:
    messages, parser = _parse_all(b"hello there\r\nEvent: X\r\n\r\nEvent: Good\r\n\r\n")
    assert parser.banner is None
    assert [m.event for m in messages] == ["Good"]
    assert [e.code for e in parser.errors] == ["ami_malformed_frame"]


def test_reset_starts_a_new_stream() -> None:
    parser = AmiParser()
    parser.feed(b"Asterisk Call Manager/9.0.0\r\nEvent: Half")
    parser.reset()
    assert parser.banner is None and parser.buffered_bytes == 0
    parser.feed(b"Asterisk Call Manager/11.0.0\r\n")
    assert parser.ami_version == "11.0.0"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=700), min_size=1, max_size=40))
def test_any_chunking_of_a_real_capture_is_equivalent(sizes: list[int]) -> None:
    data = (REFERENCE / "09_survey.ami.raw").read_bytes()
    whole, _ = _parse_all(data)
    chunked, parser = _parse_all(data, chunks=sizes)
    assert chunked == whole
    assert parser.error_count == 0


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_garbage_never_raises(data: bytes) -> None:
    parser = AmiParser(max_message_bytes=256)
    parser.feed(data)
    parser.feed(b"\r\n\r\nEvent: After\r\n\r\n")
    parser.finish()


# Encoding ------------------------------------------------------------------------------------------------------------
def test_encode_action_round_trips_through_the_parser() -> None:
    wire = encode_action(
        "Originate",
        {"Channel": "Local/agent1@agents", "CallerID": '"王女士" <13800138000>', "Async": True, "Timeout": 30000,
         "Variable": ["TICKET=T-42", "AGENT=agent1"]},
        action_id="cb-1",
    )
    assert wire.endswith(b"\r\n\r\n")
    assert wire.startswith(b"Action: Originate\r\nActionID: cb-1\r\n")
    (message,) = AmiParser().feed(wire)
    assert message.action == "Originate" and message.action_id == "cb-1"
    assert message["Async"] == "true" and message["Timeout"] == "30000"
    assert message["CallerID"] == '"王女士" <13800138000>'
    assert message.get_all("Variable") == ["TICKET=T-42", "AGENT=agent1"]
    assert AmiMessage(message.headers).to_bytes() == wire


def test_encode_matches_the_bytes_a_real_client_sent() -> None:
    sent = (REFERENCE / "06_callback.sent.raw").read_bytes()
    actions = read_capture(REFERENCE / "06_callback.sent.raw")
    rebuilt = b"".join(
        encode_action(m.action or "", [(k, v) for k, v in m.headers if k.lower() not in ("action", "actionid")],
                      action_id=m.action_id)
        for m in actions
    )
    assert rebuilt.replace(b"\r\n", b"\n") == sent.replace(b"\r\n", b"\n")


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("Originate", {"Exten": "13800138000\r\nAction: Hangup"}),
        ("Originate", {"CallerID": "x\nChannel: all"}),
        ("Originate", {"Exten": "1\x002"}),
        ("Ping\r\nAction: Originate", {}),
        ("Originate", {"Bad\r\nKey": "v"}),
        ("Originate", {"Bad: Key": "v"}),
        ("Originate", {"": "v"}),
        ("Originate", {"Variable": ["A=1", "B=2\r\n"]}),
        ("Originate", {"ActionID": "spoof"}),
    ],
)
def test_encode_refuses_header_injection(name: str, fields: dict[str, object]) -> None:
    with pytest.raises(TelephonyError) as info:
        encode_action(name, fields, action_id="1")  # type: ignore[arg-type]
    assert info.value.code == "ami_header_injection"


def test_numbers_and_bad_value_types() -> None:
    (message,) = AmiParser().feed(encode_action("Originate", {"Timeout": 30000, "Seconds": 0.5}, action_id="1"))
    assert message["Timeout"] == "30000" and message["Seconds"] == "0.5"
    for bad in ({"X": None}, {"X": {"a": 1}}, {"Variable": [b"A=1"]}):
        with pytest.raises(TelephonyError):
            encode_action("Originate", bad, action_id="1")  # type: ignore[arg-type]


def test_injection_error_never_echoes_a_secret() -> None:
    with pytest.raises(TelephonyError) as info:
        encode_message([("Action", "Login"), ("Secret", "hunter2\r\nAction: Originate")])
    assert "hunter2" not in str(info.value)


def test_injected_action_id_is_refused() -> None:
    with pytest.raises(TelephonyError):
        encode_action("Ping", {}, action_id="1\r\nAction: Originate")


# Captures ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sent", SENT, ids=lambda p: p.name)
def test_sent_captures_parse_as_actions(sent: Path) -> None:
    capture = load_capture(sent)
    assert capture.banner is None
    assert capture.messages[0].action == "Login"
    assert all(m.kind == "action" for m in capture.messages)


def test_load_capture_strict_and_lenient(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ami.raw"
    bad.write_bytes(b"Asterisk Call Manager/9.0.0\r\nnot a header\r\n\r\nEvent: Good\r\n\r\n")
    with pytest.raises(TelephonyError) as info:
        load_capture(bad)
    assert info.value.code == "ami_capture_invalid"
    assert [m.event for m in read_capture(bad, strict=False)] == ["Good"]
    with pytest.raises(TelephonyError) as missing:
        read_capture(tmp_path / "missing.ami.raw")
    assert missing.value.code == "ami_capture_unreadable"


def test_capture_events_property() -> None:
    capture = load_capture(REFERENCE / "03_queue_inbound.ami.raw")
    assert "AgentCalled" in {m.event for m in capture.events}
    assert all(m.kind == "event" for m in capture.events)
