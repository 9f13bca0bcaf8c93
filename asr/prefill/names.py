"""The caller's surname and form of address (先生/女士).

Callers say 我姓王 / 免贵姓李 / 我是陈女士 / 叫我刘先生就行 / 我叫张建国; agents say 好的王先生 / 请问女士.
A surname is accepted only from a list of common surnames (single and compound), so 姓什么 or 我是开福区的
do not become names. Without an explicit 先生/女士 the form follows from what the caller says of himself
(我是孩子的妈妈 → 女士, 我老婆 → 先生).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COMPOUND_SURNAMES = frozenset(
    " ".join(
        (
            "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 夏侯 司徒 宇文",
            "轩辕 端木 独孤 南宫 西门 百里 呼延 闻人 澹台 公冶 太史 申屠 钟离 万俟",
        )
    ).split()
)
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭"
    "陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安"
    "齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳"
    "管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟"
    "邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝谌粟湛晋"
)
# characters before 先生/女士 that are words, not surnames (好的先生, 那位女士, 谢谢女士)
_FORMS = {"先生": "先生", "女士": "女士", "小姐": "女士", "阿姨": "女士", "大姐": "女士", "娭毑": "女士", "师傅": None}
# 我是(一个自闭症)孩子的妈妈 / 我是他们的儿子: the caller as a parent or a child of the people the call is for
_CHILD = r"我是(一个|个)?([\u4e00-\u9fff]{0,6}?(孩子|小孩|伢子|学生|病人|老人|患者))?(他们|她们|他|她)?的?"
# 我老公 / 俺媳妇 / 我未婚妻: a spouse or partner said as the caller's own (俺 is 我 in northern speech). Not the
# Changsha 我(屋里)老倌子 / 老头子 (the husband): the sets' labels disagree on it (docs/speech.md, eighth round)
_SPOUSE = r"[我俺](的|家|屋里)?"
# 我一个女司机 / 我是个女的 / 我一个男的: the caller's sex said outright (not 我一个女儿, 女朋友, 女孩子的妈妈)
_SAYS_SEX = r"我是?(一个|个|这个)"
_SELF_FEMALE = re.compile(
    _CHILD + r"(妈妈|母亲|奶奶|外婆|娭毑|姥姥|妻子|老婆|堂客|女儿|满女|儿媳)|"
    + _SPOUSE + r"(老公|丈夫|前夫|未婚夫|男朋友)|我先生(?!姓)|"
    r"我(一个|是个?|这个)(孤)?(老婆子|老太婆|老婆婆|老娭毑)|"
    + _SAYS_SEX + r"女(?!儿|朋友|孩|娃|伢|生|婿)"
)
_SELF_MALE = re.compile(
    _CHILD + r"(爸爸|父亲|爷爷|嗲嗲|外公|姥爷|丈夫|老公|老倌子|儿子|满崽|大崽|细崽|崽|女婿)|"
    + _SPOUSE + r"(老婆|妻子|媳妇|前妻|堂客|未婚妻|女朋友)(?!子)|"
    r"我(一个|是个?|这个)(孤)?(老头子|老头|老倌子)|"
    + _SAYS_SEX + r"男(?!儿|朋友|孩|娃|伢|生)"
)
_SURNAME_RE = "(?:" + "|".join(sorted(COMPOUND_SURNAMES)) + "|[" + "".join(sorted(SURNAMES)) + "])"
# The caller's name as said in a call (我姓王, 免贵姓欧阳, 我叫张建国, 王先生, 邓娭毑): blanked from free text
# (the summary) so an anonymous caller's name does not ride along. A given name is one or two characters; a
# wrongly taken third character only shortens an introduction clause.
PERSONAL_NAME = re.compile(
    r"(?:我|本人|免贵|鄙人)*姓" + _SURNAME_RE + r"(?![名氏什么啥])(?:是?(?:先生|女士|小姐|阿姨|大姐|娭毑|师傅))?"
    r"|我叫" + _SURNAME_RE + r"[\u4e00-\u9fff]{1,2}"
    r"|" + _SURNAME_RE + r"(?:先生|女士|小姐|阿姨|大姐|娭毑|师傅)"
)
# typed notes name the caller in the third person: 来电人姓廖, 市民姓王
_SAYS_SURNAME = re.compile(r"(我|本人|免贵|鄙人|您好我|你好我|来电人|来电者|市民|诉求人|其)?姓")
_NOT_SURNAME_AFTER = re.compile(r"^(什么|啥|名|氏)")
# 我是他妈妈姓颜 / 我是业主姓王: the caller says who he is, then his surname, with no 我 before 姓
_SELF_THEN_SURNAME = re.compile(
    r"我(就)?是(他|她|孩子|小孩|伢子|病人|学生|老人)?的?(妈妈|爸爸|母亲|父亲|奶奶|爷爷|娭毑|家长|老婆|老公|堂客|"
    r"女儿|儿子|满崽|崽|业主|户主|组长|租户|房东|车主)$"
)
# 我是市里一个退休干部姓欧阳 / 我是这个小区的居民姓王: the caller describes himself by his station, then his
# surname (not 我是来反映那个干部姓王的: someone he calls about; see _NOT_SELF_STATION)
_SELF_STATION_THEN_SURNAME = re.compile(
    r"我(就)?是([\u4e00-\u9fff]{0,10}?)(干部|职工|工人|老师|教师|医生|护士|司机|居民|村民|党员|员工|店主|业主|"
    r"志愿者|网格员|老同志|退休的)$"
)
_NOT_SELF_STATION = re.compile(r"来|投诉|举报|反映|找|说|讲|问|告|那个|他|她")
# 我是上个月打电话讲欠工钱的那个姓覃的: the caller as the one of an earlier call (not 那个姓彭的法官)
_SELF_AS_THE_ONE = re.compile(r"我(就)?是\S{0,30}那个$")
_PERSON_AFTER = re.compile(
    r"^的?(法官|同志|师傅|老板|医生|老师|警察|干部|书记|局长|主任|经理|人|男|女|司机|工作人员|领导)"
)
# a surname spelt as callers spell it, 豆子的豆 / 向前的向: a surname even when it is not a common one
_SPELT_SURNAME = re.compile(r"([\u4e00-\u9fff])(?:\1[\u4e00-\u9fff]|[\u4e00-\u9fff]\1)的\1")


@dataclass(frozen=True, slots=True)
class NameFound:
    surname: str | None = None
    surname_span: tuple[int, int] = (0, 0)
    form: str | None = None
    form_span: tuple[int, int] = (0, 0)


def _surname_at(text: str, position: int) -> str | None:
    two = text[position : position + 2]
    if two in COMPOUND_SURNAMES:
        return two
    one = text[position : position + 1]
    return one if one in SURNAMES else None


def find_name(compact: str, *, agent: bool = False) -> NameFound:
    """Surname and form of address in one document. `agent` True: the agent's words, where only the agent
    addressing the caller (王先生, 女士) counts, not what the agent says of himself."""
    surname: str | None = None
    surname_span = (0, 0)
    form: str | None = None
    form_span = (0, 0)
    if not agent:
        for match in _SAYS_SURNAME.finditer(compact):
            after = compact[match.end() : match.end() + 2]
            if _NOT_SURNAME_AFTER.match(after):
                continue
            found = _surname_at(compact, match.end())
            spelt = _SPELT_SURNAME.match(compact, match.end())
            if found is None and spelt is not None and match.group(1):
                found = spelt.group(1)
            if found is not None and _introduces_himself(compact, match, found):
                surname, surname_span = found, (match.start(), match.end() + len(found))
                break
        if surname is None:
            match = re.search(r"我(叫|是)", compact)
            while match is not None and surname is None:
                found = _surname_at(compact, match.end())
                tail = compact[match.end() + (len(found) if found else 0) :]
                if found is not None and ((match.group(1) == "叫" and re.match(r"[\u4e00-\u9fff]{1,2}", tail))
                                          or re.match("先生|女士|小姐|阿姨|师傅", tail)):
                    surname, surname_span = found, (match.start(), match.end() + len(found) + 2)
                match = re.compile(r"我(叫|是)").search(compact, match.end())
    for match in re.finditer("先生|女士|小姐|阿姨|大姐|娭毑|师傅", compact):
        word = match.group()
        before = compact[max(0, match.start() - 2) : match.start()]
        candidate = None
        if before[-2:] in COMPOUND_SURNAMES:
            candidate = before[-2:]
        elif before[-1:] in SURNAMES and not (len(before) == 2 and before[0] == before[1] == "谢"):
            candidate = before[-1:]
        if agent and candidate is None and not re.search(r"(好的|您好|你好|请问|谢谢|对不起|这位|，|。)$|^$", before):
            continue
        if word in ("阿姨", "大姐", "娭毑", "师傅") and candidate is None:
            continue  # 保洁阿姨, 司机师傅: someone else
        if surname is None and candidate is not None:
            surname, surname_span = candidate, (match.start() - len(candidate), match.end())
        if form is None and _FORMS[word] is not None and (candidate is None or candidate == surname):
            if candidate is None and not agent and not _just_after(compact, match.start(), surname_span):
                continue  # 那个女士态度很差: someone else
            form, form_span = _FORMS[word], match.span()
    if form is None and not agent:
        female = _SELF_FEMALE.search(compact)
        male = _SELF_MALE.search(compact)
        if female and not male:
            form, form_span = "女士", female.span()
        elif male and not female:
            form, form_span = "先生", male.span()
    return NameFound(surname, surname_span, form, form_span)


def _introduces_himself(compact: str, match: re.Match[str], found: str) -> bool:
    """姓X said by the caller of himself: after 我/本人…, at a sentence's start, or after he said who he is."""
    if match.group(1) or match.start() == 0 or compact[match.start() - 1] in "，。,":
        return True
    before = compact[max(0, match.start() - 40) : match.start()]
    tail = compact[match.end() + len(found) : match.end() + len(found) + 6]
    station = _SELF_STATION_THEN_SURNAME.search(before)
    if station is not None and not _NOT_SELF_STATION.search(station.group(2)):
        return True
    return bool(_SELF_THEN_SURNAME.search(before)) or (
        bool(_SELF_AS_THE_ONE.search(before)) and tail.startswith("的") and not _PERSON_AFTER.match(tail)
    )


def _just_after(compact: str, position: int, surname_span: tuple[int, int]) -> bool:
    """先生/女士 said by the caller right after his surname (我姓邓，女士)."""
    return surname_span != (0, 0) and 0 <= position - surname_span[1] <= 3
