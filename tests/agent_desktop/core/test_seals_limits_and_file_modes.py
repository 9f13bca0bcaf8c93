"""Issue 15 in the core: a sealed value is proven sealed (a token of the field cipher, a mask that is a mask), screens
never show a forged mask as it is, errors about a caller never repeat its values, every text field has a limit that
fits its meaning, and the stores' files are owner-only."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_desktop.core.errors import ConfigError, InvalidCommand, PrivacyError
from agent_desktop.core.lifecycle import FileAppeal
from agent_desktop.core.masks import mask_field
from agent_desktop.core.privacy import (
    FieldCipher,
    check_sealed_value,
    check_secret_file,
    display_caller,
    is_mask_shape,
    is_token_shape,
    private_file,
    private_folder,
    seal,
)
from agent_desktop.core.serialization import command_from_dict
from agent_desktop.core.validation import TEXT_LIMITS, normalise_dataclass
from agent_desktop.core.work_order import AppealReason, Caller, CallLink, SealedValue

PHONE = "13987654321"
FIELDS = ("name", "phone", "id_number", "address")


@given(st.sampled_from(FIELDS), st.text(alphabet="0123456789０１+-() 张三王小明欧阳abcXYZ省市区县路号湘江新区岳麓\t",
                                         min_size=1, max_size=30))
def test_every_mask_the_masks_make_has_a_mask_shape_and_a_real_seal_passes(field: str, value: str) -> None:
    masked = mask_field(field, value)
    if masked:
        assert is_mask_shape(field, masked)
        cipher = FieldCipher(b"k" * 32)
        sealed = seal(cipher, value, order_id="WO-1", field=field)
        check_sealed_value(sealed, field=field, order_id="WO-1", cipher=cipher)


@pytest.mark.parametrize(("field", "plain"), [("phone", PHONE), ("phone", "0731-84123456"), ("name", "张三"),
                                              ("name", "欧阳娜娜"), ("id_number", "430104199001011234"),
                                              ("address", "岳麓区麓山南路932号")])
def test_plain_personal_data_is_never_a_mask_and_a_forged_seal_is_refused_without_the_value(field: str,
                                                                                           plain: str) -> None:
    assert not is_mask_shape(field, plain)
    cipher = FieldCipher.generate()
    token = cipher.encrypt(plain, order_id="WO-1", field=field)
    for forged in (SealedValue(plain, plain), SealedValue(token, plain), SealedValue(plain, mask_field(field, plain))):
        with pytest.raises(PrivacyError) as refused:
            check_sealed_value(forged, field=field)
        assert refused.value.code == "bad_seal" and plain not in refused.value.message
    shown = display_caller(Caller(**{field: SealedValue(token, plain)}, is_anonymous=True))[field]
    assert shown != plain and shown == mask_field(field, plain)  # a seat that got one shows a mask all the same


def test_with_the_key_a_seal_must_open_for_its_order_and_carry_its_own_mask() -> None:
    cipher = FieldCipher.generate()
    good = seal(cipher, PHONE, order_id="WO-1", field="phone")
    check_sealed_value(good, field="phone", order_id="WO-1", cipher=cipher)
    for value, order_id, key in ((good, "WO-2", cipher), (good, "WO-1", FieldCipher.generate()),
                                 (SealedValue(good.ciphertext, "138****0000"), "WO-1", cipher)):
        with pytest.raises(PrivacyError) as refused:
            check_sealed_value(value, field="phone", order_id=order_id, cipher=key)
        assert refused.value.code == "bad_seal" and PHONE not in refused.value.message
    assert not is_token_shape("v1:" + "A" * 10) and not is_token_shape("v2:" + good.ciphertext[3:])
    assert not is_token_shape("v1:" + "A" * 5000)


def test_errors_about_a_caller_name_the_field_and_never_the_value() -> None:
    for caller in ({"phone": int(PHONE), "is_anonymous": True}, {"name": ["张", "三丰"]},
                   {"address": {"x": "麓山南路932号"}}):
        with pytest.raises(InvalidCommand) as refused:
            command_from_dict({"action": "open", "channel": "phone", "caller": caller})
        message = refused.value.message
        assert "caller." in message and PHONE not in message and "三丰" not in message and "麓山南路" not in message
    with pytest.raises(InvalidCommand) as refused:
        normalise_dataclass(Caller(phone="1" * 40), Caller, "caller")
    assert refused.value.code == "too_long" and "1" * 40 not in refused.value.message


def test_text_fields_have_limits_that_fit_their_meaning() -> None:
    assert TEXT_LIMITS["recording"] < TEXT_LIMITS["reason"] < TEXT_LIMITS["description"]
    normalise_dataclass(CallLink("1700000000.1", recording="r" * 255), CallLink, "call")
    for call in (CallLink("1700000000.1", recording="r" * 256), CallLink("1" * 65)):
        with pytest.raises(InvalidCommand) as refused:
            normalise_dataclass(call, CallLink, "call")
        assert refused.value.code == "too_long"
    normalise_dataclass(FileAppeal(AppealReason(1), ("x",) * 20), FileAppeal, "file_appeal")
    with pytest.raises(InvalidCommand) as refused:
        normalise_dataclass(FileAppeal(AppealReason(1), ("x",) * 21), FileAppeal, "file_appeal")
    assert refused.value.code == "too_many"


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_private_folders_and_files_are_owner_only_and_wide_ones_are_narrowed_or_refused(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    old = os.umask(0o022)
    try:
        folder = tmp_path / "data"
        private_folder(folder)
        path = folder / "store.sqlite3"
        private_file(path, "the store")
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(path.stat().st_mode) == 0o600
        path.chmod(0o644)
        with caplog.at_level(logging.WARNING):
            private_file(path, "the store")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and "owner-only" in caplog.text
        secret = tmp_path / "token"
        secret.write_text("t")
        secret.chmod(0o640)
        with pytest.raises(ConfigError) as refused:
            check_secret_file(secret, "the token file")
        assert refused.value.code == "file_permissions"
    finally:
        os.umask(old)
