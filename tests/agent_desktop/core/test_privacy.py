"""Field encryption, key file, masks, sealing of callers and the guarded reveal (第15条, 第39条)."""

from __future__ import annotations

import base64
import dataclasses
import logging
import os
import pickle
import stat
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_desktop.core.errors import AccessRefused, ConfigError, InvalidCommand, PrivacyError
from agent_desktop.core.privacy import (
    FieldCipher,
    display_caller,
    mask_address,
    mask_field,
    mask_id_number,
    mask_name,
    mask_phone,
    normalise_phone,
    open_sealed,
    reveal,
    seal,
    seal_caller,
)
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.rule_parameters import RuleParameters
from agent_desktop.core.work_order import Caller, Channel, SealedValue, WorkOrder

KEY = bytes(range(32))
CIPHER = FieldCipher(KEY)
OTHER = FieldCipher(bytes(range(1, 33)))
CST = timezone(timedelta(hours=8))
NOW = datetime(2024, 5, 6, 10, 30, tzinfo=CST)

PHONE = "13812348000"
NAME = "张三丰"
ID_NUMBER = "43010419900101123X"
ADDRESS = "湖南省长沙市岳麓区麓山南路932号"

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are a POSIX notion")


def anonymous_caller() -> Caller:
    return Caller(name=NAME, phone=PHONE, id_number=ID_NUMBER, address=ADDRESS, is_anonymous=True,
                  form_of_address="先生")


def anonymous_order(order_id: str = "WO-20240506-0001") -> WorkOrder:
    caller = seal_caller(anonymous_caller(), CIPHER, order_id)
    return WorkOrder(order_id=order_id, channel=Channel.PHONE, created_at=NOW, caller=caller)


SUPERVISOR = Actor("sup-1", Role.SUPERVISOR, seat="S01")
RULES = RuleParameters()


# --- cipher ---------------------------------------------------------------------------------------------------


def test_seal_and_open_round_trip() -> None:
    sealed = seal(CIPHER, PHONE, order_id="WO-1", field="phone")
    assert isinstance(sealed, SealedValue)
    assert sealed.masked == "138****8000"
    assert sealed.ciphertext.startswith("v1:")
    assert PHONE not in sealed.ciphertext
    assert open_sealed(CIPHER, sealed, order_id="WO-1", field="phone") == PHONE


def test_each_seal_uses_a_fresh_nonce() -> None:
    first = CIPHER.encrypt(PHONE, order_id="WO-1", field="phone")
    second = CIPHER.encrypt(PHONE, order_id="WO-1", field="phone")
    assert first != second
    raw = base64.urlsafe_b64decode(first[3:])
    assert raw[:12] != base64.urlsafe_b64decode(second[3:])[:12]


@given(st.text(), st.text(min_size=1), st.sampled_from(Caller.PERSONAL_FIELDS))
def test_any_text_round_trips(plaintext: str, order_id: str, field: str) -> None:
    sealed = seal(CIPHER, plaintext, order_id=order_id, field=field)
    assert open_sealed(CIPHER, sealed, order_id=order_id, field=field) == plaintext


def _flip(token: str, index: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token[3:]))
    raw[index] ^= 0x01
    return "v1:" + base64.urlsafe_b64encode(bytes(raw)).decode()


@pytest.mark.parametrize("index", [0, 11, 12, -1])  # nonce, first ciphertext byte, tag
def test_tampered_value_is_refused(index: int) -> None:
    sealed = seal(CIPHER, PHONE, order_id="WO-1", field="phone")
    tampered = SealedValue(_flip(sealed.ciphertext, index), sealed.masked)
    with pytest.raises(PrivacyError) as exc:
        open_sealed(CIPHER, tampered, order_id="WO-1", field="phone")
    assert exc.value.code == "cannot_open"


def test_value_pasted_into_another_order_is_refused() -> None:
    sealed = seal(CIPHER, PHONE, order_id="WO-1", field="phone")
    with pytest.raises(PrivacyError):
        open_sealed(CIPHER, sealed, order_id="WO-2", field="phone")


def test_value_pasted_into_another_field_is_refused() -> None:
    sealed = seal(CIPHER, PHONE, order_id="WO-1", field="phone")
    with pytest.raises(PrivacyError):
        open_sealed(CIPHER, sealed, order_id="WO-1", field="name")


def test_associated_data_is_unambiguous() -> None:
    # order "a" + field "b:c" must not be the same binding as order "a:b" + field "c"
    token = CIPHER.encrypt(PHONE, order_id="a", field="b:c")
    with pytest.raises(PrivacyError):
        CIPHER.decrypt(token, order_id="a:b", field="c")


def test_other_key_cannot_open() -> None:
    sealed = seal(CIPHER, PHONE, order_id="WO-1", field="phone")
    with pytest.raises(PrivacyError):
        open_sealed(OTHER, sealed, order_id="WO-1", field="phone")


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("no-version-prefix", "malformed_ciphertext"),
        ("v2:AAAA", "unknown_cipher_version"),
        ("v1:not base64!", "malformed_ciphertext"),
        ("v1:AAAA", "malformed_ciphertext"),  # shorter than nonce + tag
        ("v1:ÄÖ", "malformed_ciphertext"),
        ("", "malformed_ciphertext"),
    ],
)
def test_malformed_ciphertext_is_a_privacy_error(token: str, code: str) -> None:
    with pytest.raises(PrivacyError) as exc:
        CIPHER.decrypt(token, order_id="WO-1", field="phone")
    assert exc.value.code == code


def test_sealing_needs_order_and_known_field() -> None:
    with pytest.raises(InvalidCommand):
        seal(CIPHER, PHONE, order_id="", field="phone")
    with pytest.raises(InvalidCommand):
        seal(CIPHER, PHONE, order_id="WO-1", field="nickname")
    with pytest.raises(InvalidCommand):
        seal(CIPHER, "\ud800", order_id="WO-1", field="name")  # a lone surrogate cannot be UTF-8
    with pytest.raises(InvalidCommand):
        open_sealed(CIPHER, PHONE, order_id="WO-1", field="phone")  # type: ignore[arg-type]


def test_cipher_refuses_values_that_are_not_text() -> None:
    with pytest.raises(InvalidCommand):
        CIPHER.encrypt(13812348000, order_id="WO-1", field="phone")  # type: ignore[arg-type]
    with pytest.raises(PrivacyError):
        CIPHER.decrypt(None, order_id="WO-1", field="phone")  # type: ignore[arg-type]
    with pytest.raises(InvalidCommand):
        CIPHER.encrypt(PHONE, order_id="WO-1", field="")


def test_key_must_be_32_bytes() -> None:
    with pytest.raises(PrivacyError):
        FieldCipher(b"short")


def test_repr_shows_a_key_id_only() -> None:
    text = repr(CIPHER)
    assert CIPHER.key_id in text
    assert KEY.hex() not in text
    assert base64.urlsafe_b64encode(KEY).decode() not in text
    assert CIPHER.key_id != OTHER.key_id
    assert FieldCipher(KEY).key_id == CIPHER.key_id
    assert FieldCipher.generate().key_id != FieldCipher.generate().key_id


def test_cipher_cannot_be_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(CIPHER)


# --- phone fingerprint ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling", ["13812348000", "+86 138 1234 8000", "0086-138-1234-8000", "+86 13812348000", "8613812348000",
                 "138-1234-8000", "(138) 1234 8000", "１３８１２３４８０００", "＋86 13812348000"],
)
def test_phone_key_is_the_same_for_every_spelling(spelling: str) -> None:
    assert CIPHER.phone_key(spelling) == CIPHER.phone_key("13812348000")


def test_phone_key_tells_numbers_and_keys_apart() -> None:
    assert CIPHER.phone_key("13812348000") != CIPHER.phone_key("13812348001")
    assert CIPHER.phone_key("13812348000") != OTHER.phone_key("13812348000")
    assert "13812348000" not in CIPHER.phone_key("13812348000")


def test_phone_key_is_not_keyed_with_the_encryption_key() -> None:
    import hashlib
    import hmac

    assert CIPHER.phone_key(PHONE) != hmac.new(KEY, PHONE.encode(), hashlib.sha256).hexdigest()


def test_phone_key_needs_digits() -> None:
    with pytest.raises(InvalidCommand):
        CIPHER.phone_key("unknown")


@pytest.mark.parametrize(
    ("text", "digits"),
    [("+86 138 1234 8000", "13812348000"), ("0086 731 8412 3456", "73184123456"),
     ("0731-84123456", "073184123456"), ("+1 415 555 0100", "14155550100"), ("12345", "12345"), ("", "")],
)
def test_normalise_phone(text: str, digits: str) -> None:
    assert normalise_phone(text) == digits


# --- key file -------------------------------------------------------------------------------------------------


@posix_only
def test_key_file_is_created_owner_only_and_reused(tmp_path) -> None:
    path = tmp_path / "keys" / "field.key"
    first = FieldCipher.from_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    token = first.encrypt(PHONE, order_id="WO-1", field="phone")
    second = FieldCipher.from_key_file(path)
    assert second.decrypt(token, order_id="WO-1", field="phone") == PHONE
    assert second.key_id == first.key_id


@posix_only
def test_key_file_is_owner_only_whatever_the_umask(tmp_path) -> None:
    old = os.umask(0)
    try:
        FieldCipher.from_key_file(tmp_path / "field.key")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "field.key").stat().st_mode) == 0o600


def test_different_key_files_make_different_keys(tmp_path) -> None:
    first = FieldCipher.from_key_file(tmp_path / "a.key")
    second = FieldCipher.from_key_file(tmp_path / "b.key")
    assert first.key_id != second.key_id


def _write_key_file(path, content: bytes, mode: int = 0o600) -> None:
    path.write_bytes(content)
    path.chmod(mode)


@posix_only
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o620])
def test_key_file_others_can_access_is_refused(tmp_path, mode: int) -> None:
    path = tmp_path / "field.key"
    _write_key_file(path, base64.urlsafe_b64encode(KEY) + b"\n", mode)
    with pytest.raises(ConfigError) as exc:
        FieldCipher.from_key_file(path)
    assert exc.value.code == "key_file_permissions"
    assert "chmod 600" in exc.value.message
    assert path.read_bytes() == base64.urlsafe_b64encode(KEY) + b"\n"  # left alone, not replaced


def test_existing_key_file_is_read(tmp_path) -> None:
    path = tmp_path / "field.key"
    _write_key_file(path, base64.urlsafe_b64encode(KEY) + b"\n")
    assert FieldCipher.from_key_file(path).key_id == CIPHER.key_id


@pytest.mark.parametrize(
    "content",
    [b"", b"not base64 at all!", base64.urlsafe_b64encode(KEY[:16]), base64.urlsafe_b64encode(KEY + b"x"),
     b"A" * 5000, b"\xff\xfe"],
)
def test_malformed_key_file_is_refused_without_echoing_it(tmp_path, content: bytes) -> None:
    path = tmp_path / "field.key"
    _write_key_file(path, content)
    with pytest.raises(ConfigError) as exc:
        FieldCipher.from_key_file(path)
    assert exc.value.code == "key_file_malformed"
    if content:
        assert content.decode("latin-1")[:16] not in exc.value.message


def test_key_file_that_is_a_folder_is_refused(tmp_path) -> None:
    (tmp_path / "field.key").mkdir(mode=0o700)
    with pytest.raises(ConfigError) as exc:
        FieldCipher.from_key_file(tmp_path / "field.key")
    assert exc.value.code == "key_file_unreadable"


def test_a_key_that_cannot_be_written_leaves_no_file_behind(tmp_path, monkeypatch) -> None:
    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(ConfigError) as exc:
        FieldCipher.from_key_file(tmp_path / "field.key")
    assert exc.value.code == "key_file_unwritable"
    assert not (tmp_path / "field.key").exists()


def test_key_file_under_a_regular_file_is_a_config_error(tmp_path) -> None:
    (tmp_path / "not-a-folder").write_text("x")
    with pytest.raises(ConfigError):
        FieldCipher.from_key_file(tmp_path / "not-a-folder" / "field.key")


@posix_only
def test_key_file_in_an_unwritable_folder_is_a_config_error(tmp_path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    try:
        with pytest.raises(ConfigError) as exc:
            FieldCipher.from_key_file(folder / "field.key")
        assert exc.value.code == "key_file_unwritable"
    finally:
        folder.chmod(0o700)


# --- masks ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812348000", "138****8000"),
        ("+86 138 1234 8000", "138****8000"),
        ("0731-84123456", "0731****3456"),
        ("010-12345678", "010****5678"),
        ("84123456", "****3456"),
        ("1234567", "****567"),
        ("12345", "***45"),
        ("110", "**0"),
        ("1", "*"),
        ("", ""),
        ("   ", ""),
        ("保密", "****"),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张", "*"), ("张三", "张*"), ("王小明", "王**"), ("欧阳娜娜", "欧阳**"), ("爱新觉罗溥仪", "爱新****"),
     (" 张三 ", "张*"), ("", "")],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("id_number", "masked"),
    [
        ("430104199001011234", "430***********1234"),
        ("43010419900101123X", "430***********123X"),
        ("43010419900101123x", "430***********123X"),
        ("4301 0419 9001 0112 34", "430***********1234"),
        ("430104900101123", "430********1123"),
        ("E12345678", "*****5678"),
        ("1234", "**34"),
        ("", ""),
    ],
)
def test_mask_id_number(id_number: str, masked: str) -> None:
    assert mask_id_number(id_number) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("湖南省长沙市岳麓区麓山南路932号", "岳麓区****"),
        ("长沙市天心区书院路9号", "天心区****"),
        ("岳麓区麓山南路", "岳麓区****"),
        ("长沙县星沙街道开元路", "长沙县****"),
        ("浏阳市集里街道百宜社区", "浏阳市****"),
        ("宁乡市玉潭街道", "宁乡市****"),
        ("湘江新区梅溪湖", "湘江新区****"),
        ("百宜社区3栋", "****"),  # a community is not a district
        ("阳光小区3栋201", "****"),
        ("12 Main Street", "****"),
        ("", ""),
    ],
)
def test_mask_address(address: str, masked: str) -> None:
    assert mask_address(address) == masked


def test_mask_field_dispatches_and_refuses_unknown_fields() -> None:
    assert mask_field("phone", PHONE) == "138****8000"
    assert mask_field("name", "张三") == "张*"
    assert mask_field("id_number", ID_NUMBER) == "430***********123X"
    assert mask_field("address", ADDRESS) == "岳麓区****"
    with pytest.raises(InvalidCommand):
        mask_field("description", "x")


# '*' is left out: an input made only of asterisks would reveal nothing even when it shows in full
_seven_or_more = st.text(alphabet=st.characters(exclude_characters="*"), min_size=7)


@given(_seven_or_more, st.sampled_from([mask_phone, mask_name, mask_id_number, mask_address]))
def test_masks_never_show_the_whole_input(text: str, mask) -> None:
    assert text not in mask(text)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_every_mobile_number_shows_seven_digits(phone: str) -> None:
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[7:]


# --- callers --------------------------------------------------------------------------------------------------


def test_seal_caller_seals_every_personal_field_of_an_anonymous_caller() -> None:
    sealed = seal_caller(anonymous_caller(), CIPHER, "WO-1")
    assert sealed.is_sealed()
    assert sealed.is_anonymous
    assert sealed.form_of_address == "先生"
    assert sealed.phone_key == CIPHER.phone_key(PHONE)
    for field, plain in (("name", NAME), ("phone", PHONE), ("id_number", ID_NUMBER), ("address", ADDRESS)):
        value = getattr(sealed, field)
        assert isinstance(value, SealedValue)
        assert value.masked == mask_field(field, plain)
        assert open_sealed(CIPHER, value, order_id="WO-1", field=field) == plain


def test_seal_caller_is_idempotent() -> None:
    once = seal_caller(anonymous_caller(), CIPHER, "WO-1")
    assert seal_caller(once, CIPHER, "WO-1") == once  # a reseal would draw a new nonce


def test_seal_caller_seals_a_field_added_later_and_keeps_the_others() -> None:
    once = seal_caller(Caller(phone=PHONE, is_anonymous=True), CIPHER, "WO-1")
    twice = seal_caller(dataclasses.replace(once, name="李四"), CIPHER, "WO-1")
    assert twice.phone == once.phone
    assert isinstance(twice.name, SealedValue)
    assert twice.name.masked == "李*"


def test_seal_caller_treats_blank_text_as_absent() -> None:
    sealed = seal_caller(Caller(name="  ", phone=PHONE, is_anonymous=True), CIPHER, "WO-1")
    assert sealed.name is None
    assert sealed.id_number is None
    assert sealed.is_sealed()


def test_seal_caller_finds_the_phone_key_of_an_already_sealed_phone() -> None:
    sealed_phone = seal(CIPHER, PHONE, order_id="WO-1", field="phone")
    caller = seal_caller(Caller(phone=sealed_phone, is_anonymous=True), CIPHER, "WO-1")
    assert caller.phone_key == CIPHER.phone_key(PHONE)


def test_seal_caller_of_a_named_caller_only_sets_the_phone_key() -> None:
    caller = Caller(name=NAME, phone=PHONE, address=ADDRESS)
    sealed = seal_caller(caller, CIPHER, "WO-1")
    assert sealed == dataclasses.replace(caller, phone_key=CIPHER.phone_key(PHONE))
    assert seal_caller(Caller(name=NAME), CIPHER, "WO-1").phone_key is None


def test_display_caller_shows_masks_for_an_anonymous_caller() -> None:
    shown = display_caller(seal_caller(anonymous_caller(), CIPHER, "WO-1"))
    assert shown == {"name": "张**", "phone": "138****8000", "id_number": "430***********123X",
                     "address": "岳麓区****"}


def test_display_caller_masks_an_anonymous_caller_not_sealed_yet() -> None:
    shown = display_caller(anonymous_caller())
    assert PHONE not in shown.values()
    assert shown["phone"] == "138****8000"


def test_display_caller_shows_a_named_caller_plainly() -> None:
    shown = display_caller(Caller(name=NAME, phone=PHONE))
    assert shown == {"name": NAME, "phone": PHONE, "id_number": "", "address": ""}


# --- reveal ---------------------------------------------------------------------------------------------------


def test_supervisor_reveal_returns_plaintext_and_records_it(caplog: pytest.LogCaptureFixture) -> None:
    order = anonymous_order()
    caplog.set_level(logging.DEBUG, logger="agent_desktop.core.privacy")
    plain, after = reveal(order, "phone", reader=SUPERVISOR, now=NOW, cipher=CIPHER, rules=RULES,
                          purpose="callback for the revisit")
    assert plain == PHONE
    assert order.history == ()  # the input is untouched
    assert len(after.history) == 1
    entry = after.history[0]
    assert entry.action == "reveal_personal_data"
    assert (entry.actor_id, entry.role, entry.seat, entry.at) == ("sup-1", Role.SUPERVISOR, "S01", NOW)
    assert "phone" in entry.note
    assert "callback for the revisit" in entry.note
    assert PHONE not in entry.note
    assert entry.changes == ()
    assert dataclasses.replace(after, history=()) == order
    assert all(PHONE not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("field", "plain"), [("name", NAME), ("id_number", ID_NUMBER), ("address", ADDRESS)])
def test_supervisor_reveals_every_field(field: str, plain: str) -> None:
    value, _ = reveal(anonymous_order(), field, reader=SUPERVISOR, now=NOW, cipher=CIPHER, rules=RULES,
                      purpose="on-site visit")
    assert value == plain


@pytest.mark.parametrize(
    "reader",
    [Actor("agent-7", Role.AGENT, seat="A07"), Actor("unit-3", Role.UNIT, unit="岳麓区城管局"),
     Actor("leader-1", Role.LEADER_SEAT, unit="岳麓区人民政府", seat="L01"), Actor("dialer", Role.SYSTEM)],
)
def test_reveal_by_an_unauthorised_role_is_refused_and_recorded(
    reader: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    order = anonymous_order()
    caplog.set_level(logging.DEBUG, logger="agent_desktop.core.privacy")
    with pytest.raises(AccessRefused) as exc:
        reveal(order, "phone", reader=reader, now=NOW, cipher=CIPHER, rules=RULES, purpose="curious")
    refused = exc.value.order
    assert isinstance(refused, WorkOrder)
    assert exc.value.code == "access_refused"
    assert [e.action for e in refused.history] == ["reveal_refused"]
    entry = refused.history[0]
    assert (entry.actor_id, entry.role, entry.unit, entry.seat) == (reader.user_id, reader.role, reader.unit,
                                                                   reader.seat)
    assert "phone" in entry.note and "curious" in entry.note
    assert PHONE not in str(exc.value) and PHONE not in entry.note
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert order.order_id in message and reader.user_id in message
    for plain in (PHONE, "138****8000", NAME, ID_NUMBER, ADDRESS):
        assert all(plain not in r.getMessage() for r in caplog.records)


def test_decrypt_roles_come_from_the_rules() -> None:
    leader = Actor("leader-1", Role.LEADER_SEAT, unit="岳麓区人民政府")
    rules = RuleParameters(decrypt_roles=frozenset({Role.SUPERVISOR, Role.LEADER_SEAT}))
    plain, after = reveal(anonymous_order(), "phone", reader=leader, now=NOW, cipher=CIPHER, rules=rules,
                          purpose="handling on site")
    assert plain == PHONE
    assert after.history[-1].action == "reveal_personal_data"
    with pytest.raises(AccessRefused):
        reveal(anonymous_order(), "phone", reader=SUPERVISOR, now=NOW, cipher=CIPHER,
               rules=RuleParameters(decrypt_roles=frozenset()), purpose="x")


@pytest.mark.parametrize("purpose", ["", "   "])
def test_reveal_needs_a_purpose(purpose: str) -> None:
    with pytest.raises(InvalidCommand) as exc:
        reveal(anonymous_order(), "phone", reader=SUPERVISOR, now=NOW, cipher=CIPHER, rules=RULES,
               purpose=purpose)
    assert exc.value.code == "missing_purpose"


def test_reveal_of_a_named_caller_is_an_invalid_command() -> None:
    caller = seal_caller(Caller(name=NAME, phone=PHONE), CIPHER, "WO-1")
    order = WorkOrder(order_id="WO-1", channel=Channel.PHONE, created_at=NOW, caller=caller)
    with pytest.raises(InvalidCommand) as exc:
        reveal(order, "phone", reader=SUPERVISOR, now=NOW, cipher=CIPHER, rules=RULES, purpose="x")
    assert exc.value.code == "not_anonymous"


def test_reveal_refuses_bad_requests() -> None:
    order = anonymous_order()
    kwargs = {"reader": SUPERVISOR, "cipher": CIPHER, "rules": RULES, "purpose": "x"}
    with pytest.raises(InvalidCommand):
        reveal(order, "phone", now=datetime(2024, 5, 6, 10, 30), **kwargs)  # naive
    with pytest.raises(InvalidCommand):
        reveal(order, "description", now=NOW, **kwargs)
    no_id = dataclasses.replace(order, caller=dataclasses.replace(order.caller, id_number=None))
    with pytest.raises(InvalidCommand) as exc:
        reveal(no_id, "id_number", now=NOW, **kwargs)
    assert exc.value.code == "no_such_data"


def test_reveal_with_the_wrong_key_or_a_moved_value_is_a_privacy_error() -> None:
    order = anonymous_order("WO-1")
    with pytest.raises(PrivacyError):
        reveal(order, "phone", reader=SUPERVISOR, now=NOW, cipher=OTHER, rules=RULES, purpose="x")
    moved = dataclasses.replace(order, order_id="WO-2")
    with pytest.raises(PrivacyError):
        reveal(moved, "phone", reader=SUPERVISOR, now=NOW, cipher=CIPHER, rules=RULES, purpose="x")


def test_reveal_of_unsealed_data_is_a_privacy_error() -> None:
    order = WorkOrder(order_id="WO-1", channel=Channel.PHONE, created_at=datetime(2024, 5, 6, tzinfo=UTC),
                      caller=anonymous_caller())
    with pytest.raises(PrivacyError) as exc:
        reveal(order, "phone", reader=SUPERVISOR, now=NOW, cipher=CIPHER, rules=RULES, purpose="x")
    assert exc.value.code == "not_sealed"
