"""Telling a carrier's recorded announcement from a person, by matching the call's first seconds against the
recordings an operator enrolled. Pure DSP on numpy: samples in, a verdict out; no I/O, no clock.

Theory of operation.

Fingerprint. 8 kHz audio is cut into 25 ms frames every 10 ms; each frame's power spectrum goes through 24 mel
bands (150–3600 Hz, the telephone band), is taken in log, and turned into cepstra of which only 1..12 are kept and
turned back into a smoothed log-spectral *shape*. Dropping cepstrum 0 removes the frame's level (any gain, a quiet
or loud line); dropping the high cepstra smooths away the voice's pitch harmonics (another speaker's pitch, or the
same recording replayed by a different carrier box) and most of the G.711 quantisation and line noise. A frame is
*active* when it is louder than −50 dBFS.

Match. The query (the call's audio so far) is cut into blocks of 0.4 s every 0.1 s. Each block, flattened and
normalised to zero mean and unit length, is correlated with every 0.4 s window of every enrolled recording (a
matrix product; the windows are normalised once, when the library loads). A block's best window gives its score
(the normalised cross-correlation, −1..1) and its offset (window start − block start). A recording is *heard* when
several blocks agree on one offset: starting from each good block, the blocks within a tolerance of its offset
(3 frames plus 6 % of the distance between them, so a recording played 5 % faster or slower still lines up) are
gathered; the largest such group is the recording's evidence. An announcement is declared when that evidence covers
enough time (`min_evidence_s`) with a high enough mean score, and enough of it (`min_margin_s`) is blocks where the
kind's best recording beats every other kind's by `min_lead`. The five Chinese announcements share their opening
(您拨打的电话…) and some their ending (…请稍后再拨): the shared parts only make every kind a candidate, and what one
kind alone says names it. Hence the library must hold every kind: the words of a kind that is not enrolled still
resemble the nearest enrolled kind's (已关机 / 已停机) more than any other's, so it is usually taken for that kind
(bench/announcement_bench.py measures how often).

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
BLOCK_HOP_FRAMES = 10  # 0.1 s
ACTIVE_DBFS = -50.0
FRAME_S = HOP / RATE_HZ


@dataclass(frozen=True)
class MatchSettings:
    block_min_score: float = 0.55  # a block counts as evidence from this normalised correlation up
    min_evidence_s: float = 1.2  # agreeing blocks (0.1 s each) must cover at least this much audio
    min_mean_score: float = 0.65  # … with at least this mean correlation
    min_margin_s: float = 0.3  # of which this much where the kind beats every other kind
    min_lead: float = 0.04  # … by this much correlation
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
    """Per 10 ms frame: the smoothed spectral shape (frames × 24) and whether the frame is active."""

    shape: np.ndarray
    active: np.ndarray

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


def fingerprint(samples: np.ndarray) -> Fingerprint:
    """The fingerprint of 8 kHz samples (floats in −1..1). Fewer than one frame's samples give zero frames."""
    x = np.asarray(samples, dtype=np.float64)
    if x.size < FRAME:
        return Fingerprint(np.zeros((0, BANDS), np.float32), np.zeros(0, bool))
    count = 1 + (x.size - FRAME) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(x, FRAME)[:: HOP][:count]
    power = np.abs(np.fft.rfft(frames * _WINDOW, FFT)) ** 2
    energy_dbfs = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12) + 3.0  # full-scale sine = 0 dBFS
    logmel = np.log(power @ _MEL.T + 1e-9)
    shape = (logmel @ _SHAPE.T).astype(np.float32)
    return Fingerprint(shape, energy_dbfs > ACTIVE_DBFS)


def _normalised_rows(rows: np.ndarray) -> np.ndarray:
    centred = rows - rows.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    return centred / np.maximum(norms, 1e-9)


def _windows(print_: Fingerprint) -> tuple[np.ndarray, np.ndarray]:
    """Every block-long window of a fingerprint, flattened and normalised, and which are mostly active."""
    if print_.frames < BLOCK_FRAMES:
        return np.zeros((0, BLOCK_FRAMES * BANDS), np.float32), np.zeros(0, bool)
    view = np.lib.stride_tricks.sliding_window_view(print_.shape, (BLOCK_FRAMES, BANDS))[:, 0]
    flat = view.reshape(view.shape[0], -1)
    active = np.lib.stride_tricks.sliding_window_view(print_.active, BLOCK_FRAMES).mean(axis=1) >= 0.5
    return _normalised_rows(flat).astype(np.float32), active


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
    evidence_s: float  # audio covered by the agreeing blocks (0.1 s per block)
    score: float  # their mean normalised correlation
    offset_s: float  # where the recording's start falls in the query (negative: joined after it began)
    distinct_s: float = 0.0  # of the evidence, the blocks where this kind beats every other kind by `min_lead`


@dataclass(frozen=True)
class Verdict:
    kind: AnnouncementKind | None
    score: float
    offset_s: float | None
    evidence_s: float
    candidates: tuple[KindEvidence, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind.value if self.kind else None, "score": round(self.score, 3),
                "offset_s": None if self.offset_s is None else round(self.offset_s, 2)}


@dataclass
class _BlockHit:
    start: int  # query frame of the block's start
    scores: np.ndarray  # per reference: best correlation
    offsets: np.ndarray  # per reference: best window start − block start (frames)


class Matcher:
    """Matches audio against a fixed set of enrolled recordings. `verdict(fingerprint)` for a whole clip;
    `StreamMatcher` for a call as it comes."""

    def __init__(self, references: Sequence[Reference], settings: MatchSettings | None = None) -> None:
        self.references = tuple(references)
        self.settings = settings or MatchSettings()
        windows, starts = [], []
        for reference in self.references:
            flat, active = _windows(reference.print_)
            keep = np.flatnonzero(active)
            windows.append(flat[keep])
            starts.append(keep)
        self._windows = np.concatenate(windows) if windows else np.zeros((0, BLOCK_FRAMES * BANDS), np.float32)
        self._start = np.concatenate(starts) if starts else np.zeros(0, int)
        # per reference, its slice of the window matrix (windows are concatenated in reference order)
        bounds = np.cumsum([0, *(w.shape[0] for w in windows)])
        self._slices = [slice(int(bounds[i]), int(bounds[i + 1])) for i in range(len(self.references))]

    def block_hit(self, print_: Fingerprint, start: int) -> _BlockHit | None:
        """The best window of every reference for the query block starting at frame `start` (None: mostly
        inactive, nothing to match)."""
        if print_.active[start : start + BLOCK_FRAMES].mean() < 0.5 or not self.references:
            return None
        block = print_.shape[start : start + BLOCK_FRAMES].reshape(1, -1)
        query = _normalised_rows(block.astype(np.float64)).astype(np.float32)[0]
        correlations = self._windows @ query
        scores = np.full(len(self.references), -1.0)
        offsets = np.zeros(len(self.references), dtype=int)
        for index, part in enumerate(self._slices):
            if part.stop > part.start:
                best = part.start + int(np.argmax(correlations[part]))
                scores[index] = float(correlations[best])
                offsets[index] = int(self._start[best]) - start
        return _BlockHit(start, scores, offsets)

    def decide(self, hits: Iterable[_BlockHit | None]) -> Verdict:
        """The verdict from the block hits of a query so far."""
        hits = [h for h in hits if h is not None]
        settings = self.settings
        kinds = sorted({r.kind for r in self.references})
        # per block and kind: the best score of any recording of that kind, and by how much it beats every other kind
        lead: dict[AnnouncementKind, np.ndarray] = {}
        if hits and len(kinds) > 1:
            by_kind = np.array([[max(h.scores[i] for i, r in enumerate(self.references) if r.kind is k)
                                 for k in kinds] for h in hits])
            for column, kind in enumerate(kinds):
                others = np.delete(by_kind, column, axis=1).max(axis=1)
                lead[kind] = by_kind[:, column] - others
        best_by_kind: dict[AnnouncementKind, KindEvidence] = {}
        for index, reference in enumerate(self.references):
            evidence = self._evidence(hits, index, lead.get(reference.kind))
            if evidence is None:
                continue
            current = best_by_kind.get(reference.kind)
            if current is None or (evidence.evidence_s, evidence.score) > (current.evidence_s, current.score):
                best_by_kind[reference.kind] = evidence
        ranked = sorted(best_by_kind.values(), key=lambda e: (e.distinct_s, e.evidence_s, e.score), reverse=True)
        if not ranked:
            return Verdict(None, 0.0, None, 0.0)
        top = ranked[0]
        decided = (top.evidence_s >= settings.min_evidence_s and top.score >= settings.min_mean_score
                   and (len(kinds) == 1 or top.distinct_s >= settings.min_margin_s))
        return Verdict(top.kind if decided else None, top.score, top.offset_s if decided else None, top.evidence_s,
                       tuple(ranked))

    def _evidence(self, hits: list[_BlockHit], index: int, lead: np.ndarray | None) -> KindEvidence | None:
        """The largest group of good blocks agreeing on one offset into recording `index`."""
        settings = self.settings
        chosen = [i for i, h in enumerate(hits) if h.scores[index] >= settings.block_min_score]
        if not chosen:
            return None
        starts = np.array([hits[i].start for i in chosen], dtype=float)
        offsets = np.array([hits[i].offsets[index] for i in chosen], dtype=float)
        scores = np.array([hits[i].scores[index] for i in chosen])
        leads = lead[chosen] if lead is not None else np.zeros(len(chosen))
        best: tuple[int, float, float, int] | None = None  # (blocks, mean score, offset, distinct blocks)
        for anchor in range(len(chosen)):
            tolerance = settings.tolerance_frames + settings.tolerance_rate * np.abs(starts - starts[anchor])
            member = np.abs(offsets - offsets[anchor]) <= tolerance
            candidate = (int(member.sum()), float(scores[member].mean()), float(np.median(offsets[member])),
                         int((leads[member] >= settings.min_lead).sum()))
            if best is None or candidate[:2] > best[:2]:
                best = candidate
        assert best is not None
        blocks, score, offset, distinct = best
        reference = self.references[index]
        hop_s = BLOCK_HOP_FRAMES * FRAME_S
        return KindEvidence(reference.kind, reference.name, blocks * hop_s, score, -offset * FRAME_S,
                            distinct * hop_s)

    def verdict(self, print_: Fingerprint) -> Verdict:
        """The verdict on a whole clip."""
        starts = range(0, print_.frames - BLOCK_FRAMES + 1, BLOCK_HOP_FRAMES)
        return self.decide(self.block_hit(print_, start) for start in starts)


@dataclass
class StreamMatcher:
    """A call's audio as it arrives: `feed(samples)` then `verdict()`. Frames are computed once, from the samples
    not yet framed; each block is matched once, when its frames are complete."""

    matcher: Matcher
    samples: list[np.ndarray] = field(default_factory=list)
    hits: list[_BlockHit] = field(default_factory=list)
    _shapes: list[np.ndarray] = field(default_factory=list)
    _active: list[np.ndarray] = field(default_factory=list)
    _framed: int = 0  # frames computed so far
    _next_block: int = 0
    _total: int = 0

    @property
    def heard_s(self) -> float:
        return self._total / RATE_HZ

    def feed(self, samples: np.ndarray) -> None:
        self.samples.append(np.asarray(samples, dtype=np.float32))
        self._total += len(samples)

    def verdict(self) -> Verdict:
        audio = np.concatenate(self.samples) if self.samples else np.zeros(0, np.float32)
        new = fingerprint(audio[self._framed * HOP - self._dropped(audio):])
        self._shapes.append(new.shape)
        self._active.append(new.active)
        self._framed += new.frames
        # keep only the samples the next frame needs
        keep_from = self._framed * HOP - (self._total - audio.size)
        self.samples = [audio[keep_from:]]
        print_ = Fingerprint(np.concatenate(self._shapes), np.concatenate(self._active))
        self._shapes, self._active = [print_.shape], [print_.active]
        while self._next_block + BLOCK_FRAMES <= print_.frames:
            hit = self.matcher.block_hit(print_, self._next_block)
            if hit is not None:
                self.hits.append(hit)
            self._next_block += BLOCK_HOP_FRAMES
        return self.matcher.decide(self.hits)

    def _dropped(self, audio: np.ndarray) -> int:
        """How many of the call's first samples are no longer in `audio`."""
        return self._total - audio.size
