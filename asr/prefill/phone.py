"""Callback numbers as callers say them.

Callers read a number digit by digit, in groups, with pauses and fillers: 一三八 一二三四 五六七八, 幺三八…
(幺 for 1 so it is not heard as 七), 两 for 2, 洞 for 0, Arabic digits typed or printed by the recogniser, or a
mix. Vosk may write the spoken 幺 as a homophone (腰, 妖). Numbers with 十/百/千 (八十八号, 两千块) are quantities,
not digits read one by one, so they break a run.

A run of digits is a mobile number (11 digits, 1[3-9]…), a Changsha landline (0731 + 8 digits, written
0731-8xxxxxxx) or, said right after 电话/号码/座机, the 8 digits of a landline without the area code. A caller
who corrects himself replaces part of the number he just said: the tail ("…六八五 哦 不对 最后是六八七",
"最后两位是零八" — 两位 counts digits, it is not one), the head ("开头是一五九"), or the part he names
("不是一八九 是一五九", "是四四 不是四五"); or the whole number when he says it again.

A number that belongs to someone else (老板的电话, 负责人电话是…, 名片上的电话, 你们可以打他的) is not the
caller's callback number, however it is said: the caller's own number is his, and without one there is none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
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
# 两位 / 三个数: a count of digits, not a digit
_COUNT_AFTER = re.compile(r"位|个数|个号")
# 一遍 / 一次: a count of times said before a number read again, not its first digit
_TIMES_AFTER = re.compile(r"遍|次|趟|回")
# 第四个数是七 / 第四位应该是七: the caller names which digit he corrects, counted from the number's start
_ORDINAL_BEFORE = re.compile(
    r"第([一二两三四五六七八九十1-9]|十[一二]|1[01])(个数字?|个号|位数?|个)?(数字)?(是|应该是|改成|换成|改为)$"
)
_ORDINALS = {**{c: i for i, c in enumerate("一二三四五六七八九十", 1)}, "两": 2, "十一": 11, "十二": 12}
# where in the number the corrected part goes
_HEAD_HINT = re.compile(r"开头|前面|前[一二两三四五六七1-7]位|头[一二两三四五六七1-7]?位?|第一位")
# "不是A是B" (A wrong, B right) / "是B不是A" (B right, A wrong): what joins the two parts says which is which
_JOIN_RIGHT_AFTER = re.compile(r"是|改成|换成|应该是|改为")
_JOIN_WRONG_AFTER = re.compile(r"不是|不对")
_MAX_JOIN = 8
# the owner of a number said right before it: someone else's (老板的电话) or the caller's own (我的电话)
_OTHERS_NUMBER_BEFORE = re.compile(
    r"((他|她|他们|老板|负责人|房东|经理|师傅|司机|对方|物业|商家|店家|老师|包工头|名片|牌子|广告|中介|工头|那个人|这个人|那家)|"
    r"(?<!我)(?<!我的)(?<!我们)(?<!我们的)(公司|单位|厂里|店里))(姓[\u4e00-\u9fff]{1,2}?)?(上|上面)?(的|写的|留的|印的)?(电话|手机|号码|联系方式)"
)
_OWN_NUMBER_BEFORE = re.compile(r"我(的|家|屋里|本人)?(电话|手机|号码|联系方式)|(打|联系|找)我|本人")
_OTHERS_NUMBER_AFTER = re.compile(r"^\S{0,10}(打|拨|联系|找|问|钓)\S{0,6}?(他|她|这个人|那个人|老板|负责人)")


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
        if digit is not None and _COUNT_AFTER.match(compact, position + 1):
            digit = None  # 最后两位是零八: 两 counts the digits that follow
        elif digit is not None and position and compact[position - 1] == "第":
            digit = None  # 第四个是七: 四 says which digit, it is none of them
        elif char == "一" and _TIMES_AFTER.match(compact, position + 1) and not digits:
            digit = None  # 我重新讲一遍 幺三九…: 一 counts the times, the number follows
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


def _split_repeated(run: DigitRun, compact: str) -> list[DigitRun]:
    """"幺九八七四八二六六三零幺九八七四八二六六三零": the caller says his number twice with no pause (to be sure
    it is taken down); Vosk writes one run of twice the digits. A run that is a whole number said twice, digit for
    digit, is the number (an ID number or two different numbers are not halves of each other)."""
    digits = run.digits
    half = len(digits) // 2
    if len(digits) % 2 or digits[:half] != digits[half:]:
        return [run]
    if _as_number(DigitRun(digits[:half], run.start, run.end), compact) is None:
        return [run]
    return _split_after(run, compact, half)


def _split_restated(run: DigitRun, compact: str) -> list[DigitRun]:
    """"后面四位是六二四零 幺三九七五幺八六二四零": a corrected part and the whole number said again run into one
    string of digits (Vosk writes no pause); after a word of correction, a run of at most six digits too many
    that ends in a whole mobile number is the part and then the number."""
    digits = run.digits
    if not 12 < len(digits) <= 17 or digits.startswith(_AREA_CODE) or not _MOBILE.fullmatch(digits[-11:]):
        return [run]
    if not _CORRECTION.search(compact[max(0, run.start - 16) : run.start]):
        return [run]  # no correction said: not a part and a number (an ID number read out is one run)
    return _split_after(run, compact, len(digits) - 11)


def _split_after(run: DigitRun, compact: str, count: int) -> list[DigitRun]:
    """The run as two: its first `count` digits and the rest, each with its place in the text (the fillers Vosk
    writes between digits belong to neither)."""
    seen, position = 0, run.start
    while seen < count:  # the position after the first part's last digit
        if DIGITS.get(compact[position]) is not None:
            seen += 1
        position += 1
    rest = position
    while DIGITS.get(compact[rest]) is None:
        rest += 1
    return [DigitRun(run.digits[:count], run.start, position), DigitRun(run.digits[count:], rest, run.end)]


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


def _others(compact: str, run: DigitRun) -> bool:
    """The number is said as someone else's (老板电话是…, …你们可以打他的)."""
    before = compact[max(0, run.start - 12) : run.start]
    owners = [(m.end(), False) for m in _OWN_NUMBER_BEFORE.finditer(before)]
    owners += [(m.end(), True) for m in _OTHERS_NUMBER_BEFORE.finditer(before)]
    if owners:
        nearest = max(end for end, _others in owners)
        return all(others for end, others in owners if end == nearest)  # the owner said nearest to the number
    return bool(_OTHERS_NUMBER_AFTER.match(compact[run.end : run.end + 10]))


def _ordinal(said: str) -> int | None:
    """The index (from 0) of the digit a caller names as 第四 / 第4, or None."""
    number = int(said) if said.isdigit() else _ORDINALS.get(said)
    return number - 1 if number else None


def _replace_part(number: str, wrong: str | None, right: str, head: bool, *, at: int | None = None) -> str:
    """`number` with a part corrected: `wrong` replaced by `right` where it occurs (the first occurrence when the
    caller said 开头, else the last), or without `wrong` the digits from `at` (第四个数是七: the caller named
    the place), else the head or the tail, replaced by `right`."""
    if wrong is None and at is not None and at + len(right) <= len(number):
        return number[:at] + right + number[at + len(right) :]
    if wrong is not None and len(wrong) == len(right) and wrong in number:
        at = number.find(wrong) if head else number.rfind(wrong)
        return number[:at] + right + number[at + len(wrong) :]
    if head:
        return right + number[len(right) :]
    return number[: len(number) - len(right)] + right


def find_phone(compact: str, runs: Iterable[DigitRun] | None = None) -> PhoneNumber | None:
    """The caller's callback number in compact text, or None. Prefers a number said right after 电话/号码…;
    otherwise the last one said (a caller repeats or corrects the number he means). Someone else's number is
    never the caller's. `runs`: `digit_runs(compact)` when they are known."""
    runs = [
        part
        for run in (digit_runs(compact) if runs is None else runs)
        for said in _split_repeated(run, compact)
        for part in _split_restated(said, compact)
    ]
    candidates: list[tuple[PhoneNumber, bool, bool]] = []  # (number, said after 电话…, someone else's)
    skip: set[int] = set()
    for index, run in enumerate(runs):
        if index in skip:
            continue
        number = _as_number(run, compact)
        if number is not None:
            context = bool(_PHONE_CONTEXT.search(compact[max(0, run.start - 12) : run.start]))
            others = _others(compact, run)
            if candidates and _corrects(compact, candidates[-1][0], run):
                # the caller says the whole number again after "不对": it replaces the one he just said
                _previous, previous_context, previous_others = candidates.pop()
                context = context or previous_context
                others = others and previous_others
            candidates.append((PhoneNumber(number, run.start, run.end), context, others))
            continue
        if not candidates:
            continue
        previous, context, others = candidates[-1]
        bare = previous.number.replace("-", "")
        if len(run.digits) >= len(bare) or len(compact[previous.end : run.start]) > _MIN_CORRECTION_CONTEXT:
            continue
        head = bool(_HEAD_HINT.search(compact[previous.end : run.start]))
        wrong: str | None = None
        right = run.digits
        end = run.end
        following = runs[index + 1] if index + 1 < len(runs) else None
        join = compact[run.end : following.start] if following is not None else ""
        if following is not None and len(following.digits) == len(run.digits) and len(join) <= _MAX_JOIN and (
            _JOIN_WRONG_AFTER.search(join) or _JOIN_RIGHT_AFTER.search(join)
        ):
            # two parts of the same length: one is what he said wrong, the other what he meant ("不是A是B",
            # "中间是B不是A")
            if _JOIN_WRONG_AFTER.search(join):
                wrong, right = following.digits, run.digits
            elif not _corrects(compact, previous, run):
                continue  # "…是四五 是吧": no word of correction at all
            else:
                wrong, right = run.digits, following.digits
            head = head or bool(_HEAD_HINT.search(join))
            end = following.end
            skip.add(index + 1)
        elif not _corrects(compact, previous, run):
            continue
        named = _ORDINAL_BEFORE.search(compact[previous.end : run.start]) if wrong is None else None
        corrected = _replace_part(bare, wrong, right, head, at=_ordinal(named.group(1)) if named else None)
        if previous.number.startswith(f"{_AREA_CODE}-"):
            corrected = f"{_AREA_CODE}-{corrected[4:]}"
        candidates[-1] = (PhoneNumber(corrected, previous.start, end), context, others)
    own = [(c, context) for c, context, others in candidates if not others]
    if not own:
        return None
    with_context = [c for c, context in own if context]
    return with_context[-1] if with_context else own[-1][0]
