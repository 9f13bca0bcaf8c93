"""The masks every screen, export and history entry shows of personal data (第15条, 第28条): 138****8000, 张*,
430***********1234, 岳麓区****. Pure string functions; `privacy` seals, this module only hides."""

from __future__ import annotations

import re
import unicodedata

from agent_desktop.core.errors import InvalidCommand


def normalise_phone(phone: str) -> str:
    """Digits only (full-width digits count), without the +86 / 0086 country prefix."""
    text = phone.strip()
    digits = "".join(str(unicodedata.decimal(ch)) for ch in text if ch.isdecimal())
    if text[:1] in ("+", "＋") and digits.startswith("86"):
        return digits[2:]
    if digits.startswith("0086"):
        return digits[4:]
    if len(digits) == 13 and digits.startswith("861"):  # 86 written without the plus before a mobile number
        return digits[2:]
    return digits


def _mask_middle(text: str, head: int, tail: int) -> str:
    """Keep `head` and `tail` characters and star the rest; shorter text keeps fewer, so that at least half
    of it is hidden."""
    n = len(text)
    while head + tail > n // 2 and head:
        head -= 1
    while head + tail > n // 2 and tail:
        tail -= 1
    return text[:head] + "*" * (n - head - tail) + (text[n - tail :] if tail else "")


def mask_phone(phone: str) -> str:
    """Mobile 13812348000 → 138****8000; landline 0731-84123456 → 0731****3456; other numbers keep at most
    their last four digits (84123456 → ****3456, 12345 → ***45)."""
    text = phone.strip()
    if not text:
        return ""
    digits = normalise_phone(text)
    if not digits:
        return "****"
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[7:]
    if digits.startswith("0") and len(digits) >= 10:
        area = 3 if digits[1] in "12" else 4  # 010 and 02x are the three-digit area codes
        return digits[:area] + "*" * (len(digits) - area - 4) + digits[-4:]
    return _mask_middle(digits, 0, 4)


def mask_name(name: str) -> str:
    """张 → *; 张三 → 张*; 王小明 → 王**; 欧阳娜娜 → 欧阳** (four characters and more keep the first
    two, which covers compound surnames)."""
    text = name.strip()
    n = len(text)
    if n == 0:
        return ""
    if n == 1:
        return "*"
    keep = 1 if n <= 3 else 2
    return text[:keep] + "*" * (n - keep)


def mask_id_number(id_number: str) -> str:
    """430104199001011234 → 430***********1234 (first three, last four); shorter numbers keep less."""
    text = "".join(id_number.split()).upper()
    if not text:
        return ""
    return _mask_middle(text, 3, 4)


# The leading administrative divisions of an address: province, city, then district/county (or a county-level
# city). Street, road, community and building words stop the match, so no more than the district shows.
_NOT_IN_DIVISION = "省市区县路街道巷弄镇村社小园栋楼号室单元组 \t\r\n0-9０-９"
_DIVISIONS = re.compile(
    rf"^(?P<province>[^{_NOT_IN_DIVISION}]{{2,6}}?省)?"
    rf"(?P<city>[^{_NOT_IN_DIVISION}]{{1,6}}?市)?"
    rf"(?P<district>[^{_NOT_IN_DIVISION}]{{1,5}}?[区县市])?"
)


# Changsha's districts, county and county-level cities, and the new area: a leading "…区" is shown only when it is
# one of these or follows a city or province, so a compound's own "C区" or "二区" never shows.
KNOWN_DIVISIONS = frozenset({"芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区", "长沙县", "浏阳市", "宁乡市",
                             "湘江新区"})


def mask_address(address: str) -> str:
    """湖南省长沙市岳麓区麓山南路932号 → 岳麓区****: only the lowest leading division (district or
    county, else city, else province) stays; with none, everything is masked."""
    text = address.strip()
    if not text:
        return ""
    if text.startswith("湘江新区"):
        return "湘江新区****"
    match = _DIVISIONS.match(text)
    kept = ""
    if match:
        district = match.group("district")
        above = match.group("city") or match.group("province")
        kept = district if district and (district in KNOWN_DIVISIONS or above) else above or ""
    return kept + "****"


_MASKS = {"name": mask_name, "phone": mask_phone, "id_number": mask_id_number, "address": mask_address}


def mask_field(field: str, value: str) -> str:
    """The mask of one personal field (`Caller.PERSONAL_FIELDS`)."""
    try:
        mask = _MASKS[field]
    except KeyError:
        raise InvalidCommand(f"{field!r} is not a personal field", code="unknown_personal_field") from None
    return mask(value)
