"""The survey dialer end to end: the simulator PBX's callees, the telephony facade, a real central store (SQLite and
PostgreSQL) whose clock the test sets."""

from __future__ import annotations

from agent_desktop.core.work_order import OrderState, Rating
from telephony.simulator.scenario import NumberSpec
from telephony.survey.dialer import SurveyDialer
from tests.survey.harness import attempts, central, job, local, order_of, seed_completed, telephony


async def test_each_digit_is_applied_through_the_lifecycle_with_the_recording(db_url: str) -> None:
    numbers = [NumberSpec("13800000001", answer_after_s=0.1, dtmf="1"),
               NumberSpec("13800000002", answer_after_s=0.1, dtmf="2"),
               NumberSpec("13800000003", answer_after_s=0.1, dtmf="3")]
    async with central(db_url, local(2026, 9, 29, 10, 0)) as rig, telephony(numbers) as (_pbx, service):
        for i, spec in enumerate(numbers, 1):
            seed_completed(rig.server, rig.clock, f"WO-{i}", spec.number, local(2026, 9, 29, 9, 0))
        dialer = SurveyDialer(service, await rig.client(), channels=8, calls_per_minute=600, result_timeout_s=5,
                              idle_poll_s=0.05)
        stats = await dialer.run(stop_when_idle=True)
        assert stats.placed == 3
        states = {f"WO-{i}": order_of(rig.server, f"WO-{i}") for i in (1, 2, 3)}
        assert states["WO-1"].state is OrderState.CLOSED and states["WO-1"].rating is Rating.SATISFIED
        assert states["WO-2"].state is OrderState.CLOSED and states["WO-2"].rating is Rating.BASICALLY_SATISFIED
        unsatisfied = states["WO-3"]
        assert unsatisfied.state is OrderState.MANUAL_REVISIT and unsatisfied.rating is Rating.UNSATISFIED
        evidence = unsatisfied.revisits[-1].evidence
        assert evidence and evidence.startswith("survey-13800000003-") and evidence.endswith(".wav")
        assert attempts(rig.server, "WO-3")[0].recording == evidence
        assert job(rig.server, "WO-1").state == "rated"
