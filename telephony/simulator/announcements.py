"""Survey callees that are carrier announcements (issue 13): the number answers and a recording is what the survey
dialer's audio fork hears — 您拨打的号码是空号…, 已停机, 已关机, 暂时无法接通, 正在通话中 — then the carrier hangs up.

Such a callee is an ordinary scenario number whose `audio` is the announcement and whose `hangup_after_s` is the
recording's length (`announcement_callee` builds one; in a scenario file, the same keys under `[[numbers]]`).

The survey dialer places `Local/<number>@outbound` into the survey context and forks the audio of the `;1` half it
gets back (ChanSpy `o`: what that channel *reads*). On Asterisk the `;1` reads what its `;2` half receives over the
bridge from the dialled trunk leg, i.e. the callee's voice. `heard_audio` follows that path in the simulator, so a
fork of the `;1` (or of the trunk leg itself) streams the callee's recording.
"""

from __future__ import annotations

from pathlib import Path

from telephony.simulator.model import Channel
from telephony.simulator.scenario import NumberSpec
from telephony.simulator.wav import read_wav

CARRIER_HANGUP_AFTER_S = 0.5  # the carrier's line stays open a moment after the message


def heard_audio(spied: Channel) -> object | None:
    """The WAV a ChanSpy `o` of `spied` hears: its own party's audio, else (a Local `;1`) what its `;2` half is
    bridged to, else its bridge peer's."""
    if spied.audio is not None:
        return spied.audio
    for chan in (spied.partner, spied):  # early media: what the dialled leg plays before any answer
        if chan is not None and chan.early_media is not None and chan.early_media.audio is not None:
            return chan.early_media.audio
    for chan in (spied.partner, spied):
        if chan is None or chan.bridge is None:
            continue
        for peer in chan.bridge.channels:
            if peer is not chan and peer is not spied and peer.audio is not None:
                return peer.audio
    return None


def announcement_callee(number: str, recording: str | Path, *, answer_after_s: float = 0.5,
                        early_media: bool = False) -> NumberSpec:
    """A number that answers with `recording` (an 8 kHz … 48 kHz 16-bit mono WAV) and hangs up after it; with
    `early_media`, one that plays it before any answer (the dialled leg's DialState PROGRESS), then releases the call
    unanswered (DialEnd CONGESTION; the Local Originate fails)."""
    path = Path(recording)
    duration_s = read_wav(path).duration_s
    return NumberSpec(number, name="", outcome="early_media" if early_media else "answer",
                      answer_after_s=answer_after_s,
                      hangup_after_s=duration_s + CARRIER_HANGUP_AFTER_S, audio=path)
