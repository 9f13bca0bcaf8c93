"""The wire protocol (pure): every message round-trips, every lifecycle command travels as data, and anything
malformed or hostile is a SyncError with a code — never another exception, never a half-read message."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.errors import InvalidCommand, PrivacyError, SyncError, TransitionRefused
from agent_desktop.core.privacy import FieldCipher, seal_caller
from agent_desktop.core.roles import Role
from agent_desktop.core.serialization import OpenWorkOrder, command_from_dict, command_to_dict
from agent_desktop.core.work_order import Caller, CallLink, Category, Channel, OrderState, SealedValue, Urgency
from sync import protocol
from sync.kb_index import load_seed_entries
from sync.operations import (
    MAX_CLOCK_SKEW,
    MAX_STEP_AGE,
    ORDER_COUNT_LIMITS,
    apply_operation,
    audience_units,
    check_step_time,
    may_see,
    size_limit,
    step_time,
)
from tests.agent_desktop.core.lifecycle_fixtures import (
    AGENT,
    CTX,
    LEAD,
    OTHER_UNIT,
    SUPERVISOR,
    T0,
    UNIT_LEAD,
    UNIT_OTHER,
    step,
    valid_command,
    walk,
)

OP = "0b5e8f4e-6d1b-4a59-9d0c-3f0f1f7f0a11"
CLIENT = "7f3c2a10-1b2c-4d5e-8f90-a1b2c3d4e5f6"


def sealed_caller(order_id: str) -> Caller:
    cipher = FieldCipher.generate()
    return seal_caller(Caller(name="张三", phone="13800138000", is_anonymous=True), cipher, order_id)


def every_command() -> list[object]:
    order, now = walk(OrderState.SIGNED)
    commands: list[object] = []
    for action in lc.Action:
        if action is lc.Action.OPEN:
            continue
        try:
            command, _ = valid_command(action, order, now)
        except (LookupError, AssertionError):
            continue
        commands.append(command)
    commands += [
        lc.EscalateSupervision("WO-1-S1", "逾期仍未办结"),
        lc.CloseSupervision("WO-1-S1", "已办结"),
        lc.OpenSupervision(lc.SupervisionTrigger.MEDIA_EXPOSURE, lc.SupervisionMeans.LETTER, "媒体曝光",
                           deadline=T0 + timedelta(days=3)),
        lc.RatingTimeout(),
        lc.EditFields({"category": Category.COMPLAINT, "urgency": Urgency.EMERGENCY, "legal_limit_wd": 15,
                       "caller": sealed_caller("WO-1")}),
        lc.DecideCoordination(LEAD, ("夜间施工",), co_units=(OTHER_UNIT,), category=Category.COMPLAINT,
                              district="岳麓区", basis="纪要"),
        OpenWorkOrder(Channel.PHONE, caller=sealed_caller("WO-1"), category=Category.HELP, description="求助",
                      urgency=Urgency.EMERGENCY, call=CallLink("1727488800.11", linkedid="1727488800.11", at=T0)),
        OpenWorkOrder(Channel.WEB),
    ]
    return commands


@pytest.mark.parametrize("command", every_command(), ids=lambda c: type(c).__name__)
def test_every_command_travels_as_data_and_back(command: object) -> None:
    data = command_to_dict(command)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data  # plain JSON values only
    assert command_from_dict(data) == command
    push = protocol.Push(OP, "WO-1", 3, command, T0)
    assert protocol.decode_client_message(protocol.encode(push)) == push


def test_every_lifecycle_action_has_a_wire_form() -> None:
    covered = {command_to_dict(c)["action"] for c in every_command()}
    assert covered == {a.value for a in lc.COMMAND_TYPES} | {"open"}


def test_an_edit_given_a_chinese_category_label_travels_as_its_code() -> None:
    data = command_to_dict(lc.EditFields({"category": "投诉", "district": "岳麓区"}))
    assert data == {"action": "edit", "changes": {"category": "complaint", "district": "岳麓区"}}
    assert command_from_dict(data).changes["category"] is Category.COMPLAINT


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"action": "launch"}, "unknown_action"),
        ({}, "unknown_action"),
        ({"action": "sign", "extra": 1}, "unknown_field"),
        ({"action": "request_return"}, "missing_field"),
        ({"action": "request_extension", "working_days": "5", "reason": "x"}, "bad_value"),
        ({"action": "request_extension", "working_days": True, "reason": "x"}, "bad_value"),
        ({"action": "edit", "changes": {"state": "closed", "nonsense": 1}}, "unknown_field"),
        ({"action": "edit", "changes": {"urgency": "panic"}}, "bad_value"),
        ({"action": "edit"}, "missing_field"),
        ({"action": "edit", "changes": [], "x": 1}, "unknown_field"),
        ({"action": "open", "channel": "phone", "call": {"uniqueid": "1.2", "at": "2026-09-28T10:00:00"}},
         "naive_datetime"),
    ],
)
def test_commands_are_read_strictly(data: dict, code: str) -> None:
    with pytest.raises(InvalidCommand) as caught:
        command_from_dict(data)
    assert caught.value.code == code


def test_an_anonymous_callers_plain_data_never_travels() -> None:
    plain = Caller(name="张三", phone="13800138000", is_anonymous=True)
    with pytest.raises(PrivacyError):
        command_to_dict(lc.EditFields({"caller": plain}))
    with pytest.raises(PrivacyError):
        command_to_dict(OpenWorkOrder(Channel.PHONE, caller=plain))
    frame = {"type": "push", "op_id": OP, "order_id": "WO-1", "base_version": 0, "made_at": T0.isoformat(),
             "command": {"action": "open", "channel": "phone",
                         "caller": {"name": "张三", "phone": "13800138000", "is_anonymous": True}}}
    with pytest.raises(SyncError) as caught:
        protocol.decode_client_message(json.dumps(frame, ensure_ascii=False))
    assert caught.value.code == "not_sealed" and caught.value.details["op_id"] == OP
    assert "13800138000" not in caught.value.message


def server_messages() -> list[protocol.Message]:
    order, _ = walk(OrderState.SIGNED)
    return [
        protocol.Welcome("unit-yl", Role.UNIT, LEAD, 42, T0),
        protocol.Ack(OP, "WO-1", 4, 17, order),
        protocol.Ack(OP, "WO-1", 4, 17, None, duplicate=True),
        protocol.Reject(OP, "WO-1", "role_not_allowed", "approve_return is for supervisor", "第18条",
                        "2026-09-30T17:30:00+08:00", 4, order),
        protocol.Reject(OP, "WO-9", "order_not_found", "no order WO-9"),
        protocol.Change(18, "WO-1", 5, order, OP),
        protocol.Change(19, "WO-1", 6, order, None),
        protocol.CaughtUp(19),
        protocol.Ping(3),
        protocol.Pong(3),
        protocol.Error("bad_json", "message is not valid JSON", fatal=False),
        protocol.Error("unauthorized", "unknown or disabled token", fatal=True),
    ]


@pytest.mark.parametrize("message", server_messages(), ids=lambda m: type(m).__name__)
def test_server_messages_round_trip(message: protocol.Message) -> None:
    text = protocol.encode(message)
    assert json.loads(text)["type"] == message.type.value
    assert protocol.decode_server_message(text) == message
    assert protocol.decode_server_message(text.encode("utf-8")) == message


def test_client_messages_round_trip_and_hide_the_token() -> None:
    hello = protocol.Hello(token="s3cr3t-token-value", client_id=CLIENT, resume_from=99, seat="A07")
    assert "s3cr3t" not in repr(hello)
    for message in (hello, protocol.Ping(1), protocol.Pong(2),
                    protocol.Push(OP, "WO-1", 0, OpenWorkOrder(Channel.PHONE), T0)):
        assert protocol.decode_client_message(protocol.encode(message)) == message


def test_a_sealed_caller_stays_sealed_on_the_wire() -> None:
    order, now = walk(OrderState.INTAKE)
    caller = sealed_caller(order.order_id)
    order = step(order, lc.EditFields({"caller": caller}), AGENT, now)
    text = protocol.encode(protocol.Change(1, order.order_id, 3, order))
    assert "13800138000" not in text and "张三" not in text
    assert protocol.decode_server_message(text).order.caller == caller


def test_each_side_accepts_only_its_peers_messages() -> None:
    with pytest.raises(SyncError) as caught:
        protocol.decode_client_message(protocol.encode(protocol.CaughtUp(1)))
    assert caught.value.code == "unknown_type"
    with pytest.raises(SyncError) as caught:
        protocol.decode_server_message(protocol.encode(protocol.Hello(token="t", client_id=CLIENT)))
    assert caught.value.code == "unknown_type"


def _push(**changes: object) -> str:
    frame = {"type": "push", "op_id": OP, "order_id": "WO-1", "base_version": 2, "made_at": T0.isoformat(),
             "command": {"action": "sign"}}
    frame.update(changes)
    return json.dumps({k: v for k, v in frame.items() if v is not ...}, ensure_ascii=False)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "bad_json"),
        ("{", "bad_json"),
        ('{"type": "ping", "nonce": Infinity}', "bad_json"),
        ('{"type": "ping", "type": "pong"}', "bad_json"),
        (b"\xc3\x28", "bad_json"),
        ("[" * 100_000 + "]" * 100_000, "bad_json"),
        # nesting deeper than MAX_DEPTH (32) is refused before the text is parsed
        (json.dumps({"type": "ping", "x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}),
         "bad_json"),
        ('{"type": "push", "command": ' + "[" * 900 + "]" * 900 + "}", "bad_json"),
        (json.dumps({"type": "ping", "x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}), "bad_field"),
        ("42", "bad_message"),
        ('"ping"', "bad_message"),
        ('{"nonce": 1}', "bad_message"),
        ('{"type": 7}', "bad_message"),
        ('{"type": "PING"}', "unknown_type"),
        ('{"type": "ping", "nonce": -1}', "bad_field"),
        ('{"type": "ping", "nonce": true}', "bad_field"),
        ('{"type": "ping", "nonce": 1.5}', "bad_field"),
        ('{"type": "ping", "extra": 1}', "bad_field"),
        (_push(op_id=OP.upper()), "bad_field"),
        (_push(op_id="0b5e8f4e6d1b4a599d0c3f0f1f7f0a11"), "bad_field"),
        (_push(op_id=...), "bad_field"),
        (_push(order_id="WO 1"), "bad_field"),
        (_push(order_id="WO-1\n"), "bad_field"),
        (_push(order_id="W" * 65), "bad_field"),
        (_push(base_version=-1), "bad_field"),
        (_push(base_version=2**63), "bad_field"),
        (_push(made_at="2026-09-28T10:00:00"), "bad_field"),
        (_push(made_at="yesterday"), "bad_field"),
        (_push(made_at=12), "bad_field"),
        (_push(command="sign"), "bad_command"),
        (_push(command={"action": "sign", "role": "supervisor"}), "bad_command"),
        (_push(role="supervisor"), "bad_field"),
        (json.dumps({"type": "hello", "protocol": 2, "token": "t", "client_id": CLIENT}), "unsupported_protocol"),
        (json.dumps({"type": "hello", "protocol": 1, "token": "", "client_id": CLIENT}), "bad_field"),
        (json.dumps({"type": "hello", "protocol": 1, "token": "x" * 513, "client_id": CLIENT}), "bad_field"),
        (json.dumps({"type": "hello", "protocol": 1, "token": "a\nb", "client_id": CLIENT}), "bad_field"),
        (json.dumps({"type": "hello", "protocol": 1, "token": "t", "client_id": CLIENT, "role": "supervisor"}),
         "bad_field"),
        (json.dumps({"type": "hello", "protocol": 1, "token": "t", "client_id": CLIENT, "seat": "A\x0007"}),
         "bad_field"),
    ],
)
def test_malformed_client_frames_are_refused_with_a_code(raw: str | bytes, code: str) -> None:
    with pytest.raises(SyncError) as caught:
        protocol.decode_client_message(raw)
    assert caught.value.code == code
    assert caught.value.code in protocol.ERROR_CODES


def test_a_bad_token_is_never_echoed_in_the_error() -> None:
    secret = "correct horse\tbattery staple"
    with pytest.raises(SyncError) as caught:
        protocol.decode_client_message(json.dumps({"type": "hello", "protocol": 1, "token": secret,
                                                   "client_id": CLIENT}))
    assert "horse" not in caught.value.message and "horse" not in repr(caught.value.details)


def test_size_is_counted_in_utf8_bytes_before_parsing() -> None:
    chinese = "字" * (protocol.MAX_MESSAGE_BYTES // 3 + 10)  # fewer characters than the limit, more bytes
    assert len(chinese) < protocol.MAX_MESSAGE_BYTES
    with pytest.raises(SyncError) as caught:
        protocol.decode_client_message(json.dumps({"type": "ping", "pad": chinese}, ensure_ascii=False))
    assert caught.value.code == "message_too_big"
    just_under = json.dumps({"type": "ping", "nonce": 1}) + " " * (protocol.MAX_MESSAGE_BYTES - 40)
    assert protocol.decode_client_message(just_under) == protocol.Ping(1)


def test_a_message_too_big_to_send_is_refused_when_written() -> None:
    with pytest.raises(SyncError) as caught:
        protocol.encode(protocol.Error("bad_json", "x" * (protocol.MAX_MESSAGE_BYTES + 1)))
    assert caught.value.code == "message_too_big"


def test_server_frames_are_checked_too() -> None:
    order, _ = walk(OrderState.SIGNED)
    good = json.loads(protocol.encode(protocol.Change(5, "WO-1", 4, order)))
    cases = [
        ({**good, "order_id": "WO-2"}, "bad_field"),  # names another order than it carries
        ({**good, "order": {**good["order"], "state": "lost"}}, "bad_field"),
        ({**good, "cursor": 0}, "bad_field"),
        ({k: v for k, v in good.items() if k != "order"}, "bad_field"),
        ({"type": "welcome", "protocol": 1, "user_id": "u", "role": "emperor", "unit": None, "server_cursor": 0,
          "server_time": T0.isoformat()}, "bad_field"),
        ({"type": "reject", "op_id": OP, "order_id": "WO-1", "code": "Not A Code", "reason": "x"}, "bad_field"),
        ({"type": "error", "code": "x", "message": ""}, "bad_field"),
    ]
    for frame, code in cases:
        with pytest.raises(SyncError) as caught:
            protocol.decode_server_message(json.dumps(frame, ensure_ascii=False))
        assert caught.value.code == code, frame


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
field_names = st.sampled_from(["type", "op_id", "order_id", "base_version", "command", "made_at", "token",
                               "client_id", "protocol", "nonce", "cursor", "order", "version", "code", "reason"])
frames = st.dictionaries(field_names, json_values | st.sampled_from(
    ["push", "hello", "ping", "ack", "change", OP, T0.isoformat(), {"action": "sign"}, 1]), max_size=8)


@settings(max_examples=300, deadline=None)
@given(frames)
def test_fuzzed_frames_decode_or_raise_a_sync_error_only(frame: dict) -> None:
    text = json.dumps(frame)
    for decode in (protocol.decode_client_message, protocol.decode_server_message):
        try:
            decode(text)
        except SyncError as exc:
            assert exc.code in protocol.ERROR_CODES


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_fuzzed_bytes_decode_or_raise_a_sync_error_only(data: bytes) -> None:
    try:
        protocol.decode_client_message(data)
    except SyncError as exc:
        assert exc.code in protocol.ERROR_CODES


# --- operations: the same decisions on the seat and on the server ---------------------------------------------


def test_apply_operation_opens_only_new_orders_and_steps_only_existing_ones() -> None:
    opened = apply_operation(None, "WO-9", OpenWorkOrder(Channel.PHONE, category=Category.HELP, description="x"),
                             actor=AGENT, now=T0, ctx=CTX)
    assert opened.order_id == "WO-9" and opened.history[0].actor_id == AGENT.user_id
    with pytest.raises(InvalidCommand) as exists:
        apply_operation(opened, "WO-9", OpenWorkOrder(Channel.PHONE), actor=AGENT, now=T0, ctx=CTX)
    assert exists.value.code == "order_exists"
    with pytest.raises(InvalidCommand) as missing:
        apply_operation(None, "WO-9", lc.Sign(), actor=UNIT_LEAD, now=T0, ctx=CTX)
    assert missing.value.code == "order_not_found"


def test_the_seats_time_is_trusted_within_the_skew_and_never_before_the_last_step() -> None:
    order, _ = walk(OrderState.DISPATCHED)
    last = order.history[-1].at
    server_now = last + timedelta(hours=5)
    offline = last + timedelta(hours=1)
    assert step_time(offline, server_now, order) == offline
    assert step_time(server_now + MAX_CLOCK_SKEW, server_now, order) == server_now + MAX_CLOCK_SKEW
    assert step_time(server_now + MAX_CLOCK_SKEW + timedelta(seconds=1), server_now, order) == server_now
    assert step_time(last - timedelta(days=1), server_now, order) == last
    assert step_time(T0 - timedelta(days=1), server_now, None) == T0 - timedelta(days=1)


def test_units_see_only_orders_they_lead_co_handle_or_once_asked_about() -> None:
    order, _ = walk(OrderState.DISPATCHED)  # lead LEAD, co-unit 市城管执法局
    assert may_see(order, AGENT) and may_see(order, SUPERVISOR) and may_see(order, UNIT_LEAD)
    assert not may_see(order, UNIT_OTHER)
    assert audience_units(order) == (LEAD, "市城管执法局")
    returned, now = walk(OrderState.TO_DISPATCH)  # the return was approved: no lead any more
    assert returned.lead_unit is None and may_see(returned, UNIT_LEAD)  # it sees how its request was decided
    redispatched = step(returned, lc.Dispatch(OTHER_UNIT), SUPERVISOR, now)
    assert may_see(redispatched, UNIT_OTHER) and may_see(redispatched, UNIT_LEAD)


def test_a_change_batch_round_trips_and_is_checked() -> None:
    order, _ = walk(OrderState.SIGNED)
    entry = load_seed_entries()[0]
    batch = protocol.ChangeBatch((protocol.Change(7, order.order_id, 5, order, OP),
                                  protocol.KbChange(8, entry.entry_id, entry.version, entry, None)))
    text = protocol.encode(batch)
    assert protocol.decode_server_message(text) == batch
    joined = protocol.encode_change_batch([protocol.encode(item) for item in batch.items])
    assert protocol.decode_server_message(joined) == batch
    data = json.loads(text)
    for items, code in [([], "bad_field"), ([data["items"][1], data["items"][0]], "bad_field"),
                        ([{"type": "ping"}], "bad_field"), ([data["items"][0], data["items"][0]], "bad_field")]:
        with pytest.raises(SyncError) as caught:
            protocol.decode_server_message(json.dumps({"type": "changes", "items": items}, ensure_ascii=False))
        assert caught.value.code == code
    with pytest.raises(SyncError):
        protocol.decode_client_message(text)  # a server's frame


def test_batches_are_asked_for_in_the_hello_and_omitted_otherwise() -> None:
    plain = protocol.Hello(token="t", client_id=CLIENT)
    assert "batch_changes" not in protocol.to_dict(plain)
    asking = protocol.Hello(token="t", client_id=CLIENT, batch_changes=True)
    assert protocol.decode_client_message(protocol.encode(asking)).batch_changes is True


def test_an_ack_keeps_the_centers_text_of_its_order_for_the_seats_comparison() -> None:
    from agent_desktop.core.serialization import work_order_to_json

    order = next(m.order for m in server_messages() if isinstance(m, protocol.Ack) and m.order is not None)
    read = protocol.decode_server_message(protocol.encode(protocol.Ack(OP, order.order_id, 4, 17, order)))
    assert isinstance(read, protocol.Ack)
    # what the center writes is the canonical text, so a seat that computed the same order can take it as is
    assert read.order_json == work_order_to_json(order)
    assert read == protocol.Ack(OP, order.order_id, 4, 17, order)  # not part of the message's value
    bare = protocol.decode_server_message(protocol.encode(protocol.Ack(OP, "WO-1", 4, 17, None)))
    assert isinstance(bare, protocol.Ack) and bare.order_json is None


# --- issue 15 ---------------------------------------------------------------------------------------------------


def test_a_step_older_than_what_the_centre_can_check_is_refused_as_backdated() -> None:
    now = T0 + timedelta(days=30)
    check_step_time(now - timedelta(days=3), now)  # offline for days: fine
    for made_at, options in [
        (now - MAX_STEP_AGE - timedelta(seconds=1), {}),
        (now - timedelta(hours=2), {"base_known_at": now - timedelta(hours=1)}),  # before its base existed
        (now - timedelta(hours=2), {"synced_at": now - timedelta(hours=1)}),  # before the seat's last sync
        (now, {"synced_at": now + timedelta(hours=1)}),  # a last sync in the centre's future
    ]:
        with pytest.raises(TransitionRefused) as refused:
            check_step_time(made_at, now, **options)
        assert refused.value.code == "backdated" and refused.value.article == "第14条"
    check_step_time(now - timedelta(hours=1, seconds=-1) - MAX_CLOCK_SKEW, now, base_known_at=now - timedelta(hours=1))


def test_the_centre_keeps_room_in_every_order_for_its_own_steps() -> None:
    centre = size_limit(SUPERVISOR, 100_000)
    assert centre == 100_000 and size_limit(UNIT_LEAD, 100_000) == size_limit(AGENT, 100_000) < centre


def test_an_order_cannot_link_more_calls_than_the_limit() -> None:
    order, _ = walk(OrderState.SIGNED)
    limit = ORDER_COUNT_LIMITS["calls"]
    for i in range(limit - len(order.calls)):
        order = apply_operation(order, order.order_id, lc.LinkCall(CallLink(f"1.{i}")), actor=UNIT_LEAD,
                                now=order.history[-1].at, ctx=CTX)
    with pytest.raises(InvalidCommand) as refused:
        apply_operation(order, order.order_id, lc.LinkCall(CallLink("1.x")), actor=UNIT_LEAD,
                        now=order.history[-1].at, ctx=CTX)
    assert refused.value.code == "too_many"


def test_a_push_with_a_forged_sealed_value_is_refused_without_the_value() -> None:
    phone = "13987654321"
    for sealed in (SealedValue(phone, phone), SealedValue("v1:" + "A" * 40, phone),
                   SealedValue(FieldCipher.generate().encrypt(phone, order_id="WO-1", field="phone"), phone)):
        caller = {"phone": {"ciphertext": sealed.ciphertext, "masked": sealed.masked}, "is_anonymous": True}
        for command in ({"action": "open", "channel": "phone", "caller": caller},
                        {"action": "edit", "changes": {"caller": caller}}):
            with pytest.raises(SyncError) as refused:
                protocol.decode_client_message(_push(command=command))
            assert refused.value.code == "bad_seal" and phone not in refused.value.message
    good = sealed_caller("WO-1")
    message = protocol.decode_client_message(_push(command=command_to_dict(OpenWorkOrder(Channel.PHONE, caller=good))))
    assert message.command.caller == good


def test_the_last_sync_travels_with_a_push_only_when_known() -> None:
    made = T0 + timedelta(hours=1)
    plain = protocol.Push(OP, "WO-1", 0, OpenWorkOrder(Channel.PHONE), made)
    assert "synced_at" not in protocol.encode(plain)
    with_sync = protocol.Push(OP, "WO-1", 0, OpenWorkOrder(Channel.PHONE), made, synced_at=T0)
    assert protocol.decode_client_message(protocol.encode(with_sync)) == with_sync


def test_nesting_is_refused_beyond_the_documented_depth_whatever_the_strings_hold() -> None:
    assert protocol.MAX_DEPTH == 32
    inside_strings = json.dumps({"type": "ping", "nonce": 1})[:-1] + ', "x": "' + "[" * 100 + '"}'
    with pytest.raises(SyncError) as refused:  # brackets inside a string do not count: refused for the field
        protocol.decode_client_message(inside_strings)
    assert refused.value.code == "bad_field"
    escaped = '{"type": "ping", "x": "\\"' + "[" * 100 + '"}'
    with pytest.raises(SyncError) as refused:
        protocol.decode_client_message(escaped)
    assert refused.value.code == "bad_field"
