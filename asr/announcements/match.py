"""Telling a carrier's recorded announcement from a person, by matching the call's first seconds against the
recordings an operator enrolled. Pure DSP on numpy: samples in, a verdict out; no I/O, no clock.

Theory of operation.

Fingerprint. 8 kHz audio is cut into 25 ms frames every 10 ms; each frame's power spectrum goes through 24 mel
bands (150–3600 Hz, the telephone band), is taken in log, and turned into cepstra of which only 1..12 are kept and
turned back into a smoothed log-spectral *shape*. Dropping cepstrum 0 removes the frame's level (any gain, a quiet
or loud line); dropping the high cepstra smooths away the voice's pitch harmonics (another speaker's pitch, or the
same recording replayed by a different carrier box) and most of the G.711 quantisation and line noise. A frame is
*active* when it is louder than −50 dBFS.

Match. The query (the call's audio so far) is cut into blocks of 0.4 s every 0.05 s. Each block, flattened and
normalised to unit length (in the 12 cepstral coordinates, which give the same correlations as the 24 bands at half
the cost), is correlated with every 0.4 s window of every enrolled recording (one matrix product per batch of
blocks; the windows are normalised once, when the library loads). A block's best window gives its score (the
normalised cross-correlation, −1..1) and its offset (window start − block start). A recording is *heard* when
several blocks agree on one offset: starting from each good block, the blocks within a tolerance of its offset
(3 frames plus 6 % of the distance between them, so a recording played 5 % faster or slower still lines up) are
gathered; the largest such group is the recording's evidence (`min_evidence_s` of it, at `min_mean_score`).

Naming the kind. The five Chinese announcements share their opening (您拨打的电话…) and some their ending
(…请稍后再拨), so the shared parts only say "a recording". When the library loads, every window of every recording
is compared with every window of the other kinds' recordings; the windows no other kind comes close to
(`distinct_similarity`) are the kind's *own* words, and the recording's *own segment* runs `min_own_s` from the first
of them (the part after the common prefix). Along the recording's alignment in the call (the group's offset, as a
line through it to follow a tempo drift), each call block that falls on the own segment is scored against the
window the alignment puts it on (± 3 frames). The kind is named when `own_share` of the segment has been heard and
every block of it matches within `accept_drop` of how the rest of the recording matched in this call: the call's
own channel sets the bar, so noise or a codec that lowers every score lowers the bar with it, while another kind's
words at that place score far lower (0.2–0.6 against 0.7–0.97). A kind is *ruled out* when a 0.15 s stretch from its
own segment on matches `reject_drop` worse than the rest. Waiting for 0.6 s of the own segment rather than its first
block is what keeps a kind that is not enrolled from being named as its nearest enrolled kind: 已关机 and 已停机 share
已 and 机, so without 关机 in the library the 停机 recording's own words begin at 已, and only the blocks on 停 tell
the two apart.

A recording, before its kind: the shared opening heard well (`unknown_min_evidence_s` of agreeing blocks at
`unknown_min_score`, the bar of an unknown kind below) already tells a carrier's recording from a person, about 1.4 s
into it, while the kind's own words come 0.9–2.1 s into it and naming needs 0.6 s of them. The verdict says so
(`recording`), and each heard recording's evidence says when, on its alignment, its own segment will have been
played in the call (`own_end_s`): the detector uses both to keep listening for the kind's own words when it knows
it hears a recording (asr/announcements/detector.py).

An announcement of unknown kind: a recording heard well (`unknown_min_evidence_s` at `unknown_min_score`) of which
every enrolled recording is ruled out, or of which none fits when the audio ends (`final`). The verdict then has
`announcement` true and no kind; the survey dialer retries such a call (never takes it for 空号/停机, which would end
the attempts).

Ringback. In-band ringback (China: 450 Hz, or 425 Hz on older exchanges, 1 s on and 4 s off) means the far end has
not answered even when Asterisk reports the call answered. A frame is ringback when 90 % of its telephone-band power
lies within 375–500 Hz; after at least 0.2 s of it, the far end answered at the first 50 ms of sound that is not
ringback (`answered_at`). The detector counts its listening time, and reports its decision time, from there too.
A block whose sound is mostly ringback is not matched at all: a pure tone's smoothed spectrum is one smooth bump,
which some windows of speech resemble (clean 425 Hz ringback reached 0.65 against the recordings), and it never
carries words.

Why it holds on a telephone line: level is gone with cepstrum 0; μ-law and A-law add about 38 dB SNR of
quantisation noise, far below what the smoothing ignores; noise lowers every block's score a little but not the
agreement of offsets; a late start (ringback, silence) only moves the offset; a recording cut short or joined late
simply gives fewer agreeing blocks. A person saying 喂 你好 gives a second or so of speech whose blocks may each find
some window of some announcement, but not at one offset and not with a high score for long.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from agent_desktop.core.announcement import AnnouncementKind

RATE_HZ = 8000
FRAME = 200  # 25 ms
HOP = 80  # 10 ms
FFT = 256
BANDS = 24
CEPSTRA = 12  # 1..12 kept
BLOCK_FRAMES = 40  # 0.4 s
BLOCK_HOP_FRAMES = 5  # 0.05 s
ACTIVE_DBFS = -50.0
FRAME_S = HOP / RATE_HZ
HOP_S = BLOCK_HOP_FRAMES * FRAME_S
# China's ringback (回铃音) is one tone, 450 Hz (425 Hz on older exchanges), 1 s on and 4 s off
RINGBACK_LOW_HZ, RINGBACK_HIGH_HZ = 375.0, 500.0
RINGBACK_SHARE = 0.9  # a frame is ringback when this share of its telephone-band power lies in that band
RINGBACK_MIN_FRAMES = 20  # 0.2 s of it before the voice: the line was still ringing
ANSWER_RUN_FRAMES = 5  # the far end answered at the first 50 ms of sound that is not ringback


@dataclass(frozen=True)
class MatchSettings:
    block_min_score: float = 0.55  # a block counts as evidence from this normalised correlation up
    min_evidence_s: float = 1.2  # agreeing blocks must cover at least this much audio (block starts × hop)
    min_mean_score: float = 0.65  # … with at least this mean correlation: the recording is heard
    distinct_similarity: float = 0.75  # a recording's window is its kind's own when no other kind's window is closer
    min_own_s: float = 0.6  # to name a kind: the first this-long of the recording from where its own words begin …
    own_share: float = 0.7  # … must be heard at the alignment for at least this share (a pause has no blocks) …
    accept_drop: float = 0.15  # … every block of it matching within this of how the rest of the recording matched
    reject_s: float = 0.15  # ruled out when a stretch of its own part this long …
    reject_drop: float = 0.25  # … matches worse than the rest of it by more than this
    min_lead: float = 0.04  # two kinds both fitting: the better must lead by this much
    unknown_min_evidence_s: float = 1.0  # a recording of no enrolled kind: its shared words heard this long …
    unknown_min_score: float = 0.7  # … and at least this well
    tolerance_frames: float = 3.0
    tolerance_rate: float = 0.06


def _mel_matrix() -> np.ndarray:
    def mel(f: np.ndarray | float) -> np.ndarray:
        return 2595 * np.log10(1 + np.asarray(f) / 700)

    edges_mel = np.linspace(mel(150.0), mel(3600.0), BANDS + 2)
    edges_hz = 700 * (10 ** (edges_mel / 2595) - 1)
    bins = np.fft.rfftfreq(FFT, 1 / RATE_HZ)
    matrix = np.zeros((BANDS, bins.size))
    for band in range(BANDS):
        low, centre, high = edges_hz[band : band + 3]
        rising = (bins - low) / (centre - low)
        falling = (high - bins) / (high - centre)
        matrix[band] = np.clip(np.minimum(rising, falling), 0, None)
    return matrix


def _dct_matrix() -> np.ndarray:
    n = np.arange(BANDS)
    k = np.arange(BANDS)[:, None]
    basis = np.cos(np.pi * k * (2 * n + 1) / (2 * BANDS)) * np.sqrt(2 / BANDS)
    basis[0] /= np.sqrt(2)
    return basis  # orthonormal DCT-II


_MEL = _mel_matrix()
_DCT = _dct_matrix()
_KEEP = np.zeros(BANDS)
_KEEP[1 : CEPSTRA + 1] = 1.0
# log-mel → cepstra → keep 1..12 → back to a smoothed, level-free shape: one linear map
_SHAPE = _DCT.T @ np.diag(_KEEP) @ _DCT
_WINDOW = np.hanning(FRAME)


@dataclass(frozen=True)
class Fingerprint:
    """Per 10 ms frame: the smoothed spectral shape (frames × 24), whether the frame is active and (for a call's
    audio, not stored in the library) whether it is ringback."""

    shape: np.ndarray
    active: np.ndarray
    ringback: np.ndarray | None = None

    @property
    def frames(self) -> int:
        return int(self.shape.shape[0])

    @property
    def duration_s(self) -> float:
        return self.frames * FRAME_S


def as_samples(pcm: bytes | np.ndarray) -> np.ndarray:
    """16-bit little-endian PCM bytes (or an int16 array) as floats in −1..1."""
    if isinstance(pcm, bytes | bytearray | memoryview):
        return np.frombuffer(bytes(pcm), "<i2").astype(np.float32) / 32768.0
    return np.asarray(pcm, dtype=np.float32) / (32768.0 if np.asarray(pcm).dtype.kind in "iu" else 1.0)


_BINS = np.fft.rfftfreq(FFT, 1 / RATE_HZ)
_BAND = (_BINS >= 150.0) & (_BINS <= 3600.0)
_RING = (_BINS >= RINGBACK_LOW_HZ) & (_BINS <= RINGBACK_HIGH_HZ)


def fingerprint(samples: np.ndarray) -> Fingerprint:
    """The fingerprint of 8 kHz samples (floats in −1..1). Fewer than one frame's samples give zero frames."""
    x = np.asarray(samples, dtype=np.float64)
    if x.size < FRAME:
        return Fingerprint(np.zeros((0, BANDS), np.float32), np.zeros(0, bool), np.zeros(0, bool))
    count = 1 + (x.size - FRAME) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(x, FRAME)[:: HOP][:count]
    power = np.abs(np.fft.rfft(frames * _WINDOW, FFT)) ** 2
    energy_dbfs = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12) + 3.0  # full-scale sine = 0 dBFS
    logmel = np.log(power @ _MEL.T + 1e-9)
    shape = (logmel @ _SHAPE.T).astype(np.float32)
    active = energy_dbfs > ACTIVE_DBFS
    ring_share = power[:, _RING].sum(axis=1) / (power[:, _BAND].sum(axis=1) + 1e-12)
    return Fingerprint(shape, active, active & (ring_share >= RINGBACK_SHARE))


# A frame's shape has no cepstrum 0, so its mean over the bands is zero, and it lies in the span of cepstra 1..12:
# correlations of blocks of shapes are those of blocks of these 12 coordinates (the DCT is orthonormal) at half the
# size of the 24 bands, which halves the matching's cost and changes no score.
_TO_CEPSTRA = _DCT[1 : CEPSTRA + 1].T
BLOCK_SIZE = BLOCK_FRAMES * CEPSTRA


def _unit_rows(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def _windows(print_: Fingerprint) -> tuple[np.ndarray, np.ndarray]:
    """Every block-long window of a fingerprint, flattened and normalised, and which are mostly active."""
    if print_.frames < BLOCK_FRAMES:
        return np.zeros((0, BLOCK_SIZE), np.float32), np.zeros(0, bool)
    cepstra = print_.shape.astype(np.float64) @ _TO_CEPSTRA
    view = np.lib.stride_tricks.sliding_window_view(cepstra, (BLOCK_FRAMES, CEPSTRA))[:, 0]
    flat = view.reshape(view.shape[0], -1)
    active = np.lib.stride_tricks.sliding_window_view(print_.active, BLOCK_FRAMES).mean(axis=1) >= 0.5
    return _unit_rows(flat).astype(np.float32), active


def answered_at(print_: Fingerprint) -> int | None:
    """The frame where the far end answered, as the audio tells it: 0 when the call's audio does not begin with
    ringback; after ringback, the first run of sound that is not ringback; None while it is still ringing (or
    silent after ringback)."""
    ringback = print_.ringback if print_.ringback is not None else np.zeros(print_.frames, bool)
    sound = print_.active & ~ringback
    runs = np.lib.stride_tricks.sliding_window_view(sound, ANSWER_RUN_FRAMES).all(axis=1) \
        if sound.size >= ANSWER_RUN_FRAMES else np.zeros(0, bool)
    first = int(np.argmax(runs)) if runs.any() else None
    rang = int(ringback[: first if first is not None else ringback.size].sum())
    if rang < RINGBACK_MIN_FRAMES:
        return 0 if first is not None or print_.frames >= RINGBACK_MIN_FRAMES else None
    return first


@dataclass(frozen=True)
class Reference:
    """One enrolled recording of a kind."""

    kind: AnnouncementKind
    name: str
    print_: Fingerprint


@dataclass(frozen=True)
class KindEvidence:
    kind: AnnouncementKind
    name: str  # the enrolled recording that gave it
    evidence_s: float  # audio covered by the blocks agreeing on one alignment (block starts × hop)
    score: float  # their mean normalised correlation: how well this recording matches where it matches
    offset_s: float  # where the recording's start falls in the query (negative: joined after it began)
    own_s: float = 0.0  # audio heard, at that alignment, of the part of the recording that no other kind says
    own_score: float = 0.0  # … its mean correlation at the alignment
    fits: bool = False  # the kind's own part matches as well as the rest: this is the kind
    ruled_out: bool = False  # the kind's own part was heard and does not match: not this kind
    own_end_s: float | None = None  # where, in the query, this alignment's own segment (and its last block) ends


@dataclass(frozen=True)
class Verdict:
    kind: AnnouncementKind | None
    score: float
    offset_s: float | None
    evidence_s: float
    candidates: tuple[KindEvidence, ...] = ()
    announcement: bool = False  # a carrier's recording was heard (with `kind` None: of a kind nobody enrolled)

    recording: bool = False  # a carrier's recording is heard, kind named or not yet: not a person

    @property
    def unknown_kind(self) -> bool:
        return self.announcement and self.kind is None

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind.value if self.kind else None, "score": round(self.score, 3),
                "offset_s": None if self.offset_s is None else round(self.offset_s, 2),
                "announcement": self.announcement, "recording": self.recording}


@dataclass
class _BlockHit:
    start: int  # query frame of the block's start
    scores: np.ndarray  # per reference: best correlation
    offsets: np.ndarray  # per reference: best window start − block start (frames)
    correlations: np.ndarray  # with every window of every reference (−2 for windows not worth matching)


def _own_similarity(references: Sequence[Reference], windows: list[np.ndarray], usable: list[np.ndarray]) \
        -> list[np.ndarray]:
    """Per reference and window: the highest correlation with any window of a recording of another kind. Low: the
    words there are this kind's own. Other kinds' windows are taken every other frame (a window moves little in
    10 ms) and compared one reference at a time, so a large library costs time at load, not memory."""
    result = []
    for index, reference in enumerate(references):
        others = [w[u][::2] for j, (w, u) in enumerate(zip(windows, usable, strict=True))
                  if references[j].kind is not reference.kind]
        pool = np.concatenate(others) if others else np.zeros((0, windows[index].shape[1]), np.float32)
        if pool.shape[0] == 0 or windows[index].shape[0] == 0:
            result.append(np.full(windows[index].shape[0], -1.0, np.float32))
            continue
        result.append((windows[index] @ pool.T).max(axis=1))
    return result


class Matcher:
    """Matches audio against a fixed set of enrolled recordings. `verdict(fingerprint)` for a whole clip;
    `StreamMatcher` for a call as it comes."""

    def __init__(self, references: Sequence[Reference], settings: MatchSettings | None = None) -> None:
        self.references = tuple(references)
        self.settings = settings or MatchSettings()
        windows, usable = [], []
        for reference in self.references:
            flat, active = _windows(reference.print_)
            windows.append(flat)
            usable.append(active)
        self._own = _own_similarity(self.references, windows, usable)
        # per recording, its own segment: from the first window whose words no other kind says, `min_own_s` long
        # (or to the recording's end), and how many of the call's blocks must cover it
        self._segments: list[tuple[int, int, int] | None] = []
        for own, active in zip(self._own, usable, strict=True):
            first = np.flatnonzero((own < self.settings.distinct_similarity) & active)
            if first.size == 0:
                self._segments.append(None)
                continue
            start = int(first[0])
            end = min(own.size, start + round(self.settings.min_own_s / FRAME_S))
            needed = max(1, int(np.ceil(self.settings.own_share * active[start:end].sum() / BLOCK_HOP_FRAMES)))
            self._segments.append((start, end, needed))
        self._windows = np.concatenate(windows) if windows else np.zeros((0, BLOCK_SIZE), np.float32)
        self._usable = np.concatenate(usable) if usable else np.zeros(0, bool)
        # per reference, its slice of the window matrix (every window start, in reference order)
        bounds = np.cumsum([0, *(w.shape[0] for w in windows)])
        self._slices = [slice(int(bounds[i]), int(bounds[i + 1])) for i in range(len(self.references))]

    def block_hit(self, print_: Fingerprint, start: int) -> _BlockHit | None:
        """The query block starting at frame `start` against every window (None: mostly inactive, nothing to
        match): its correlations, and per reference its best window."""
        return self.block_hits(print_, [start])[0]

    def block_hits(self, print_: Fingerprint, starts: Sequence[int]) -> list[_BlockHit | None]:
        """`block_hit` for several blocks at once (one matrix product: far cheaper than one per block)."""
        result: list[_BlockHit | None] = [None] * len(starts)
        if not self.references:
            return result
        # mostly sound, and sound that is not ringback (a tone carries no words; see the module's docstring)
        sound = print_.active if print_.ringback is None else print_.active & ~print_.ringback
        wanted = [i for i, start in enumerate(starts) if print_.active[start : start + BLOCK_FRAMES].mean() >= 0.5
                  and sound[start : start + BLOCK_FRAMES].mean() >= 0.5]
        if not wanted:
            return result
        blocks = np.stack([(print_.shape[starts[i] : starts[i] + BLOCK_FRAMES].astype(np.float64) @ _TO_CEPSTRA)
                           .reshape(-1) for i in wanted])
        queries = _unit_rows(blocks).astype(np.float32)
        correlations = queries @ self._windows.T
        correlations[:, ~self._usable] = -2.0
        for row, i in enumerate(wanted):
            scores = np.full(len(self.references), -1.0)
            offsets = np.zeros(len(self.references), dtype=int)
            for index, part in enumerate(self._slices):
                if part.stop > part.start:
                    best = int(np.argmax(correlations[row, part]))
                    scores[index] = float(correlations[row, part.start + best])
                    offsets[index] = best - starts[i]
            result[i] = _BlockHit(starts[i], scores, offsets, correlations[row])
        return result

    def decide(self, hits: Iterable[_BlockHit | None], *, final: bool = False) -> Verdict:
        """The verdict from the block hits of a query so far (`final`: no more audio will come).

        A kind is named when one of its recordings is heard (blocks agreeing on one alignment) and, at that
        alignment, the part of the recording that only this kind says matches about as well as the rest: the
        call's own channel sets the bar, so noise or a codec that lowers every score lowers the bar with it. A
        recording whose shared words are heard well but whose every kind's own part, once heard, does not match is
        an announcement of a kind nobody enrolled (`announcement` without `kind`); so is one heard well that no
        kind fits when the audio ends."""
        hits = [h for h in hits if h is not None]
        settings = self.settings
        evidence = [e for e in (self._evidence(hits, i, final) for i in range(len(self.references))) if e is not None]
        best_by_kind: dict[AnnouncementKind, KindEvidence] = {}
        for item in evidence:
            current = best_by_kind.get(item.kind)
            if current is None or _rank(item) > _rank(current):
                best_by_kind[item.kind] = item
        ranked = sorted(best_by_kind.values(), key=_rank, reverse=True)
        if not ranked:
            return Verdict(None, 0.0, None, 0.0)
        fitting = [e for e in ranked if e.fits]
        top = ranked[0]
        heard = [e for e in ranked if self.heard(e)]
        if fitting:
            top = fitting[0]
            lead = top.own_score - top.score - max((e.own_score - e.score for e in fitting[1:]), default=-np.inf)
            if len(fitting) == 1 or lead >= settings.min_lead:
                return Verdict(top.kind, top.score, top.offset_s, top.evidence_s, tuple(ranked), True, True)
            return Verdict(None, top.score, None, top.evidence_s, tuple(ranked), recording=bool(heard))
        if heard and (final or all(e.ruled_out for e in evidence)):
            recording = max(heard, key=lambda e: (e.evidence_s, e.score))
            return Verdict(None, recording.score, recording.offset_s, recording.evidence_s, tuple(ranked), True, True)
        return Verdict(None, top.score, None, top.evidence_s, tuple(ranked), recording=bool(heard))

    def heard(self, evidence: KindEvidence) -> bool:
        """The recording is heard well enough to say "a carrier's recording, not a person", whatever its kind."""
        return (evidence.evidence_s >= self.settings.unknown_min_evidence_s
                and evidence.score >= self.settings.unknown_min_score)

    def _evidence(self, hits: list[_BlockHit], index: int, final: bool) -> KindEvidence | None:
        """Recording `index` in the query: the largest group of good blocks agreeing on one offset, and how the
        recording's own part (what no other kind says) matches along that alignment."""
        settings = self.settings
        chosen = [i for i, h in enumerate(hits) if h.scores[index] >= settings.block_min_score]
        if not chosen:
            return None
        starts = np.array([hits[i].start for i in chosen], dtype=float)
        offsets = np.array([hits[i].offsets[index] for i in chosen], dtype=float)
        scores = np.array([hits[i].scores[index] for i in chosen])
        tolerance = settings.tolerance_frames + settings.tolerance_rate * np.abs(starts[:, None] - starts[None, :])
        members = np.abs(offsets[:, None] - offsets[None, :]) <= tolerance  # row: the group around that anchor
        sizes = members.sum(axis=1)
        means = (members * scores[None, :]).sum(axis=1) / sizes
        anchor = max(range(len(chosen)), key=lambda a: (sizes[a], means[a]))
        member = members[anchor]
        blocks, score = int(sizes[anchor]), float(means[anchor])
        offset = float(np.median(offsets[member]))
        # the alignment as a line through the group (a recording played a little faster or slower drifts)
        slope = 0.0
        if blocks >= 3 and np.ptp(starts[member]) > 0:
            slope = float(np.clip(np.polyfit(starts[member], offsets[member], 1)[0], -settings.tolerance_rate,
                                  settings.tolerance_rate))
        centre = float(np.median(starts[member]))
        part = self._slices[index]
        size = part.stop - part.start
        segment = self._segments[index]
        reach = int(settings.tolerance_frames)
        after: list[tuple[int, float]] = []  # (window, correlation at the alignment) from the own segment's start on
        for hit in hits:
            window = round(hit.start + offset + slope * (hit.start - centre))
            if segment is None or not segment[0] <= window < size:
                continue
            low, high = max(0, window - reach), min(size, window + reach + 1)
            after.append((window, float(hit.correlations[part.start + low : part.start + high].max())))
        own_scores = [c for w, c in after if segment is not None and w < segment[1]]
        own_s = len(own_scores) * HOP_S
        own_score = float(np.mean(own_scores)) if own_scores else 0.0
        evidence_s = blocks * HOP_S
        run = max(1, round(settings.reject_s / HOP_S))
        needed = 0 if segment is None else (min(segment[2], run) if final else segment[2])
        fits = (segment is not None and len(own_scores) >= needed and evidence_s >= settings.min_evidence_s
                and score >= settings.min_mean_score
                and min(own_scores) >= max(settings.block_min_score, score - settings.accept_drop))
        tail = [c for _w, c in after]
        ruled_out = len(tail) >= run and float(
            np.convolve(tail, np.ones(run) / run, "valid").min()) < score - settings.reject_drop
        reference = self.references[index]
        own_end_s = None if segment is None else (segment[1] + BLOCK_FRAMES - offset) * FRAME_S
        return KindEvidence(reference.kind, reference.name, evidence_s, score, -offset * FRAME_S, own_s, own_score,
                            fits, ruled_out, own_end_s)

    def verdict(self, print_: Fingerprint) -> Verdict:
        """The verdict on a whole clip."""
        starts = range(0, print_.frames - BLOCK_FRAMES + 1, BLOCK_HOP_FRAMES)
        return self.decide(self.block_hits(print_, list(starts)), final=True)


def _rank(evidence: KindEvidence) -> tuple[bool, float, float]:
    return evidence.fits, evidence.evidence_s, evidence.score


@dataclass
class StreamMatcher:
    """A call's audio as it arrives: `feed(samples)` then `verdict()`. Frames are computed once, from the samples
    not yet framed; each block is matched once, when its frames are complete. `ringing_s` is how much of the audio
    was in-band ringback before the far end answered (the clock of "decided within N s of answer" starts there)."""

    matcher: Matcher
    samples: list[np.ndarray] = field(default_factory=list)
    hits: list[_BlockHit] = field(default_factory=list)
    _shapes: list[np.ndarray] = field(default_factory=list)
    _active: list[np.ndarray] = field(default_factory=list)
    _ringback: list[np.ndarray] = field(default_factory=list)
    _framed: int = 0  # frames computed so far
    _next_block: int = 0
    _total: int = 0
    _answered_at: int | None = None  # frame

    @property
    def heard_s(self) -> float:
        return self._total / RATE_HZ

    @property
    def ringing_s(self) -> float:
        """In-band ringback heard before the far end answered; while still ringing, all the audio so far."""
        if self._answered_at is not None:
            return self._answered_at * FRAME_S
        return self._framed * FRAME_S if any(r.any() for r in self._ringback) else 0.0

    def feed(self, samples: np.ndarray) -> None:
        self.samples.append(np.asarray(samples, dtype=np.float32))
        self._total += len(samples)

    def verdict(self, *, final: bool = False) -> Verdict:
        audio = np.concatenate(self.samples) if self.samples else np.zeros(0, np.float32)
        new = fingerprint(audio[self._framed * HOP - self._dropped(audio):])
        self._shapes.append(new.shape)
        self._active.append(new.active)
        self._ringback.append(new.ringback if new.ringback is not None else np.zeros(new.frames, bool))
        self._framed += new.frames
        # keep only the samples the next frame needs
        keep_from = self._framed * HOP - (self._total - audio.size)
        self.samples = [audio[keep_from:]]
        print_ = Fingerprint(np.concatenate(self._shapes), np.concatenate(self._active),
                             np.concatenate(self._ringback))
        self._shapes, self._active, self._ringback = [print_.shape], [print_.active], [print_.ringback]
        if self._answered_at is None:
            self._answered_at = answered_at(print_)
        starts = list(range(self._next_block, print_.frames - BLOCK_FRAMES + 1, BLOCK_HOP_FRAMES))
        self._next_block += BLOCK_HOP_FRAMES * len(starts)
        self.hits.extend(h for h in self.matcher.block_hits(print_, starts) if h is not None)
        return self.matcher.decide(self.hits, final=final)

    def _dropped(self, audio: np.ndarray) -> int:
        """How many of the call's first samples are no longer in `audio`."""
        return self._total - audio.size
