"""The transcript as the extractor sees it: who said what, and a compact form to match words in.

Vosk's Chinese models print words separated by spaces ("我 姓 王 电话 一 三 八"), a seat's notes and a
typed transcript do not; every cue of the extractor is written without spaces, so each document is matched in
its *compact* form (NFKC, spaces removed, line breaks turned into a full stop so a match never runs from one
line into the next). `Doc.source` maps a compact span back to the words as they were written, for the evidence
the seat sees next to each pre-filled field.

Speaker labels: a typed transcript may mark turns ("坐席：…" / "市民：…"). The audio fork streams only the
caller's voice, so an unlabelled text is all the caller's. The agent's turns are kept apart: the agent's
questions ("请问是投诉吗？") must not decide the category, but the agent addressing the caller ("好的王先生")
is good evidence of the caller's name and form of address.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from asr.prefill.cues import DIALECT, DIALECT_PATTERNS
from asr.prefill.memo import Memo

# A transcript of a ten-minute call is a few thousand characters; anything far beyond is not a transcript. The
# extractor reads at most this much of each document so hostile input (a megabyte of text) costs bounded time.
MAX_DOCUMENT_CHARS = 20_000

AGENT_LABELS = ("坐席", "座席", "话务员", "接线员", "客服", "工作人员", "热线", "12345", "agent")
CALLER_LABELS = ("市民", "来电人", "来电者", "来电", "诉求人", "群众", "caller", "用户", "客户")
_LABEL_RE = re.compile(
    r"^\s*(?P<label>" + "|".join(re.escape(x) for x in AGENT_LABELS + CALLER_LABELS) + r")\s*[:：]\s*",
    re.IGNORECASE,
)
# a turn typed on the same line as the one before (坐席：您好。市民：我要投诉…): the label after a sentence end or a
# space starts a new line, so it is read like a label at the start of one
_INLINE_LABEL_RE = re.compile(
    r"(?<=[。！？!?；;…\"” \t])(?=(?:" + "|".join(re.escape(x) for x in AGENT_LABELS + CALLER_LABELS) + r")\s*[:：])",
    re.IGNORECASE,
)
_SPACE_RE = re.compile(r"[^\S\n]+")
CLAUSE_END = "。，！？；,.!?;、…"
_RECENT_DOCS = 6  # a call's caller, agent and notes documents, the last two readings of each


@dataclass(frozen=True, slots=True)
class Doc:
    """One document (the caller's words, the agent's words, or the notes) in original and compact form."""

    original: str
    compact: str
    index: tuple[int, ...]  # compact position → original position

    @classmethod
    def of(cls, text: str, memo: Memo | None = None) -> Doc:
        """The document of `text`. With a `memo`, a text that extends one read before (a call's transcript after
        one more final) folds only the characters it adds: each character's folding depends on itself and the
        last folded one only, so the result is the same."""
        original = text[:MAX_DOCUMENT_CHARS]
        chars: list[str] = []
        index: list[int] = []
        start = 0
        recent: list[tuple[str, str, tuple[int, ...]]] = memo.recent("doc") if memo is not None else []
        for earlier, folded, folded_index in recent:
            if len(earlier) > start and original.startswith(earlier):
                chars, index, start = list(folded), list(folded_index), len(earlier)
        for position, char in enumerate(original[start:], start):
            if "\u4e00" <= char <= "\u9fff":  # CJK ideographs, most of a transcript, are already in normal form
                chars.append(char)
                index.append(position)
                continue
            folded = unicodedata.normalize("NFKC", char)
            if not folded or folded.isspace():
                if char == "\n" and chars and chars[-1] != "。":
                    chars.append("。")
                    index.append(position)
                continue
            if unicodedata.category(folded[0]) in ("Cc", "Cf", "Cs", "Co"):
                continue
            for out in folded.casefold():
                chars.append(out)
                index.append(position)
        compact = "".join(chars)
        if memo is not None and len(original) > start:
            recent.append((original, compact, tuple(index)))
            del recent[:-_RECENT_DOCS]
        for dialect, mandarin in DIALECT:
            compact = compact.replace(dialect, mandarin)  # same length: the index map stays valid
        for pattern, mandarin in DIALECT_PATTERNS:
            compact = pattern.sub(mandarin, compact)  # one character for one
        return cls(original=original, compact=compact, index=tuple(index))

    def source(self, start: int, end: int) -> str:
        """The original words behind compact[start:end] (spaces of a Vosk transcript kept)."""
        if not self.index or start >= end:
            return ""
        first = self.index[max(0, min(start, len(self.index) - 1))]
        last = self.index[max(0, min(end - 1, len(self.index) - 1))]
        return self.original[first : last + 1].strip()

    def __bool__(self) -> bool:
        return bool(self.compact)


@dataclass(frozen=True, slots=True)
class Transcript:
    caller: Doc
    agent: Doc
    notes: Doc
    spaced: bool  # Vosk style: words separated by spaces, no punctuation


def split_speakers(text: str) -> tuple[str, str]:
    """(caller's words, agent's words). Unlabelled lines belong to the speaker of the last label, or to the caller
    when no line is labelled."""
    caller: list[str] = []
    agent: list[str] = []
    current = caller
    agent_labels = {x.casefold() for x in AGENT_LABELS}
    for line in _INLINE_LABEL_RE.sub("\n", text).splitlines():
        match = _LABEL_RE.match(line)
        words = line
        if match:
            current = agent if match.group("label").casefold() in agent_labels else caller
            words = line[match.end() :]
        current.append(words)
    return "\n".join(caller), "\n".join(agent)


def is_spaced(text: str) -> bool:
    """True for Vosk-style text: most CJK characters are followed by a space."""
    cjk = sum(1 for ch in text[:2000] if "\u4e00" <= ch <= "\u9fff")
    gaps = len(re.findall(r"[\u4e00-\u9fff] (?=[\u4e00-\u9fff])", text[:2000]))
    return cjk > 0 and gaps * 3 >= cjk


def read_transcript(text: str, notes: str = "", memo: Memo | None = None) -> Transcript:
    text = text[: MAX_DOCUMENT_CHARS * 2] if isinstance(text, str) else ""
    notes = notes[:MAX_DOCUMENT_CHARS] if isinstance(notes, str) else ""
    caller, agent = split_speakers(_SPACE_RE.sub(" ", text))
    return Transcript(caller=Doc.of(caller, memo), agent=Doc.of(agent, memo), notes=Doc.of(notes, memo),
                      spaced=is_spaced(text))
