"""Carrier announcements (运营商提示音) that an automated return-visit call can reach instead of a person (issue 13).

The kinds the survey dialer tells apart, by the words of the carriers' recordings, and what each means for the
attempts: an empty or suspended number will not answer tomorrow either (the order goes to the manual revisit with
the reason), a switched-off, unreachable or busy phone may (the attempt is retried). Pure.
"""

from __future__ import annotations

from enum import StrEnum


class AnnouncementKind(StrEnum):
    EMPTY_NUMBER = "空号"
    SUSPENDED = "停机"
    SWITCHED_OFF = "关机"
    UNREACHABLE = "暂时无法接通"
    BUSY = "正在通话中"

    @property
    def ends_attempts(self) -> bool:
        """空号 and 停机 end the automated attempts; the others are retried."""
        return self in (AnnouncementKind.EMPTY_NUMBER, AnnouncementKind.SUSPENDED)

    @classmethod
    def parse(cls, text: str) -> AnnouncementKind:
        """A kind by its Chinese name or its English member name (`empty_number`); ValueError otherwise."""
        folded = text.strip()
        for kind in cls:
            if folded in (kind.value, kind.name, kind.name.lower()):
                return kind
        raise ValueError(f"unknown announcement kind {text!r}; use one of {', '.join(k.value for k in cls)}")
