"""The matter templates of a simulated Changsha month: the kinds of matter callers bring (`Matter`: their words,
where, what the unit reports, a knowledge-base answer where a seat can answer on line) and the ones the hotline does
not accept (`Refusal`, with the reason of 第13条). The data is `resources/simulation/matters.json`, read once and
checked here; a malformed file is a `ConfigError` naming the file and the entry.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_desktop.core.errors import ConfigError
from agent_desktop.core.work_order import Category, NotAcceptedReason
from agent_desktop.resources import read_json_file, simulation_matters_path


@dataclass(frozen=True, slots=True)
class Matter:
    """One kind of matter the hotline takes: the caller's words (variants), where, and what the unit reports.
    `kb` is the knowledge-base entry (ref, answer) a seat can answer it from on line (第16条(一))."""

    key: str
    category: Category
    district: str
    street: str
    texts: tuple[str, ...]
    result: str
    emergency: bool = False
    kb: tuple[str, str] | None = None
    hot: bool = False  # an incident that brings many calls from one street (停水, 施工噪音)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A matter the hotline does not accept (第13条), with the reason the seat gives."""

    key: str
    text: str
    reason: NotAcceptedReason
    category: Category | None = None
    district: str | None = None


@dataclass(frozen=True, slots=True)
class Templates:
    matters: tuple[Matter, ...]
    refusals: tuple[Refusal, ...]


def load_templates(path: str | Path | None = None) -> Templates:
    file = Path(path) if path is not None else simulation_matters_path()
    data = read_json_file(file, "simulation matters")
    try:
        matters = tuple(_matter(raw) for raw in data["matters"])
        refusals = tuple(_refusal(raw) for raw in data["refusals"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{file}: malformed simulation matters: {exc!r}", code="bad_file") from exc
    if not matters or not refusals or not any(m.hot for m in matters):
        raise ConfigError(f"{file}: the month needs matters, refusals and hot-spot matters", code="bad_file")
    return Templates(matters, refusals)


@functools.cache
def _templates() -> Templates:
    return load_templates()


def matters() -> tuple[Matter, ...]:
    return _templates().matters


def refusals() -> tuple[Refusal, ...]:
    return _templates().refusals


def _text(raw: Any, what: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError(f"{what} must be text, got {raw!r}")
    return raw


def _matter(raw: dict[str, Any]) -> Matter:
    key = _text(raw["key"], "key")
    texts = tuple(_text(t, f"{key}: texts") for t in raw["texts"])
    if not texts:
        raise ValueError(f"{key}: a matter needs the caller's words")
    kb = raw.get("kb")
    return Matter(
        key=key, category=Category(raw["category"]), district=_text(raw["district"], f"{key}: district"),
        street=_text(raw["street"], f"{key}: street"), texts=texts, result=_text(raw["result"], f"{key}: result"),
        emergency=bool(raw.get("emergency", False)), hot=bool(raw.get("hot", False)),
        kb=(_text(kb["ref"], f"{key}: kb.ref"), _text(kb["answer"], f"{key}: kb.answer")) if kb else None,
    )


def _refusal(raw: dict[str, Any]) -> Refusal:
    key = _text(raw["key"], "key")
    category = raw.get("category")
    district = raw.get("district")
    return Refusal(key=key, text=_text(raw["text"], f"{key}: text"), reason=NotAcceptedReason(int(raw["reason"])),
                   category=Category(category) if category else None,
                   district=_text(district, f"{key}: district") if district else None)
