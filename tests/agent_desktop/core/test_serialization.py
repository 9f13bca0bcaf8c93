"""Work orders to and from JSON: exact round trips, strict reading, and no plain data of anonymous callers."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_desktop.core.errors import InvalidCommand, PrivacyError
from agent_desktop.core.privacy import FieldCipher, reveal, seal_caller
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.rule_parameters import RuleParameters
from agent_desktop.core.serialization import (
    work_order_from_dict,
    work_order_from_json,
    work_order_to_dict,
    work_order_to_json,
)
from agent_desktop.core.work_order import (
    Appeal,
    AppealReason,
    Caller,
    CallKind,
    CallLink,
    Category,
    Channel,
    CompletionOutcome,
    CompletionReport,
    Coordination,
    CoordinationDecision,
    ExtensionRequest,
    HistoryEntry,
    NotAcceptedReason,
    OrderState,
    Rating,
    ReplyMeans,
    RequestState,
    ReturnRequest,
    RevisitChannel,
    RevisitRecord,
    SealedValue,
    SupervisionMeans,
    SupervisionRecord,
    SupervisionTrigger,
    Urgency,
    WorkOrder,
    describe,
)

CIPHER = FieldCipher(bytes(range(32)))
CST = timezone(timedelta(hours=8))
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=CST)


def rich_order() -> WorkOrder:
    """A work order with every field set away from its default and every nested record filled."""
    return WorkOrder(
        order_id="WO-20240506-0001",
        channel=Channel.PHONE,
        created_at=datetime(2024, 5, 6, 8, 59, 59, 123456, tzinfo=SHANGHAI),
        state=OrderState.APPEALED,
        caller=Caller(name="李四", phone="0731-84123456", id_number=None, address="长沙市天心区书院路9号",
                      is_anonymous=False, phone_key="ab" * 32, form_of_address="女士"),
        category=Category.COMPLAINT,
        district="天心区",
        street="坡子街街道",
        address="书院路9号小区门口",
        description="夜间施工噪音扰民,\n\"引号\" 和 emoji 🚧",
        urgency=Urgency.EMERGENCY,
        lead_unit="天心区城管局",
        co_units=("天心区住建局", "坡子街街道办"),
        kb_answer_ref="KB-42",
        answer_text="已转办",
        not_accepted_reason=NotAcceptedReason.ALREADY_HANDLED,
        not_accepted_basis=NotAcceptedReason.ALREADY_HANDLED.basis,
        legal_limit_wd=15,
        calls=(
            CallLink("1714957140.12", CallKind.INBOUND, "1714957140.12", "rec-0001.wav", at(6, 8, 59)),
            CallLink("1715043600.40", CallKind.CALLBACK),
        ),
        taken_by_unit="天心区人民政府",
        reply_means=ReplyMeans.THREE_WAY,
        reply_due=at(7, 17, 30),
        replied_at=at(7, 10),
        dispatched_at=at(6, 9, 5),
        sign_due=at(7, 17, 30),
        signed_at=at(6, 14),
        return_due=at(8, 17, 30),
        due=at(20, 17, 30),
        response_due=at(8, 11, 0),
        responded_at=at(8, 10, 40),
        returns=(
            ReturnRequest(at(7), "天心区住建局", "不属于本单位职责", RequestState.REJECTED, at(7, 15), "职责明确"),
            ReturnRequest(at(8), "天心区城管局", "再次申请"),
        ),
        extensions=(
            ExtensionRequest(at(15), "天心区城管局", 5, "需协调施工方", RequestState.APPROVED, at(16), "同意",
                             at(27, 17, 30)),
        ),
        completion=CompletionReport("天心区城管局执法大队", at(24, 16), "现场查处", "已责令停工",
                                    CompletionOutcome.IN_PROGRESS, "夜间巡查", date(2024, 6, 30), at(24, 17)),
        completed_at=at(24, 17),
        revisits=(
            RevisitRecord(RevisitChannel.AUTOMATED_CALL, at(27, 10), Rating.UNSATISFIED, at(27, 10, 2), False,
                          "dtmf:3", "自动回访"),
            RevisitRecord(RevisitChannel.MANUAL, at(28, 9), Rating.UNSATISFIED, at(28, 9, 10), True, None, "复核"),
        ),
        rating_deadline=datetime(2024, 5, 30, 2, 0, tzinfo=UTC),
        revisit_due=at(28, 17, 30),
        rating=Rating.UNSATISFIED,
        rated_at=at(28, 9, 10),
        appeal_due=at(31, 17, 30),
        appeals=(
            Appeal(at(29), "天心区城管局", AppealReason.NEW_DEMANDS_AT_VISIT, ("rec-0002.wav", "现场照片.jpg"),
                   "回访时提出新诉求", RequestState.APPROVED, at(30), "申诉成立"),
        ),
        rating_excluded=True,
        redo_count=1,
        supervisions=(
            SupervisionRecord("SV-1", SupervisionTrigger.OVERDUE, SupervisionMeans.LETTER, at(21), at(24, 17, 30),
                              "逾期", at(23), at(24), "已办结"),
        ),
        coordination=Coordination(
            at(9), "职责争议",
            CoordinationDecision("天心区城管局", at(10), ("施工噪音", "夜间施工"), Category.COMPLAINT, "天心区",
                                 "市政府协调会纪要"),
        ),
        history=(
            HistoryEntry(at(6, 9), "agent-7", Role.AGENT, "open", (("category", "", "complaint"),), "来电",
                         "A07", None),
            HistoryEntry(at(6, 14), "unit-3", Role.UNIT, "sign", (), "", None, "天心区城管局"),
        ),
    )


def test_rich_order_fills_every_field() -> None:
    # a guard for the round-trip test: a new field left at its default would go untested
    order, default = rich_order(), WorkOrder("x", Channel.OTHER, at(6))
    unset = [f.name for f in dataclasses.fields(WorkOrder) if getattr(order, f.name) == getattr(default, f.name)]
    assert unset == []


def test_round_trip_is_exact() -> None:
    order = rich_order()
    data = work_order_to_dict(order)
    assert work_order_from_dict(data) == order
    assert work_order_from_json(work_order_to_json(order)) == order
    assert work_order_to_dict(work_order_from_dict(data)) == data


def test_round_trip_of_an_anonymous_order() -> None:
    order = dataclasses.replace(rich_order(), caller=seal_caller(
        Caller(name="王五", phone="13812348000", id_number="430104199001011234", address="岳麓区麓山南路",
               is_anonymous=True), CIPHER, "WO-20240506-0001"))
    assert work_order_from_json(work_order_to_json(order, indent=2)) == order


def test_minimal_order_round_trips_and_omitted_fields_take_their_defaults() -> None:
    order = WorkOrder("WO-1", Channel.WEB, at(6))
    assert work_order_from_dict(work_order_to_dict(order)) == order
    assert work_order_from_dict({"order_id": "WO-1", "channel": "web", "created_at": at(6).isoformat()}) == order


def test_encoded_form() -> None:
    data = work_order_to_dict(rich_order())
    json.dumps(data, allow_nan=False)  # JSON-ready as it is
    assert data["created_at"] == "2024-05-06T08:59:59.123456+08:00"
    assert data["rating_deadline"] == "2024-05-30T02:00:00+00:00"
    assert data["state"] == "appealed"
    assert data["not_accepted_reason"] == 6
    assert data["co_units"] == ["天心区住建局", "坡子街街道办"]
    assert data["completion"]["planned_date"] == "2024-06-30"
    assert data["appeals"][0]["reason"] == 4
    assert data["appeals"][0]["evidence"] == ["rec-0002.wav", "现场照片.jpg"]
    assert data["history"][0]["changes"] == [["category", "", "complaint"]]
    assert data["coordination"]["decision"]["keywords"] == ["施工噪音", "夜间施工"]
    assert data["caller"]["phone"] == "0731-84123456"
    assert data["calls"][1] == {"uniqueid": "1715043600.40", "kind": "callback", "linkedid": None,
                                "recording": None, "at": None}


def test_sealed_value_is_written_as_ciphertext_and_mask() -> None:
    order = WorkOrder("WO-1", Channel.PHONE, at(6),
                      caller=seal_caller(Caller(phone="13812348000", is_anonymous=True), CIPHER, "WO-1"))
    phone = work_order_to_dict(order)["caller"]["phone"]
    assert set(phone) == {"ciphertext", "masked"}
    assert phone["masked"] == "138****8000"
    assert isinstance(work_order_from_dict(work_order_to_dict(order)).caller.phone, SealedValue)


_aware = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, CST, SHANGHAI, timezone(timedelta(hours=-3, minutes=-30))]),
)


@given(
    created_at=_aware,
    description=st.text(),
    co_units=st.lists(st.text(), max_size=3).map(tuple),
    history=st.lists(
        st.builds(HistoryEntry, at=_aware, actor_id=st.text(min_size=1), role=st.sampled_from(Role),
                  action=st.text(), changes=st.lists(st.tuples(st.text(), st.text(), st.text())).map(tuple),
                  note=st.text(), seat=st.none() | st.text(), unit=st.none() | st.text()),
        max_size=3,
    ).map(tuple),
    redo_count=st.integers(min_value=-(2**70), max_value=2**70),
    planned=st.none() | st.dates(),
)
def test_any_values_round_trip(*, created_at, description, co_units, history, redo_count, planned) -> None:
    completion = CompletionReport("u", created_at, "p", "r", CompletionOutcome.SOLVED, planned_date=planned)
    order = WorkOrder("WO-1", Channel.APP, created_at, description=description, co_units=co_units,
                      history=history, redo_count=redo_count, completion=completion)
    assert work_order_from_json(work_order_to_json(order)) == order


# --- privacy --------------------------------------------------------------------------------------------------

PHONE, NEW_PHONE = "13812348000", "13998761234"
NAME = "赵六七"
ID_NUMBER = "43010419900101123X"
ADDRESS, NEW_ADDRESS = "湖南省长沙市岳麓区麓山南路932号", "长沙市开福区湘江中路100号"
PLAINTEXTS = (PHONE, NEW_PHONE, NAME, ID_NUMBER, ADDRESS, NEW_ADDRESS, "麓山南路", "湘江中路", "19900101")


def anonymous_order_with_edits() -> WorkOrder:
    """An anonymous caller's order whose history records the caller being entered, edited and revealed, built
    the way the lifecycle builds history: display strings from `describe`."""
    order_id = "WO-20240506-0002"
    first = seal_caller(Caller(name=NAME, phone=PHONE, id_number=ID_NUMBER, address=ADDRESS, is_anonymous=True),
                        CIPHER, order_id)
    second = seal_caller(dataclasses.replace(first, phone=NEW_PHONE, address=NEW_ADDRESS, phone_key=None),
                         CIPHER, order_id)
    history = (
        HistoryEntry(at(6, 9), "agent-7", Role.AGENT, "open", (("caller", describe(None), describe(first)),),
                     seat="A07"),
        HistoryEntry(at(6, 9, 5), "agent-7", Role.AGENT, "edit",
                     (("caller.phone", describe(first.phone), describe(second.phone)),
                      ("caller.address", describe(first.address), describe(second.address)),
                      ("caller", describe(first), describe(second))), seat="A07"),
    )
    order = WorkOrder(order_id, Channel.PHONE, at(6, 9), caller=second, history=history,
                      category=Category.HELP, description="来电反映路灯不亮")
    _, order = reveal(order, "phone", reader=Actor("sup-1", Role.SUPERVISOR), now=at(6, 10), cipher=CIPHER,
                      rules=RuleParameters(), purpose="回拨核实")
    return order


def test_no_plain_personal_data_of_an_anonymous_caller_in_the_json() -> None:
    order = anonymous_order_with_edits()
    text = work_order_to_json(order)
    for plain in PLAINTEXTS:
        assert plain not in text, plain
    # the search is meaningful: Chinese is written as itself, and the masks are there
    for masked in ("赵**", "138****8000", "139****1234", "岳麓区****", "开福区****", "430***********123X", "回拨核实"):
        assert masked in text


def test_the_plain_data_search_finds_plain_data_when_the_caller_is_named() -> None:
    # control for the test above: the same search does find the data of a caller who is not anonymous
    order = WorkOrder("WO-1", Channel.PHONE, at(6), caller=Caller(name=NAME, phone=PHONE, id_number=ID_NUMBER,
                                                                 address=ADDRESS))
    text = work_order_to_json(order)
    assert all(plain in text for plain in (PHONE, NAME, ID_NUMBER, ADDRESS))


@pytest.mark.parametrize("field", Caller.PERSONAL_FIELDS)
def test_unsealed_anonymous_caller_cannot_be_written(field: str) -> None:
    caller = seal_caller(Caller(name=NAME, phone=PHONE, id_number=ID_NUMBER, address=ADDRESS, is_anonymous=True),
                         CIPHER, "WO-1")
    leaky = WorkOrder("WO-1", Channel.PHONE, at(6), caller=dataclasses.replace(caller, **{field: "plain"}))
    with pytest.raises(PrivacyError) as exc:
        work_order_to_dict(leaky)
    assert exc.value.code == "not_sealed"
    assert field in exc.value.message
    with pytest.raises(PrivacyError):
        work_order_to_json(leaky)


def test_unsealed_anonymous_caller_cannot_be_read() -> None:
    data = work_order_to_dict(WorkOrder("WO-1", Channel.PHONE, at(6), caller=Caller(phone=PHONE)))
    data["caller"]["is_anonymous"] = True
    with pytest.raises(PrivacyError):
        work_order_from_dict(data)


# --- hostile input --------------------------------------------------------------------------------------------


def _rich_data() -> dict:
    return copy.deepcopy(work_order_to_dict(rich_order()))


def _refused(data, *, code: str, path: str) -> InvalidCommand:
    with pytest.raises(InvalidCommand) as exc:
        work_order_from_dict(data)
    assert exc.value.code == code, exc.value.message
    assert path in exc.value.message, exc.value.message
    return exc.value


def test_unknown_keys_are_refused_with_their_path() -> None:
    data = _rich_data()
    data["priority"] = "high"
    _refused(data, code="unknown_field", path="priority")
    data = _rich_data()
    data["caller"]["nickname"] = "小张"
    _refused(data, code="unknown_field", path="caller.nickname")
    data = _rich_data()
    data["history"][1]["ip"] = "10.0.0.1"
    _refused(data, code="unknown_field", path="history[1].ip")


def test_missing_required_fields_are_refused() -> None:
    data = _rich_data()
    del data["order_id"]
    _refused(data, code="missing_field", path="order_id")
    data = _rich_data()
    del data["returns"][0]["unit"]
    _refused(data, code="missing_field", path="returns[0].unit")


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d.update(created_at=1714957140), "created_at"),
        (lambda d: d.update(redo_count="1"), "redo_count"),
        (lambda d: d.update(redo_count=True), "redo_count"),
        (lambda d: d.update(redo_count=1.0), "redo_count"),
        (lambda d: d.update(rating_excluded=1), "rating_excluded"),
        (lambda d: d.update(co_units="天心区住建局"), "co_units"),
        (lambda d: d.update(co_units=["ok", 3]), "co_units[1]"),
        (lambda d: d.update(caller="李四"), "caller"),
        (lambda d: d.update(description=None), "description"),
        (lambda d: d["caller"].update(phone=13812348000), "caller.phone"),
        (lambda d: d["caller"].update(phone={"ciphertext": "v1:x"}), "caller.phone.masked"),
        (lambda d: d["history"][0].update(changes=[["a", "b"]]), "history[0].changes[0]"),
        (lambda d: d["completion"].update(planned_date="2024-06-31"), "completion.planned_date"),
        (lambda d: d["completion"].update(planned_date="2024-06-30T10:00:00+08:00"), "completion.planned_date"),
        (lambda d: d["appeals"][0].update(reason="4"), "appeals[0].reason"),
        (lambda d: d.update(history={}), "history"),
        (lambda d: d.update(extensions=[None]), "extensions[0]"),
        (lambda d: d["completion"].update(planned_date=20240630), "completion.planned_date"),
        (lambda d: d.update(legal_limit_wd="x" * 500), "legal_limit_wd"),
    ],
)
def test_wrong_types_are_refused_with_their_path(mutate, path: str) -> None:
    data = _rich_data()
    mutate(data)
    with pytest.raises(InvalidCommand) as exc:
        work_order_from_dict(data)
    assert path in exc.value.message, exc.value.message


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d.update(state="flying"), "state"),
        (lambda d: d.update(channel="Phone"), "channel"),
        (lambda d: d.update(not_accepted_reason=9), "not_accepted_reason"),
        (lambda d: d["history"][0].update(role="admin"), "history[0].role"),
        (lambda d: d["supervisions"][0].update(trigger=0), "supervisions[0].trigger"),
        (lambda d: d["coordination"]["decision"].update(category="投诉"), "coordination.decision.category"),
    ],
)
def test_bad_enum_values_are_refused(mutate, path: str) -> None:
    data = _rich_data()
    mutate(data)
    err = _refused(data, code="bad_value", path=path)
    assert "one of" in err.message


@pytest.mark.parametrize("value", ["2024-05-06T09:00:00", "2024-05-06", "2024-05-06 09:00"])
def test_naive_datetimes_are_refused(value: str) -> None:
    data = _rich_data()
    data["history"][0]["at"] = value
    _refused(data, code="naive_datetime", path="history[0].at")


def test_unparsable_datetime_is_refused() -> None:
    data = _rich_data()
    data["signed_at"] = "yesterday"
    _refused(data, code="bad_value", path="signed_at")


@pytest.mark.parametrize("data", [None, [], "order", 42])
def test_a_work_order_must_be_an_object(data) -> None:
    _refused(data, code="bad_value", path="work order")


@pytest.mark.parametrize(
    "text", ["", "{", "[1, 2", '{"order_id": NaN}', b"\xff\xfe\x00", "[" * 100_000 + "]" * 100_000]
)
def test_bad_json_is_an_invalid_command(text) -> None:
    with pytest.raises(InvalidCommand):
        work_order_from_json(text)


def test_writing_refuses_values_that_cannot_round_trip() -> None:
    with pytest.raises(InvalidCommand) as exc:
        work_order_to_dict(WorkOrder("WO-1", Channel.PHONE, datetime(2024, 5, 6, 9)))
    assert exc.value.code == "naive_datetime"
    with pytest.raises(InvalidCommand):
        work_order_to_dict({"order_id": "WO-1"})  # type: ignore[arg-type]
    with pytest.raises(InvalidCommand) as exc:
        work_order_to_dict(WorkOrder("WO-1", Channel.PHONE, at(6), co_units=({"not": "text"},)))  # type: ignore[arg-type]
    assert exc.value.code == "unsupported_value"


# --- the generic machinery, on a value type the work order does not (yet) have ----------------------------------


@dataclasses.dataclass(frozen=True)
class _Sample:
    ratio: float
    pair: tuple[int, str]
    either: int | str | tuple[int, ...] | None = None
    nothing: None = None

    def __post_init__(self) -> None:
        if self.ratio < 0:
            raise InvalidCommand("ratio must not be negative", code="negative_ratio")


@pytest.mark.parametrize(
    "value",
    [_Sample(0.5, (1, "a")), _Sample(2.0, (0, ""), 7), _Sample(1.0, (1, "b"), "seven"),
     _Sample(1.0, (1, "b"), (1, 2, 3))],
)
def test_generic_round_trip_of_other_types(value: _Sample) -> None:
    from agent_desktop.core.serialization import _decode, _encode

    assert _decode(_Sample, json.loads(json.dumps(_encode(value, ""))), "") == value


@pytest.mark.parametrize(
    ("raw", "path", "code"),
    [
        ({"ratio": "1", "pair": [1, "a"]}, "ratio", "bad_value"),
        ({"ratio": True, "pair": [1, "a"]}, "ratio", "bad_value"),
        ({"ratio": 1, "pair": [1]}, "pair", "bad_value"),
        ({"ratio": 1, "pair": [1, "a"], "either": 1.5}, "either", "bad_value"),
        ({"ratio": 1, "pair": [1, "a"], "either": ["x"]}, "either[0]", "bad_value"),
        ({"ratio": 1, "pair": [1, "a"], "nothing": 0}, "nothing", "bad_value"),
        ({"ratio": -1, "pair": [1, "a"]}, "ratio must not be negative", "negative_ratio"),
    ],
)
def test_generic_reading_is_strict(raw, path: str, code: str) -> None:
    from agent_desktop.core.serialization import _decode

    with pytest.raises(InvalidCommand) as exc:
        _decode(_Sample, raw, "")
    assert exc.value.code == code
    assert path in exc.value.message


def test_an_int_is_read_as_a_float_where_a_float_is_expected() -> None:
    from agent_desktop.core.serialization import _decode

    value = _decode(_Sample, {"ratio": 1, "pair": [1, "a"]}, "")
    assert value.ratio == 1.0
    assert isinstance(value.ratio, float)


def _every_value_replaced(data, replacements):
    """Copies of `data` with one value (at any depth, lists and objects included) replaced by each replacement."""
    yield from ((path, r) for r in replacements for path in [()])
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        for path, replacement in _every_value_replaced(value, replacements):
            yield (key, *path), replacement


def _replaced(data, path, replacement):
    if not path:
        return replacement
    copied = copy.copy(data)
    copied[path[0]] = _replaced(data[path[0]], path[1:], replacement)
    return copied


_WRONG_VALUES = (None, True, 0, 7, -1.5, "", "x", "2024-03-01T09:00:00", "2024-03-01T09:00:00+08:00", "2024-03-01",
                 [], [1], {}, {"x": 1})


def test_the_fast_reader_accepts_and_refuses_exactly_what_the_path_tracking_reader_does() -> None:
    # work_order_from_dict reads through per-type readers built once and falls back to `_decode` only to word an
    # error; it must never accept a value `_decode` refuses, nor refuse one it accepts (nor read it differently)
    from agent_desktop.core.serialization import _check_caller_sealed, _decode

    def slowly(raw):
        order = _decode(WorkOrder, raw, "")
        _check_caller_sealed(order.caller, order.order_id)
        return order

    data = _rich_data()
    checked = 0
    for path, replacement in _every_value_replaced(data, _WRONG_VALUES):
        mutated = _replaced(data, path, replacement)
        try:
            expected = slowly(mutated)
        except (InvalidCommand, PrivacyError) as exc:
            with pytest.raises(type(exc)) as got:
                work_order_from_dict(mutated)
            assert (got.value.code, got.value.message) == (exc.code, exc.message), path
        else:
            assert work_order_from_dict(mutated) == expected, path
            assert work_order_to_dict(expected) == work_order_to_dict(work_order_from_dict(mutated))
        checked += 1
    assert checked > 500


def test_the_fast_writer_writes_what_the_path_tracking_writer_does() -> None:
    from agent_desktop.core.serialization import _encode

    for order in (rich_order(), anonymous_order_with_edits()):
        assert work_order_to_dict(order) == _encode(order, "")
        assert json.dumps(work_order_to_dict(order)) == json.dumps(_encode(order, ""))
