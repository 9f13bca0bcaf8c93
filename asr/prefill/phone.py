"""Callback numbers as callers say them.

Callers read a number digit by digit, in groups, with pauses and fillers: 一三八 一二三四 五六七八, 幺三八…
(幺 for 1 so it is not heard as 七), 两 for 2, 洞 for 0, Arabic digits typed or printed by the recogniser, or a
mix. Vosk may write the spoken 幺 as a homophone (腰, 妖). Numbers with 十/百/千 (八十八号, 两千块) are quantities,
not digits read one by one, so they break a run.

A run of digits is a mobile number (11 digits, 1[3-9]…), a Changsha landline (0731 + 8 digits, written
0731-8xxxxxxx) or, said right after 电话/号码/座机, the 8 digits of a landline without the area code. A caller
who corrects himself ("…六八五 哦 不对 最后是六八七") replaces the tail of the number he just said, or the whole
number when he says it again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DIGITS = {
    **{str(d): str(d) for d in range(10)},
    "零": "0", "〇": "0", "洞": "0",
    "一": "1", "幺": "1", "腰": "1", "妖": "1",
    "二": "2", "两": "2",
    "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
}  # fmt: skip
# characters that may sit between the digits of one number: separators, pauses, fillers
_INSIDE = set("-—－–_、,，.。 杠嗯啊呃额哦噢")
_MAX_GAP = 2
_CORRECTION = re.compile(r"不对|错了|说错|不是|应该是|更正|纠正|重说|重新说")
_PHONE_CONTEXT = re.compile(r"电话|号码|手机|座机|联系方式|联系我|打我|回电|回拨|拨打|尾号")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_AREA_CODE = "0731"
_MIN_CORRECTION_CONTEXT = 12


@dataclass(frozen=True, slots=True)
class DigitRun:
    digits: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    number: str  # 13812345678 or 0731-84521376
    start: int  # span in the compact text, for the evidence
    end: int


def digit_runs(compact: str) -> list[DigitRun]:
    """Runs of spoken or written digits, tolerating short separators and fillers between them."""
    runs: list[DigitRun] = []
    digits: list[str] = []
    start = end = 0
    gap = 0
    for position, char in enumerate(compact):
        digit = DIGITS.get(char)
        if digit is not None:
            if not digits:
                start = position
            digits.append(digit)
            end = position + 1
            gap = 0
        elif digits and char in _INSIDE and gap < _MAX_GAP:
            gap += 1
        else:
            if digits:
                runs.append(DigitRun("".join(digits), start, end))
            digits, gap = [], 0
    if digits:
        runs.append(DigitRun("".join(digits), start, end))
    return runs


def _as_number(run: DigitRun, compact: str) -> str | None:
    digits = run.digits
    if digits.startswith(_AREA_CODE) and len(digits) in (12, 13):
        return f"{_AREA_CODE}-{digits[4:12]}"
    if _MOBILE.match(digits) and len(digits) in (11, 12):
        # a twelfth digit is the 一 of a word that follows (一直, 一下), not part of the number
        return digits[:11]
    said_as_phone = _PHONE_CONTEXT.search(compact[max(0, run.start - 10) : run.start])
    if len(digits) == 8 and digits[0] in "2345678" and said_as_phone:
        return f"{_AREA_CODE}-{digits}"
    return None


def _corrects(compact: str, previous: PhoneNumber, run: DigitRun) -> bool:
    between = compact[previous.end : run.start]
    return len(between) <= _MIN_CORRECTION_CONTEXT and bool(_CORRECTION.search(between))


def find_phone(compact: str) -> PhoneNumber | None:
    """The caller's callback number in compact text, or None. Prefers a number said right after 电话/号码…;
    otherwise the last one said (a caller repeats or corrects the number he means)."""
    runs = digit_runs(compact)
    candidates: list[tuple[PhoneNumber, bool]] = []
    for run in runs:
        number = _as_number(run, compact)
        if number is not None:
            context = bool(_PHONE_CONTEXT.search(compact[max(0, run.start - 12) : run.start]))
            if candidates and _corrects(compact, candidates[-1][0], run):
                # the caller says the whole number again after "不对": it replaces the one he just said
                context = context or candidates.pop()[1]
            candidates.append((PhoneNumber(number, run.start, run.end), context))
            continue
        if not candidates:
            continue
        previous, context = candidates[-1]
        bare = previous.number.replace("-", "")
        if _corrects(compact, previous, run) and len(run.digits) < len(bare):
            corrected = bare[: len(bare) - len(run.digits)] + run.digits
            if previous.number.startswith(f"{_AREA_CODE}-"):
                corrected = f"{_AREA_CODE}-{corrected[4:]}"
            candidates[-1] = (PhoneNumber(corrected, previous.start, run.end), context)
    if not candidates:
        return None
    with_context = [c for c, context in candidates if context]
    return with_context[-1] if with_context else candidates[-1][0]
