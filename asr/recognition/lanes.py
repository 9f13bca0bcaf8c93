"""The decode threads a speech service shares between its calls: a small fixed set of lanes, not a thread per call.

Why (issue 11, memory over a shift): a seat's process lives all day and every answered call is decoded. A thread per
call meant a new thread per call, and glibc gives threads that allocate at once arenas of their own (up to 8 per core),
each keeping what its calls freed; a flood of short calls also built as many Kaldi decoders at once as there were
calls. With lanes the threads are made once, at most `lanes` decoders are being built or fed at any time, and
the memory a finished call freed is handed back to the system right after its decoder goes (`release_freed_memory`).

A call keeps one lane from its first audio to its end: Kaldi's recognizer must stay on one thread. Calls sharing a lane
take turns batch by batch (each submit is one batch of the call's queued audio), so a long call never starves a short
one. Two lanes match the two cores of a seat PC: Vosk releases the GIL, more threads than cores only add arenas.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import platform
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

log = logging.getLogger(__name__)

DEFAULT_DECODE_LANES = 2

T = TypeVar("T")


def _glibc_malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None elsewhere (musl, macOS, Windows have no such call, or need none)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_MALLOC_TRIM = _glibc_malloc_trim()


def release_freed_memory() -> bool:
    """Hand the C heap's free pages back to the system (glibc `malloc_trim(0)`, every arena). Freed memory otherwise
    stays in the process: a Kaldi decoder's tens of megabytes, freed, would still count in the resident size until
    some later allocation happened to reuse them. True when something was returned; False where there is no glibc."""
    if _MALLOC_TRIM is None:
        return False
    return bool(_MALLOC_TRIM(0))


class Lane:
    """One decode thread (made on its first use) and the number of calls it serves now."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.calls = 0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"asr-decode-{index}")

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        return self._executor.submit(fn, *args)

    def shutdown(self, *, wait: bool) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=not wait)


class DecodeLanes:
    """`acquire()` the least busy lane for a new call, `release(lane)` when the call's decoder is gone (then the freed
    memory goes back to the system, on that lane's thread, behind the call's last batch). `trim` is what does that
    (`release_freed_memory` by default; None: never)."""

    def __init__(self, lanes: int = DEFAULT_DECODE_LANES, *,
                 trim: Callable[[], object] | None = release_freed_memory) -> None:
        if lanes < 1:
            raise ValueError("a speech service needs at least one decode lane")
        self._lanes = [Lane(i) for i in range(lanes)]
        self._lock = threading.Lock()  # acquire/release come from the loop thread; shutdown from any
        self._trim = trim
        self._closed = False
        # what the trims cost (a trim holds each malloc arena's lock in turn while it walks its free chunks)
        self.trims = 0
        self.trim_seconds_max = 0.0
        self.trim_seconds_total = 0.0

    @property
    def size(self) -> int:
        return len(self._lanes)

    def acquire(self) -> Lane:
        with self._lock:
            if self._closed:
                raise RuntimeError("the decode lanes are shut down")
            lane = min(self._lanes, key=lambda candidate: candidate.calls)
            lane.calls += 1
            return lane

    def release(self, lane: Lane) -> None:
        with self._lock:
            lane.calls = max(0, lane.calls - 1)
            if self._closed or self._trim is None:
                return
            trim = self._trim
        with contextlib.suppress(RuntimeError):  # shut down meanwhile: nothing left to trim for
            lane.submit(self._trim_safely, trim)

    def _trim_safely(self, trim: Callable[[], object]) -> None:
        started = time.perf_counter()
        try:
            trim()
        except Exception:  # a failed trim costs memory, never a call
            log.exception("returning freed memory to the system failed")
        elapsed = time.perf_counter() - started
        with self._lock:
            self.trims += 1
            self.trim_seconds_total += elapsed
            self.trim_seconds_max = max(self.trim_seconds_max, elapsed)

    def shutdown(self, *, wait: bool = True) -> None:
        with self._lock:
            self._closed = True
        for lane in self._lanes:
            lane.shutdown(wait=wait)
