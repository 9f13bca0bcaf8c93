"""Field-level privacy of anonymous callers (第15条, 第28条, 第39条).

This module owns everything that touches an anonymous caller's name, phone, ID number and address:
- `FieldCipher`: AES-256-GCM per value, with associated data binding each ciphertext to its order and field,
  so a sealed phone cannot be pasted into another order or into the name field; and an HMAC fingerprint of
  phone numbers (its key derived from the master key with HKDF, never the encryption key itself) so repeat
  callers are found without decrypting anything.
- the key file: created once with owner-only permissions, refused when anyone else could read it;
- the masks every screen and export shows (138****8000, 张*, 430***********1234, 岳麓区****);
- `seal_caller` / `display_caller`, and `reveal`, the one way a person gets plain text back: only roles named
  in `RuleParameters.decrypt_roles`, with a stated purpose, and every attempt, allowed or refused, in the
  history.

Plain personal data is never logged here, and the key is never logged or shown (`repr` shows a key id only).
Standard library and `cryptography` only; time is passed in.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import errno
import hashlib
import hmac
import json
import logging
import os
import re
import stat
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from agent_desktop.core.errors import AccessRefused, ConfigError, InvalidCommand, PrivacyError
from agent_desktop.core.masks import (
    mask_address,
    mask_field,
    mask_id_number,
    mask_name,
    mask_phone,
    normalise_phone,
)
from agent_desktop.core.roles import Actor
from agent_desktop.core.rule_parameters import RuleParameters
from agent_desktop.core.work_order import Caller, HistoryEntry, SealedValue, WorkOrder
from agent_desktop.core.working_days import require_aware

logger = logging.getLogger(__name__)

__all__ = ["mask_address", "mask_field", "mask_id_number", "mask_name", "mask_phone", "normalise_phone"]

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96-bit GCM nonce, random per value
TAG_BYTES = 16
CIPHERTEXT_VERSION = "v1"

# HKDF "info" labels: each derived key has one purpose, so no derived key ever equals the encryption key.
_PHONE_KEY_INFO = b"agent-desktop/v1/phone-fingerprint"
_KEY_ID_INFO = b"agent-desktop/v1/key-id"

# A key file is one line of base64; anything much longer is not a key file.
_KEY_FILE_MAX_BYTES = 1024
# A sealed personal field: a name, a number or an address of at most a few hundred characters, in UTF-8 and base64
MAX_CIPHERTEXT_CHARS = 4096
MAX_MASK_CHARS = 64

PERSONAL_FIELDS: tuple[str, ...] = Caller.PERSONAL_FIELDS

REVEAL_ACTION = "reveal_personal_data"
REVEAL_REFUSED_ACTION = "reveal_refused"


def _derive(master_key: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(master_key)


class FieldCipher:
    """Seals and opens single field values with one master key.

    Ciphertext text format: ``"v1:" + urlsafe_base64(nonce || ciphertext_and_tag)``. The associated data is
    the version, the order id and the field name, so a value opens only where it was sealed.
    """

    __slots__ = ("_aead", "_key_id", "_phone_key")

    def __init__(self, master_key: bytes) -> None:
        if not isinstance(master_key, bytes | bytearray) or len(master_key) != KEY_BYTES:
            raise PrivacyError(f"a field key must be {KEY_BYTES} bytes", code="bad_key")
        key = bytes(master_key)
        self._aead = AESGCM(key)
        self._phone_key = _derive(key, _PHONE_KEY_INFO, 32)
        self._key_id = _derive(key, _KEY_ID_INFO, 8).hex()

    @classmethod
    def generate(cls) -> FieldCipher:
        """A cipher with a fresh random key (tests, and the key file's first use)."""
        return cls(os.urandom(KEY_BYTES))

    @classmethod
    def from_key_file(cls, path: str | os.PathLike[str]) -> FieldCipher:
        """Read the master key from `path`, creating it (owner-only, 0o600) on first use."""
        return cls(load_or_create_key(Path(path)))

    @property
    def key_id(self) -> str:
        """A short fingerprint that tells keys apart (for logs and support) and reveals nothing of the key."""
        return self._key_id

    def __repr__(self) -> str:
        return f"FieldCipher(key_id={self._key_id})"

    def __reduce__(self) -> tuple[object, ...]:
        # pickling would copy the key into whatever stores the pickle
        raise TypeError("a FieldCipher cannot be pickled")

    def encrypt(self, plaintext: str, *, order_id: str, field: str) -> str:
        if not isinstance(plaintext, str):
            raise InvalidCommand(
                f"only text can be sealed, got {type(plaintext).__name__}", code="bad_plaintext"
            )
        try:
            data = plaintext.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidCommand("text to seal is not valid Unicode", code="bad_plaintext") from exc
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, data, _associated_data(order_id, field))
        return f"{CIPHERTEXT_VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str, *, order_id: str, field: str) -> str:
        aad = _associated_data(order_id, field)
        if not isinstance(token, str):
            raise PrivacyError("a sealed value must be text", code="malformed_ciphertext")
        version, sep, body = token.partition(":")
        if not sep:
            raise PrivacyError("a sealed value has no version prefix", code="malformed_ciphertext")
        if version != CIPHERTEXT_VERSION:
            raise PrivacyError(f"unknown sealed-value version {version[:8]!r}", code="unknown_cipher_version")
        try:
            raw = base64.b64decode(body.encode("ascii"), altchars=b"-_", validate=True)
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise PrivacyError("a sealed value is not valid base64", code="malformed_ciphertext") from exc
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise PrivacyError("a sealed value is too short", code="malformed_ciphertext")
        try:
            data = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
        except InvalidTag as exc:
            raise PrivacyError(
                f"the sealed {field} of order {order_id} cannot be opened: wrong key, altered value, "
                "or a value sealed for another order or field",
                code="cannot_open",
            ) from exc
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:  # pragma: no cover - authenticated data is what we encrypted
            raise PrivacyError("a sealed value holds no text", code="malformed_ciphertext") from exc

    def phone_key(self, phone: str) -> str:
        """Keyed fingerprint (HMAC-SHA256, hex) of the normalised number: equal for "+86 138 1234 8000" and
        "13812348000", different under another key, and useless to anyone without the key."""
        digits = normalise_phone(phone)
        if not digits:
            raise InvalidCommand("a phone number needs digits", code="bad_phone")
        return hmac.new(self._phone_key, digits.encode("ascii"), hashlib.sha256).hexdigest()


def _associated_data(order_id: str, field: str) -> bytes:
    if not isinstance(order_id, str) or not order_id:
        raise InvalidCommand("sealing needs the order id", code="missing_order_id")
    if not isinstance(field, str) or not field:
        raise InvalidCommand("sealing needs the field name", code="missing_field")
    # JSON makes the encoding unambiguous whatever characters the id holds
    return json.dumps([CIPHERTEXT_VERSION, order_id, field], ensure_ascii=True).encode("ascii")


# --- key file ---------------------------------------------------------------------------------------------


def load_or_create_key(path: Path) -> bytes:
    """The master key stored at `path`; on first use a new random key is written there, owner-only.

    The file holds one line of urlsafe base64. On POSIX a key file any group or other user may access is
    refused rather than used, since a key others can read protects nothing.
    """
    try:
        return _read_key_file(path)
    except FileNotFoundError:
        pass
    try:
        return _create_key_file(path)
    except FileExistsError:
        # another process created it between our read and our create
        return _read_key_file(path)


def load_key_file(path: Path) -> bytes:
    """The master key stored at `path`, which must exist (the central store holds the hotline's key, it never makes
    one: a new key would open nothing the seats sealed). Refused like `load_or_create_key` when others may read it."""
    try:
        return _read_key_file(path)
    except FileNotFoundError as exc:
        raise ConfigError(f"the field key file {path} does not exist; copy the hotline's field key there (mode 600)",
                          code="key_file_unreadable") from exc


def _read_key_file(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise _key_file_error("read", path, exc) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"the field key file {path} is not a regular file", code="key_file_unreadable")
        if os.name == "posix" and info.st_mode & 0o077:
            raise ConfigError(
                f"the field key file {path} is accessible to group or others (mode "
                f"{stat.S_IMODE(info.st_mode):03o}); run `chmod 600 {path}`",
                code="key_file_permissions",
            )
        content = os.read(fd, _KEY_FILE_MAX_BYTES + 1)
    except OSError as exc:
        raise _key_file_error("read", path, exc) from exc
    finally:
        os.close(fd)
    return _parse_key(content, path)


def _key_file_error(what: str, path: Path, exc: OSError) -> ConfigError:
    code = "key_file_unreadable" if what == "read" else "key_file_unwritable"
    return ConfigError(f"cannot {what} the field key file {path}: {exc.strerror or exc}", code=code)


def _parse_key(content: bytes, path: Path) -> bytes:
    malformed = ConfigError(
        f"the field key file {path} is malformed: expected one line of base64 holding {KEY_BYTES} bytes",
        code="key_file_malformed",
    )
    if len(content) > _KEY_FILE_MAX_BYTES:
        raise malformed
    try:
        key = base64.b64decode(content.strip(), altchars=b"-_", validate=True)
    except binascii.Error as exc:
        raise malformed from exc
    if len(key) != KEY_BYTES:
        raise malformed
    return key


def _create_key_file(path: Path) -> bytes:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise _key_file_error("create the folder of", path, exc) from exc
    key = os.urandom(KEY_BYTES)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        # the mode is given at creation, so the file is never readable by others, not even for an instant
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise
    except OSError as exc:
        raise _key_file_error("create", path, exc) from exc
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # a umask may have taken the owner's own bits away
        line = base64.urlsafe_b64encode(key) + b"\n"
        if os.write(fd, line) != len(line):
            raise OSError(errno.EIO, "short write")
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        path.unlink(missing_ok=True)  # never leave a half-written key behind
        raise _key_file_error("write", path, exc) from exc
    os.close(fd)
    _sync_folder(path.parent)
    logger.info("created a new field key file %s (key id %s)", path, FieldCipher(key).key_id)
    return key


def _sync_folder(folder: Path) -> None:
    """Make the new file's name durable too: losing the key loses every value sealed with it."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the file itself is synced
    finally:
        os.close(fd)


# --- owner-only files: the stores hold callers' personal data, token files a credential -------------------------

PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_folder(folder: Path) -> None:
    """Create `folder` (and its parents) with the last one owner-only. A folder that already exists is left as it is
    (it may be one the user chose, shared on purpose), with a warning when others may enter it."""
    try:
        folder.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True)
    except FileExistsError:
        if os.name == "posix" and folder.is_dir() and stat.S_IMODE(folder.stat().st_mode) & 0o077:
            logger.warning("the folder %s is open to group or others (mode %03o); the files in it are owner-only, "
                           "but `chmod 700 %s` keeps even their names private", folder,
                           stat.S_IMODE(folder.stat().st_mode), folder)
        return
    folder.chmod(PRIVATE_FOLDER_MODE)  # a umask may have taken the owner's own bits away


def private_file(path: Path, what: str) -> None:
    """Make `path` an owner-only file before a database opens it: created empty with mode 0600 when missing (SQLite
    gives its -wal and -shm files the mode of the database), narrowed to 0600 with a warning when others may read
    it, refused (`ConfigError`, code `file_permissions`) when it cannot be narrowed."""
    if os.name != "posix":
        return
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        os.close(os.open(path, flags, PRIVATE_FILE_MODE))
        return
    except FileExistsError:
        pass
    except OSError as exc:
        raise ConfigError(f"cannot create {what} {path}: {exc.strerror or exc}", code="file_permissions") from exc
    narrow_file(path, what)


def narrow_file(path: Path, what: str) -> None:
    """An existing file others may access: narrowed to 0600 with a warning; refused when that fails."""
    if os.name != "posix":
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ConfigError(f"cannot read the permissions of {what} {path}: {exc.strerror or exc}",
                          code="file_permissions") from exc
    if not mode & 0o077:
        return
    try:
        path.chmod(PRIVATE_FILE_MODE)
    except OSError as exc:
        raise ConfigError(f"{what} {path} is accessible to group or others (mode {mode:03o}) and cannot be made "
                          f"owner-only: {exc.strerror or exc}; run `chmod 600 {path}`",
                          code="file_permissions") from exc
    logger.warning("%s %s was accessible to group or others (mode %03o); it is now owner-only (600)", what, path, mode)


def check_secret_file(path: Path, what: str) -> None:
    """Refuse (`ConfigError`, code `file_permissions`) a file holding a secret that group or others may access, as
    the field key file is refused: a secret others can read is no longer one."""
    if os.name != "posix":
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return  # the reader reports a missing or unreadable file in its own words
    if mode & 0o077:
        raise ConfigError(f"{what} {path} is accessible to group or others (mode {mode:03o}); run `chmod 600 {path}`",
                          code="file_permissions")


# --- sealing ----------------------------------------------------------------------------------------------


def _check_personal_field(field: str) -> None:
    if field not in PERSONAL_FIELDS:
        known = ", ".join(PERSONAL_FIELDS)
        raise InvalidCommand(
            f"{field!r} is not a personal field; expected one of {known}", code="unknown_personal_field"
        )


def seal(cipher: FieldCipher, plaintext: str, *, order_id: str, field: str) -> SealedValue:
    """Encrypt one personal field of one order, with its mask for screens."""
    _check_personal_field(field)
    ciphertext = cipher.encrypt(plaintext, order_id=order_id, field=field)
    return SealedValue(ciphertext=ciphertext, masked=mask_field(field, plaintext))


def open_sealed(cipher: FieldCipher, value: SealedValue, *, order_id: str, field: str) -> str:
    """Decrypt one sealed field. For machine use within the core; a person reads through `reveal`."""
    if not isinstance(value, SealedValue):
        raise InvalidCommand(f"the {field} to open is not a sealed value", code="not_sealed")
    return cipher.decrypt(value.ciphertext, order_id=order_id, field=field)


# The shapes `masks` produces, field by field: a sealed value whose mask has none of them was not made by `seal` (a
# plain number or name posing as a mask would be shown on every screen as it is).
_MASK_SHAPES: dict[str, re.Pattern[str]] = {
    "phone": re.compile(r"1\d{2}\*{4}\d{4}|0[12]\d\*{3,}\d{4}|0[03-9]\d{2}\*{2,}\d{4}|(\*+)(\d{0,4})"),
    "name": re.compile(r"\*|\S\*{1,2}|\S.\*{2,}"),
    "id_number": re.compile(r"(\S{0,3}?)(\*+)(\S{0,4}?)"),
    "address": re.compile(r"(?:[^\d\s]{1,6}[省市区县])?\*{4}"),
}


def is_mask_shape(field: str, masked: str) -> bool:
    """Whether `masked` has the shape of a mask `masks` makes for `field` (138****8000, 张*, 430***********1234,
    岳麓区****): never a whole number, name or ID number."""
    shape = _MASK_SHAPES.get(field)
    if shape is None or not isinstance(masked, str) or not masked or len(masked) > MAX_MASK_CHARS:
        return False
    match = shape.fullmatch(masked)
    if match is None:
        return False
    if field == "phone" and match.group(1) is not None:
        return len(match.group(2)) <= len(match.group(1))  # short numbers keep at most half of their digits
    if field == "id_number":
        return len(match.group(1)) + len(match.group(3)) <= len(match.group(2))
    return True


def is_token_shape(ciphertext: str) -> bool:
    """Whether `ciphertext` is a well-formed token of `FieldCipher`: version prefix, urlsafe base64 of a nonce, at
    least one byte and the tag, within `MAX_CIPHERTEXT_CHARS`."""
    if not isinstance(ciphertext, str) or len(ciphertext) > MAX_CIPHERTEXT_CHARS:
        return False
    version, sep, body = ciphertext.partition(":")
    if not sep or version != CIPHERTEXT_VERSION:
        return False
    try:
        raw = base64.b64decode(body.encode("ascii"), altchars=b"-_", validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return False
    return len(raw) > NONCE_BYTES + TAG_BYTES and base64.urlsafe_b64encode(raw).decode("ascii") == body


def check_sealed_value(value: SealedValue, *, field: str, order_id: str | None = None,
                       cipher: FieldCipher | None = None) -> None:
    """Refuse (`PrivacyError`, code `bad_seal`) a sealed value that is not proven sealed: its ciphertext must be a
    token of the field cipher and its mask a mask of `field`; with the `cipher` (and the order it was sealed for) it
    must also open, and its mask must be the mask of what it holds. The messages name the field and the problem,
    never the value."""
    _check_personal_field(field)
    if not isinstance(value, SealedValue):
        raise PrivacyError(f"the sealed {field} is not a sealed value", code="bad_seal", details={"field": field})
    if not is_token_shape(value.ciphertext):
        raise PrivacyError(f"the sealed {field} is not a token of the field cipher (第15条)", code="bad_seal",
                           details={"field": field, "problem": "ciphertext"})
    if not is_mask_shape(field, value.masked):
        raise PrivacyError(f"the mask of the sealed {field} is not a mask (第15条)", code="bad_seal",
                           details={"field": field, "problem": "mask"})
    if cipher is None or order_id is None:
        return
    try:
        plaintext = cipher.decrypt(value.ciphertext, order_id=order_id, field=field)
    except PrivacyError as exc:
        raise PrivacyError(f"the sealed {field} of order {order_id} does not open with the field key", code="bad_seal",
                           details={"field": field, "problem": "cannot_open"}) from exc
    if mask_field(field, plaintext) != value.masked:
        raise PrivacyError(f"the mask of the sealed {field} is not the mask of its value", code="bad_seal",
                           details={"field": field, "problem": "mask_mismatch"})


def check_sealed_caller(caller: Caller, *, order_id: str | None = None, cipher: FieldCipher | None = None) -> None:
    """`check_sealed_value` for every sealed personal field of `caller`."""
    for name in PERSONAL_FIELDS:
        value = getattr(caller, name)
        if isinstance(value, SealedValue):
            check_sealed_value(value, field=name, order_id=order_id, cipher=cipher)


def seal_caller(caller: Caller, cipher: FieldCipher, order_id: str) -> Caller:
    """For an anonymous caller, seal every present personal field (fields already sealed are kept as they are;
    blank text counts as absent) and set `phone_key`; for any other caller, only set `phone_key`."""
    changes: dict[str, object] = {}
    if caller.is_anonymous:
        for name in PERSONAL_FIELDS:
            value = getattr(caller, name)
            if isinstance(value, str):
                changes[name] = seal(cipher, value, order_id=order_id, field=name) if value.strip() else None
    changes["phone_key"] = _phone_key_of(caller, cipher, order_id)
    return dataclasses.replace(caller, **changes)


def _phone_key_of(caller: Caller, cipher: FieldCipher, order_id: str) -> str | None:
    phone = caller.phone
    if isinstance(phone, SealedValue):
        if caller.phone_key is not None:
            return caller.phone_key
        # machine use: the fingerprint needs the number, no person sees it
        return cipher.phone_key(open_sealed(cipher, phone, order_id=order_id, field="phone"))
    if phone is None or not phone.strip():
        return None
    return cipher.phone_key(phone)


def display_caller(caller: Caller) -> dict[str, str]:
    """What a view or an export may show of the caller's personal fields: masks for an anonymous caller (and
    for any sealed value), plain text otherwise; "" for an absent field."""
    shown: dict[str, str] = {}
    for name in PERSONAL_FIELDS:
        value = getattr(caller, name)
        if value is None:
            shown[name] = ""
        elif isinstance(value, SealedValue):
            # a mask that is not one (a forged sealed value) is masked again rather than shown as it is
            shown[name] = value.masked if is_mask_shape(name, value.masked) else mask_field(name, value.masked)
        elif caller.is_anonymous:
            shown[name] = mask_field(name, value)  # not sealed yet: still never shown plain
        else:
            shown[name] = value
    return shown


# --- reveal -----------------------------------------------------------------------------------------------


def reveal(
    order: WorkOrder,
    field: str,
    *,
    reader: Actor,
    now: datetime,
    cipher: FieldCipher,
    rules: RuleParameters,
    purpose: str,
) -> tuple[str, WorkOrder]:
    """Decrypt one personal field of an anonymous caller for a person (第15条, 第39条).

    Allowed for the roles in `rules.decrypt_roles`; returns the plain text and the order with a
    `reveal_personal_data` entry in its history (field and purpose, never the value). Anyone else gets
    `AccessRefused`, whose `order` carries a `reveal_refused` entry, and a WARNING in the log.
    """
    require_aware(now, "the time of a reveal")
    if order.history and now < order.history[-1].at:
        raise InvalidCommand("a reveal cannot be dated before the order's last step (第14条)", code="bad_time")
    _check_personal_field(field)
    if not isinstance(purpose, str) or not purpose.strip():
        raise InvalidCommand("revealing personal data needs a stated purpose", code="missing_purpose")
    purpose = purpose.strip()
    if not order.caller.is_anonymous:
        raise InvalidCommand(
            f"the caller of order {order.order_id} is not anonymous; nothing is sealed", code="not_anonymous"
        )
    if reader.role not in rules.decrypt_roles:
        refused = _with_entry(order, reader, now, REVEAL_REFUSED_ACTION,
                              f"field={field}; purpose={purpose}; role {reader.role.value} may not decrypt")
        logger.warning(
            "refused to reveal the %s of order %s to %s (role %s, not a decrypting role)",
            field, order.order_id, reader.user_id, reader.role.value,
        )
        raise AccessRefused(
            f"role {reader.role.zh} may not see the anonymous caller's {field} (第15条)",
            order=refused,
            details={"field": field, "role": reader.role.value, "order_id": order.order_id},
        )
    value = getattr(order.caller, field)
    if value is None:
        raise InvalidCommand(f"order {order.order_id} holds no {field} of the caller", code="no_such_data")
    if not isinstance(value, SealedValue):
        raise PrivacyError(
            f"the {field} of anonymous order {order.order_id} is not sealed", code="not_sealed"
        )
    plaintext = open_sealed(cipher, value, order_id=order.order_id, field=field)
    revealed = _with_entry(order, reader, now, REVEAL_ACTION, f"field={field}; purpose={purpose}")
    logger.info("revealed the %s of order %s to %s (role %s)", field, order.order_id, reader.user_id,
                reader.role.value)
    return plaintext, revealed


def _with_entry(order: WorkOrder, reader: Actor, now: datetime, action: str, note: str) -> WorkOrder:
    entry = HistoryEntry(
        at=now, actor_id=reader.user_id, role=reader.role, action=action, note=note, seat=reader.seat,
        unit=reader.unit,
    )
    return dataclasses.replace(order, history=(*order.history, entry))
