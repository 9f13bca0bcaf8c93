"""The simulated month's matter templates come from `resources/simulation/matters.json`, checked on reading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_desktop.core.errors import ConfigError
from agent_desktop.core.work_order import Category, NotAcceptedReason
from agent_desktop.resources import simulation_matters_path
from agent_desktop.simulation.matters import load_templates, matters, refusals


def test_the_shipped_templates_cover_every_category_and_the_month_plans_needs() -> None:
    assert {m.category for m in matters()} == set(Category)
    assert sum(m.hot for m in matters()) >= 2 and any(m.emergency for m in matters())
    assert any(m.kb for m in matters())
    assert {r.reason for r in refusals()} <= set(NotAcceptedReason) and len(refusals()) >= 5
    assert len({m.key for m in matters()}) == len(matters())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["matters"][0].update(category="gossip"), "malformed"),
        (lambda d: d["matters"][0].update(texts=[]), "caller's words"),
        (lambda d: d["refusals"][0].update(reason=9), "malformed"),
        (lambda d: d.pop("refusals"), "malformed"),
        (lambda d: [m.pop("hot", None) for m in d["matters"]], "hot-spot"),
    ],
)
def test_a_malformed_file_is_refused_naming_it(tmp_path: Path, change, message: str) -> None:
    data = json.loads(simulation_matters_path().read_text(encoding="utf-8"))
    change(data)
    file = tmp_path / "matters.json"
    file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as refused:
        load_templates(file)
    assert str(file) in refused.value.message
