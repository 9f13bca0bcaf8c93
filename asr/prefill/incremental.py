"""Pre-fill of one call as its final results arrive: the transcript kept per call, read again only when it changed in
a way the extractor can see, and only when a result is asked for.

The desk asks for the pre-fill after final results, and a caller often says several short utterances in a row.
`CallPrefill` keeps what the extraction reads — the transcript as `asr.prefill.prefill` is given it (the finals
joined by one space, as `CallTranscriber.text` joins them) — and:
- appending a final costs only the append; the extraction runs when `result()` is asked for, so a burst of finals
  (coalesced by the speech service's per-call debounce) is read once, not once per final;
- the last result is kept, so asking twice (the desk's debounce, a redraw) reads once.

Exactness: `CallPrefill(...).add(f1)...add(fn).result()` equals `prefill(" ".join([f1, ..., fn]))` field for field
(tests/asr/prefill/test_incremental.py proves it over random splits of every committed transcript set, with
hypothesis). The extractor's own rules are global — the category, the summary and the suggested units weigh the
whole call — so a final is never extracted on its own and merged: that would not give the same fields. What is
shared between a call's reads is the pure work on pieces of its text (`asr.prefill.memo.Memo`: jieba's words of a
stretch between safe cuts, a clause's windows, the folded documents, digit runs), keyed by the piece itself: a read
after one more final computes the pieces that final touched and the whole-call decisions from them.

No I/O, no threads; the speech service runs `run()` in an executor, off the event loop, one pass of a call at a
time (the memo is the call's own).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from agent_desktop.core.routing import UnitDirectory
from asr.prefill.extract import Prefill, extract
from asr.prefill.gazetteer import Gazetteer
from asr.prefill.memo import Memo


@dataclass(frozen=True, slots=True)
class PrefillJob:
    """One extraction to run: the transcript and notes as they were when it was asked for (`version`)."""

    version: int
    text: str
    notes: str
    finals: int


class CallPrefill:
    """The pre-fill of one call, kept up to date with its final results (see the module docstring).

    Single-threaded use: `result()`. Off-thread use (the speech service): `job()` on the owner's thread, `run(job)`
    on any thread (one pass of a call at a time), `settle(job, result)` back on the owner's thread — a result for a
    transcript that has grown meanwhile is not kept (the next job reads the longer one)."""

    def __init__(self, *, notes: str = "", directory: UnitDirectory | None = None,
                 gazetteer: Gazetteer | None = None) -> None:
        self._notes = notes
        self._directory = directory
        self._gazetteer = gazetteer
        self._parts: list[str] = []
        self._text = ""
        self._version = 0
        self._result: Prefill | None = None  # for the current version; None: to be read again
        self.passes = 0  # extractions run (for the bench and the tests)
        self.memo = Memo()  # the pieces of work earlier passes did (jieba's words of a stretch, a clause's windows…)

    @property
    def text(self) -> str:
        """The transcript as the extractor reads it: the finals joined by one space."""
        return self._text

    @property
    def finals(self) -> int:
        return len(self._parts)

    def add(self, final_text: str) -> None:
        """One more final result of the call (Vosk's text, words separated by spaces)."""
        if not isinstance(final_text, str):
            final_text = ""
        self._parts.append(final_text)
        self._text = final_text if len(self._parts) == 1 else f"{self._text} {final_text}"
        self._changed()

    def extend(self, finals: Iterable[str]) -> None:
        for final in finals:
            self.add(final)

    def set_notes(self, notes: str) -> None:
        """The agent's typed notes (they win for every field they give): the next result reads them."""
        if notes != self._notes:
            self._notes = notes
            self._changed()

    def _changed(self) -> None:
        self._version += 1
        self._result = None

    @property
    def stale(self) -> bool:
        """Whether `result()` would read the transcript again."""
        return self._result is None

    @property
    def last(self) -> Prefill | None:
        """The result for the current transcript, if it has been read (None while stale)."""
        return self._result

    def job(self) -> PrefillJob | None:
        """What to extract now, or None when the last result is current."""
        if self._result is not None:
            return None
        return PrefillJob(self._version, self._text, self._notes, len(self._parts))

    def run(self, job: PrefillJob) -> Prefill:
        """The extraction itself: safe on any thread, one at a time per call (they share the call's memo)."""
        return extract(job.text, notes=job.notes, directory=self._directory, gazetteer=self._gazetteer,
                       memo=self.memo)

    def settle(self, job: PrefillJob, result: Prefill) -> bool:
        """Keep `result` if the transcript is still the one `job` read; False when it has changed since."""
        self.passes += 1
        if job.version != self._version:
            return False
        self._result = result
        return True

    def result(self) -> Prefill:
        """The pre-fill of the call so far (read again only if something has changed since the last read)."""
        job = self.job()
        if job is not None:
            self.settle(job, self.run(job))
        assert self._result is not None
        return self._result
