"""The demo's caller plan: seeded, within the interval, scripted in the form Vosk's Chinese models print, and routed
often enough to the demo's unit."""

from __future__ import annotations

import pytest

from agent_desktop.core.routing import UnitDirectory
from agent_desktop.demo.callers import AUDIO_CLIPS, CallerPlan, busiest_unit
from agent_desktop.resources import load_unit_directory, resources_dir
from asr.prefill.extract import prefill


@pytest.fixture(scope="module")
def directory() -> UnitDirectory:
    return load_unit_directory()


def test_the_same_seed_gives_the_same_callers_and_pauses(directory: UnitDirectory) -> None:
    first, second = CallerPlan(directory, seed=42), CallerPlan(directory, seed=42)
    drawn = [(first.next_interval(), first.next_caller()) for _ in range(20)]
    assert drawn == [(second.next_interval(), second.next_caller()) for _ in range(20)]
    assert drawn != [(p.next_interval(), p.next_caller()) for p in [CallerPlan(directory, seed=43)] for _ in range(20)]


def test_pauses_stay_within_the_interval_and_numbers_never_repeat(directory: UnitDirectory) -> None:
    plan = CallerPlan(directory, seed=1, interval_s=(20.0, 40.0))
    pauses = [plan.next_interval() for _ in range(500)]
    assert all(20.0 <= p <= 40.0 for p in pauses) and max(pauses) - min(pauses) > 15
    numbers = [plan.next_caller().number for _ in range(300)]
    assert len(set(numbers)) == 300 and all(len(n) == 11 and n.isdigit() for n in numbers)
    with pytest.raises(ValueError, match="interval"):
        CallerPlan(directory, interval_s=(0.0, 10.0))


def test_a_script_pre_fills_the_callers_own_values(directory: UnitDirectory) -> None:
    plan = CallerPlan(directory, seed=7)
    for _ in range(10):
        caller = plan.next_caller()
        assert caller.audio in AUDIO_CLIPS and (resources_dir() / "scenarios" / "audio" / caller.audio).is_file()
        result = prefill(" ".join(caller.script), directory=directory)
        assert result.surname == caller.surname and result.form_of_address == caller.form_of_address
        assert result.phone == caller.number and result.district == caller.matter.district


def test_half_of_the_callers_bring_a_matter_for_the_demo_unit(directory: UnitDirectory) -> None:
    unit = busiest_unit(directory)
    plan = CallerPlan(directory, seed=3, favoured_unit=unit)
    share = sum(plan.next_caller().lead_unit == unit for _ in range(400)) / 400
    assert 0.45 < share < 0.8
