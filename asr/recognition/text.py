"""Display form of recognised text.

Vosk's Chinese models put a space between words by design ("我 要 投诉 噪音"; vosk-api#1421, the maintainer says to
filter them after recognition). On screen the agent expects "我要投诉噪音", but a space between two Latin words
("APP 下载" → "APP下载", "iPhone 13") or in Korean (where spaces separate words) must stay.
"""

from __future__ import annotations

import re

# Han ideographs (+ extension A, compatibility), CJK symbols and punctuation, full-width forms.
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_CHINESE = frozenset({"zh", "cn", "zh-cn", "zh_cn", "zh-hans", "cmn"})


def display_text(text: str, lang: str | None) -> str:
    """`text` as shown to the agent: for Chinese, the spaces between two CJK characters are removed; the spaces
    next to Latin letters or digits are kept. Other languages are returned unchanged (only trimmed)."""
    if lang is not None and lang.lower() in _CHINESE:
        return _SPACE_BETWEEN_CJK.sub("", text).strip()
    return text.strip()
