"""The survey dialer: claims attempts from the central store, places each call through the telephony facade into the
survey IVR, and reports how it ended.

Theory of operation
-------------------
The schedule is the centre's (`sync.server.survey`): which order is due, inside which calling window, which attempt
this is, whether a number is already in a call, the channel cap and the pace across every dialer. This process
keeps no schedule of its own: it asks for one attempt at a time when its pacer and its channels allow, so a killed
dialer loses nothing but the calls it had in the air (the centre counts them `interrupted` when their lease runs
out, and never places that attempt again).

Each claimed attempt is one survey Originate (`TelephonyService.survey`: the hotline's caller ID towards the citizen,
the dialplan's recording, the `survey` context's question and DTMF read with its retry). Its outcome:

- not answered: busy / no answer / congestion / failed (the Originate's outcome);
- answered: an `AnnouncementDetector`, when one is configured, may first say the answer is a carrier's recording
  (空号, 停机 end the attempts and send the order to a manual revisit; 关机, 无法接通, 通话中 are retried) and the
  call is hung up at once (its Local `;1`, `SurveyCall.channel`); else the
  `survey_result` of this Originate: 1/2/3 is a rating; nothing or an invalid digit after the IVR's retry counts
  as no digit (retried like no answer); no result at all within `result_timeout_s` means the citizen hung up
  during the prompt.

The report (`finish`) is retried until the centre answers: it is idempotent by attempt id, so a lost answer and a
second report change nothing. The rating itself is applied by the centre through the lifecycle, with the recording's
name as the visit's evidence.

A digit outlives the dialer
---------------------------
The survey IVR writes a valid digit to Asterisk's AstDB (`survey/<attempt id>` = `<digit>,<recording>`, the attempt id
passed as SURVEY_ATTEMPT) before it sends the UserEvent. A dialer that dies between the digit and its report loses
only the report: the centre counts the attempt `interrupted` when its lease runs out, and every dialer, at its start
and then every `recover_every_s`, asks the centre for such attempts not retried yet (`orphans`), reads each one's
entry with the AMI `DBGet` and reports the rating for it (`finish`: the centre takes a late rating of an interrupted
attempt once, and never after a retry). Entries the centre has are deleted (`DBDel`) when the AMI user may
(`system` write); otherwise they stay, harmless: nothing reads an entry whose attempt is not an orphan.

A graceful stop (`stop()`, SIGTERM in `agent-desktop survey run`) places nothing more, hands the claims fetched
ahead and not placed back to the centre (`release`: they are not attempts), and lets the calls in the air end and
report.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from agent_desktop.core.errors import AgentDesktopError
from agent_desktop.core.survey import AttemptOutcome, ClaimedAttempt, outcome_of_announcement, rating_of
from telephony.survey.pacing import Pacer
from telephony.tracking.events import OriginateOutcome

log = logging.getLogger(__name__)

_NOT_ANSWERED = {
    OriginateOutcome.BUSY: AttemptOutcome.BUSY, OriginateOutcome.NO_ANSWER: AttemptOutcome.NO_ANSWER,
    OriginateOutcome.CONGESTION: AttemptOutcome.CONGESTION, OriginateOutcome.HUNG_UP: AttemptOutcome.NO_ANSWER,
    OriginateOutcome.CANCELLED: AttemptOutcome.NO_ANSWER, OriginateOutcome.FAILED: AttemptOutcome.FAILED,
}


# The dialling half of a survey's `Local/<number>@outbound` (its `;2` runs the outbound context's Dial)
_SURVEY_HALF = re.compile(r"^(Local/(?P<number>[^@;]+)@[^;]*);2$")
#: extensions.conf [survey] keeps a valid digit under survey/<attempt id>, as `<digit>,<recording>`
ASTDB_FAMILY = "survey"
_RECORDING = re.compile(r"survey-[^-]*-(?P<uniqueid>[0-9.]+)\.wav")


@dataclass(frozen=True, slots=True)
class AnsweredCall:
    """What an announcement detector gets: the survey call, answered or (early media: `action_id` "" and no
    Uniqueid yet) still unanswered with the dialled leg's audio coming through; `channel` is what the fork spies on."""

    attempt_id: str
    number: str
    action_id: str
    uniqueid: str | None
    channel: str | None = None  # the survey's Local `;1`: the audio fork spies on it


class SurveyStore(Protocol):
    """The centre's survey verbs (the composition root gives `sync.survey_client.SurveyClient`)."""

    async def claim(self, limit: int) -> list[ClaimedAttempt]: ...

    async def finish(self, attempt_id: str, outcome: AttemptOutcome, digit: str | None,
                     recording: str | None) -> dict[str, Any]: ...

    async def orphans(self) -> list[dict[str, Any]]: ...

    async def release(self, attempt_ids: list[str]) -> list[str]: ...


class AnnouncementDetector(Protocol):
    """Tells a carrier's recording from a person in the first seconds of an answered call; None: a person (or not
    sure), the IVR's answer decides. The verdict may be an `AttemptOutcome`, a `core.announcement.AnnouncementKind`
    or an object with `.kind` (asr.announcements' `Detection`): an adapter forks the call's audio by its Uniqueid and
    feeds `asr.announcements.detector.AnnouncementDetector.classify`."""

    async def classify(self, call: AnsweredCall) -> object: ...


class SurveyTelephony(Protocol):
    """The part of `telephony.service.TelephonyService` the dialer uses."""

    async def survey(self, number: str, *, work_order_id: str = "", attempt_id: str = "") -> Any: ...

    async def hangup_channel(self, channel: str) -> None: ...

    async def astdb_get(self, family: str, key: str) -> str | None: ...

    async def astdb_del(self, family: str, key: str) -> bool: ...

    def on_event(self, callback: Callable[[Any], Any]) -> Any: ...


@dataclass
class DialerStats:
    placed: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    outcomes: Counter[str] | None = None
    starts: list[float] | None = None  # monotonic start times (the bench's pace)
    recovered: int = 0  # ratings read back from AstDB for attempts counted interrupted
    released: int = 0  # claims handed back unplaced at a graceful stop

    def __post_init__(self) -> None:
        self.outcomes = Counter()
        self.starts = []


class SurveyDialer:
    def __init__(self, telephony: SurveyTelephony, store: SurveyStore, *, channels: int = 8,
                 calls_per_minute: float = 20.0, result_timeout_s: float = 60.0, idle_poll_s: float = 5.0,
                 detector: AnnouncementDetector | None = None, recording: str = "survey-{number}-{uniqueid}.wav",
                 sealed_recording: str = "survey-*-{uniqueid}.wav",
                 prefetch: int = 4, recover_every_s: float = 60.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.telephony = telephony
        self.store = store
        self.pacer = Pacer(channels, calls_per_minute)
        self.result_timeout_s = result_timeout_s
        self.idle_poll_s = idle_poll_s
        self.prefetch = max(1, min(prefetch, channels))
        self.detector = detector
        self.recording = recording
        # an anonymous caller's number must not reach the centre in the recording's name (it becomes the visit's
        # evidence on every desk): the Uniqueid alone finds the file
        self.sealed_recording = sealed_recording
        self._monotonic = monotonic
        self.stats = DialerStats()
        self._results: dict[str, asyncio.Future[Any]] = {}  # survey Originate ActionID → its survey_result
        self._early: dict[str, Any] = {}  # results that came before survey() returned (fast IVRs)
        self._calls: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._subscription: Any = None
        self._progress: dict[str, asyncio.Future[str]] = {}  # number in a call → its Local `;1` once in progress
        self.recover_every_s = recover_every_s
        self._looked_up: set[str] = set()  # orphans whose AstDB entry was looked for and not found
        self._may_forget = True  # False once Asterisk refused DBDel (no `system` write): entries then stay
        self._stopping = False

    # --- listening ---------------------------------------------------------------------------------------------
    def _on_progress(self, channel: str, _dialled: str) -> None:
        """Early media on a survey call's dialled leg: its `;1` (the Originate's channel) hears it before any
        answer. The centre never has one number in two calls, so the number names the attempt."""
        match = _SURVEY_HALF.match(channel)
        future = self._progress.get(match.group("number")) if match else None
        if match and future is not None and not future.done():
            future.set_result(f"{match.group(1)};1")

    def _on_event(self, event: Any) -> None:
        if getattr(event, "EVENT", "") != "survey_result":
            return
        action_id = getattr(event, "action_id", "")
        future = self._results.get(action_id)
        if future is not None and not future.done():
            future.set_result(event)
        elif action_id:
            self._early[action_id] = event
            while len(self._early) > 1000:
                self._early.pop(next(iter(self._early)))

    def _listen(self) -> None:
        self._subscription = self.telephony.on_event(self._on_event)
        if self.detector is not None and hasattr(self.telephony, "on_dial_progress"):
            self.telephony.on_dial_progress(self._on_progress)

    # --- the loop ----------------------------------------------------------------------------------------------
    async def run(self, *, stop_after: int | None = None, stop_when_idle: bool = False) -> DialerStats:
        """Claim and call until cancelled or stopped (or after `stop_after` calls, or when the centre has nothing due
        and no call is in the air, with `stop_when_idle`). First, and then every `recover_every_s`, the ratings
        Asterisk kept for interrupted attempts are reported (`recover`)."""
        self._listen()
        self._stopping = False
        ready: deque[ClaimedAttempt] = deque()
        await self.recover()  # before any claim: a rating Asterisk kept must not be asked for again
        recovering = asyncio.create_task(self._recover_now_and_then(), name="survey-recover")
        try:
            await self._claim_and_call(ready, stop_after, stop_when_idle)
            await self._release(ready)
            while self._calls:
                await asyncio.wait(set(self._calls))
        finally:
            recovering.cancel()
            if ready:
                # killed, not stopped: their leases run out and the centre counts them interrupted
                log.warning("%d claimed survey attempts were not placed before the dialer stopped", len(ready))
            if self._subscription is not None:
                with contextlib.suppress(Exception):
                    self._subscription.cancel()
        return self.stats

    async def _claim_and_call(self, ready: deque[ClaimedAttempt], stop_after: int | None,
                              stop_when_idle: bool) -> None:
        """Claims are fetched ahead (at most `prefetch`, never more than the free channels) while earlier calls wait
        for their slot, so the round trip to the centre does not slow the pace; a claim waits a fraction of its
        lease at most. Returns with the claims not placed in `ready`."""
        refill: asyncio.Task[list[ClaimedAttempt]] | None = None
        idle = False
        try:
            while (stop_after is None or self.stats.placed < stop_after) and not self._stopping:
                room = min(self.prefetch, self.pacer.channels - self.stats.in_flight) - len(ready)
                if refill is None and room > 0 and not idle:
                    refill = asyncio.create_task(self.store.claim(room))
                if refill is not None and (refill.done() or not ready):
                    try:
                        claims = await refill
                    except (AgentDesktopError, OSError) as exc:
                        log.warning("cannot claim survey attempts: %s", exc)
                        claims = []
                        await self._pause(self.idle_poll_s)
                    refill = None
                    ready.extend(claims)
                    if self._stopping:
                        break
                    if not claims and not ready:
                        if stop_when_idle and self.stats.in_flight == 0:
                            break
                        idle = True
                        await self._idle()
                        idle = False
                        continue
                if not ready:
                    if refill is None:  # every channel busy: nothing to claim until a call ends
                        await self._wait_for_a_channel()
                    continue
                wait = self.pacer.wait_s(self._monotonic(), self.stats.in_flight)
                if wait is None:
                    await self._wait_for_a_channel()
                    continue
                if wait > 0:
                    await self._pause(wait)
                    continue
                self._start(ready.popleft())
            if refill is not None:  # its claims are this dialer's now: hand them back with the others
                with contextlib.suppress(AgentDesktopError, OSError):
                    ready.extend(await refill)
                refill = None
        finally:
            if refill is not None:
                refill.cancel()

    async def stop(self) -> None:
        """A graceful stop (SIGTERM): place nothing more, hand the unplaced claims back, let the calls in the air end
        and report; `run` then returns."""
        self._stopping = True
        self._wake.set()

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake for a stop."""
        self._wake.clear()
        if self._stopping:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _release(self, ready: deque[ClaimedAttempt]) -> None:
        if not ready:
            return
        ids = [claim.attempt_id for claim in ready]
        try:
            released = await self.store.release(ids)
        except (AgentDesktopError, OSError) as exc:
            log.warning("could not hand back %d unplaced survey attempts (%s): the centre will count them "
                        "interrupted when their leases run out", len(ids), exc)
            return
        self.stats.released += len(released)
        ready.clear()
        log.info("handed back %d survey attempts claimed and not placed", len(released))

    # --- ratings AstDB kept --------------------------------------------------------------------------------------
    async def _recover_now_and_then(self) -> None:
        while True:
            await asyncio.sleep(self.recover_every_s)
            await self.recover()

    async def recover(self) -> int:
        """Report the ratings Asterisk kept in AstDB for attempts the centre counted interrupted (their dialer died
        after the digit, before its report) and has not retried. Returns how many the centre took."""
        if not hasattr(self.telephony, "astdb_get"):
            return 0
        try:
            orphans = await self.store.orphans()
        except (AgentDesktopError, OSError) as exc:
            log.warning("cannot ask the centre for interrupted survey attempts: %s", exc)
            return 0
        taken = 0
        for orphan in orphans:
            attempt_id = str(orphan.get("attempt_id", ""))
            if not attempt_id or attempt_id in self._looked_up:
                continue
            try:
                value = await self.telephony.astdb_get(ASTDB_FAMILY, attempt_id)
            except AgentDesktopError as exc:
                log.warning("survey attempt %s: cannot read AstDB (%s)", attempt_id, exc)
                continue
            if value is None:  # no digit was pressed (or it is already reported): nothing to recover
                self._looked_up.add(attempt_id)
                continue
            digit, _, recording = value.partition(",")
            if rating_of(digit) is None:
                self._looked_up.add(attempt_id)
                continue
            if orphan.get("sealed"):
                recording = self._sealed_name(recording)
            try:
                reply = await self.store.finish(attempt_id, AttemptOutcome.RATED, digit, recording or None)
            except (AgentDesktopError, OSError) as exc:
                log.warning("survey attempt %s: the recovered rating did not reach the centre (%s); next round",
                            attempt_id, exc)
                continue
            self._looked_up.add(attempt_id)
            if reply.get("late"):
                taken += 1
                self.stats.recovered += 1
                log.info("survey attempt %s: the rating %s Asterisk kept was reported after its dialer died",
                         attempt_id, digit)
            await self._forget(attempt_id)
        return taken

    def _sealed_name(self, recording: str) -> str:
        """An anonymous caller's recording is reported by its Uniqueid alone (the dialplan's name holds the number)."""
        match = _RECORDING.fullmatch(recording)
        return self.sealed_recording.format(uniqueid=match.group("uniqueid")) if match else ""

    async def _forget(self, attempt_id: str) -> None:
        """The centre has the rating: its AstDB entry is no longer needed."""
        if not self._may_forget or not hasattr(self.telephony, "astdb_del"):
            return
        try:
            await self.telephony.astdb_del(ASTDB_FAMILY, attempt_id)
        except AgentDesktopError as exc:
            if exc.code == "astdb_not_permitted":
                self._may_forget = False
                log.warning("the AMI user may not DBDel (no `system` write): survey ratings stay in AstDB "
                            "(survey/<attempt id>); see docs/survey.md")
            else:
                log.info("survey attempt %s: AstDB entry not deleted (%s)", attempt_id, exc)

    async def _wait_for_a_channel(self) -> None:
        self._wake.clear()
        if not self._stopping:
            await self._wake.wait()

    async def _idle(self) -> None:
        self._wake.clear()
        if self._stopping:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.idle_poll_s)

    def _start(self, claim: ClaimedAttempt) -> None:
        now = self._monotonic()
        self.pacer.started(now)
        self.stats.placed += 1
        self.stats.in_flight += 1
        self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
        assert self.stats.starts is not None
        self.stats.starts.append(now)
        task = asyncio.create_task(self._attempt(claim), name=f"survey-{claim.attempt_id}")
        self._calls.add(task)
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        self._calls.discard(task)
        self.stats.in_flight -= 1
        self._wake.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("survey attempt task failed", exc_info=task.exception())

    # --- one attempt -------------------------------------------------------------------------------------------
    async def _attempt(self, claim: ClaimedAttempt) -> None:
        outcome, digit, recording = await self._call(claim)
        assert self.stats.outcomes is not None
        self.stats.outcomes[outcome.value] += 1
        delay = 0.5
        while True:
            try:
                await self.store.finish(claim.attempt_id, outcome, digit, recording)
                if outcome is AttemptOutcome.RATED:
                    await self._forget(claim.attempt_id)
                return
            except (AgentDesktopError, OSError) as exc:
                # the lease gives the centre's answer minutes; the report is idempotent, so sending it again is safe
                log.warning("survey attempt %s: the report did not reach the centre (%s); retrying",
                            claim.attempt_id, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _call(self, claim: ClaimedAttempt) -> tuple[AttemptOutcome, str | None, str | None]:
        placing = asyncio.ensure_future(self.telephony.survey(claim.number, work_order_id=claim.order_id,
                                                              attempt_id=claim.attempt_id))
        progress: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        if self.detector is not None:
            self._progress[claim.number] = progress
        try:
            await asyncio.wait({placing, progress}, return_when=asyncio.FIRST_COMPLETED)
            if progress.done() and not placing.done():
                kind = await self._early_media(claim, progress.result())
                if kind is not None:
                    with contextlib.suppress(AgentDesktopError):
                        await placing  # the Originate fails once its ;1 is gone
                    return kind, None, None  # never answered: the survey context's MixMonitor never ran
            call = await placing
        except AgentDesktopError as exc:
            log.warning("survey attempt %s: the call could not be placed: %s", claim.attempt_id, exc)
            return AttemptOutcome.FAILED, None, None
        finally:
            if self._progress.get(claim.number) is progress:
                del self._progress[claim.number]
            progress.cancel()
        outcome = OriginateOutcome(call.outcome)
        if outcome is not OriginateOutcome.ANSWERED:
            return _NOT_ANSWERED.get(outcome, AttemptOutcome.FAILED), None, None
        template = self.sealed_recording if claim.sealed else self.recording
        recording = template.format(number=claim.number, uniqueid=call.uniqueid) if call.uniqueid else None
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        early = self._early.pop(call.action_id, None)
        if early is not None:
            future.set_result(early)
        self._results[call.action_id] = future
        try:
            if self.detector is not None:
                kind = await self._classify(claim, call)
                if kind is not None:
                    await self._hang_up(claim, call)
                    return kind, None, recording
            try:
                result = await asyncio.wait_for(asyncio.shield(future), self.result_timeout_s)
            except TimeoutError:
                return AttemptOutcome.HUNG_UP, None, recording
        finally:
            self._results.pop(call.action_id, None)
        digit = (getattr(result, "result", "") or "").strip()
        if rating_of(digit) is None:
            return AttemptOutcome.NO_DIGIT, digit or None, recording
        return AttemptOutcome.RATED, digit, recording

    async def _early_media(self, claim: ClaimedAttempt, channel: str) -> AttemptOutcome | None:
        """The dialled leg plays audio before any answer (空号/停机/关机 are often played so): listen to it as to an
        answered call's first seconds; a kind ends the call at once, as on answer."""
        kind = await self._classify_call(claim, AnsweredCall(claim.attempt_id, claim.number, "", None, channel))
        if kind is not None:
            log.info("survey attempt %s: a carrier's announcement in early media (%s)", claim.attempt_id, kind.value)
            await self._hang_up(claim, channel)
        return kind

    async def _hang_up(self, claim: ClaimedAttempt, call: Any) -> None:
        """A carrier's recording holds the channel (and the pace's slot) for as long as it loops: end it at once."""
        channel = call if isinstance(call, str) else getattr(call, "channel", None)
        if not channel:
            log.warning("survey attempt %s: a carrier's announcement, but the call's channel is unknown: left to end "
                        "by itself", claim.attempt_id)
            return
        try:
            await self.telephony.hangup_channel(channel)
        except AgentDesktopError as exc:  # the carrier hung up first: nothing left to end
            log.info("survey attempt %s: the announcement's channel was already gone (%s)", claim.attempt_id,
                     exc.code)

    async def _classify(self, claim: ClaimedAttempt, call: Any) -> AttemptOutcome | None:
        return await self._classify_call(claim, AnsweredCall(claim.attempt_id, claim.number, call.action_id,
                                                             call.uniqueid, getattr(call, "channel", None)))

    async def _classify_call(self, claim: ClaimedAttempt, call: AnsweredCall) -> AttemptOutcome | None:
        assert self.detector is not None
        try:
            verdict = await self.detector.classify(call)
            return outcome_of_announcement(verdict)
        except Exception:
            log.exception("survey attempt %s: the announcement detector failed; the IVR's answer decides",
                          claim.attempt_id)
            return None
