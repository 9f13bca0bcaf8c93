"""The speech service's pre-fill: after final results, per call, debounced, computed off the event loop, and handed
to the listeners on the loop thread."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from agent_desktop.resources import load_unit_directory
from asr.prefill import prefill
from asr.recognition.events import FinalResult
from asr.service import PrefillSuggested, SpeechService


def final(call_id: str, text: str) -> FinalResult:
    return FinalResult(call_id=call_id, text=text, display=text.replace(" ", ""), words=(), audio_s=1.0)


async def test_finals_in_a_row_are_read_once_per_call_off_the_loop(tmp_path: Path) -> None:
    directory = load_unit_directory()
    service = SpeechService(tmp_path, prefill=True, prefill_directory=directory, prefill_debounce_s=0.2)
    got: list[tuple[PrefillSuggested, str]] = []
    service.on_prefill(lambda s: got.append((s, threading.current_thread().name)))
    extract_threads: set[str] = set()

    a = ["喂 你好 我 想 投诉", "我们 小区 旁边 工地 晚上 施工", "吵 得 根本 睡 不 着"]
    b = ["我 姓 王 电话 是 一 三 八 七 四 一 二 五 六 八 九"]
    for text in a:
        service._emit(final("call-a", text))  # what each call's transcriber hands over, on the loop
    service._emit(final("call-b", b[0]))
    state = service._prefills["call-a"]
    real_run = state.run

    def spy(job):  # type: ignore[no-untyped-def]
        extract_threads.add(threading.current_thread().name)
        return real_run(job)

    state.run = spy  # type: ignore[method-assign]
    async with asyncio.timeout(30):
        while {s.call_id for s, _ in got} != {"call-a", "call-b"}:
            await asyncio.sleep(0.01)
    by_call = {s.call_id: s for s, _ in got}
    assert [s.call_id for s, _ in got].count("call-a") == 1  # three finals in a row: one extraction
    assert by_call["call-a"].finals == 3
    assert by_call["call-a"].prefill == prefill(" ".join(a), directory=directory)
    assert by_call["call-b"].prefill.phone == "13874125689"
    assert service.prefill_of("call-a") == by_call["call-a"].prefill and service.prefill_of("nobody") is None
    assert {name for _, name in got} == {threading.current_thread().name}  # listeners: on the loop thread
    assert extract_threads and all(name.startswith("prefill") for name in extract_threads)  # extraction: not

    service._emit(final("call-a", "我 住 在 岳麓区 梅溪湖 街道"))  # a later final: one more pass
    async with asyncio.timeout(30):
        while [s.call_id for s, _ in got].count("call-a") < 2:
            await asyncio.sleep(0.01)
    latest = [s for s, _ in got if s.call_id == "call-a"][-1]
    assert latest.finals == 4 and latest.prefill.district == "岳麓区"
    await service.stop()


async def test_a_final_that_comes_as_a_pass_ends_gets_a_pass_of_its_own(tmp_path: Path) -> None:
    """A pass's task ends, and only later does its done callback run: a final said in between must still be read
    (it was added to the call and left there, the call's last words never pre-filled, until yet another final)."""
    service = SpeechService(tmp_path, prefill=True, prefill_directory=load_unit_directory(), prefill_debounce_s=0.0)
    loop = asyncio.get_running_loop()
    got: list[PrefillSuggested] = []

    def on_prefill(suggested: PrefillSuggested) -> None:
        got.append(suggested)
        if len(got) == 1:  # queued now, it runs after this pass's task has ended and before its done callback
            loop.call_soon(service._emit, final("call-a", "我 住 在 岳麓区 梅溪湖 街道"))

    service.on_prefill(on_prefill)
    service._emit(final("call-a", "我 想 投诉 工地 晚上 施工"))
    async with asyncio.timeout(30):
        while len(got) < 2:
            await asyncio.sleep(0.01)
    assert got[-1].finals == 2 and got[-1].prefill.district == "岳麓区"
    await service.stop()


async def test_without_prefill_no_pass_runs(tmp_path: Path) -> None:
    service = SpeechService(tmp_path)
    got: list[PrefillSuggested] = []
    service.on_prefill(got.append)
    service._emit(final("call-a", "我 要 投诉"))
    await asyncio.sleep(0)
    assert got == [] and service.prefill_of("call-a") is None and not service._prefill_tasks
