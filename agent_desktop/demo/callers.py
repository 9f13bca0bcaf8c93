"""Who calls the demo's hotline, when, and what they say: a seeded stream of Changsha callers, each with a scripted
Chinese matter from the month simulator's templates (`resources/simulation/matters.json`).

A caller's script is what a Chinese model would print for the call, in the form Vosk's Chinese models print (words
separated by spaces): a greeting with the surname and form of address, where the caller lives, the matter in the
caller's words, and the callback number spoken digit by digit (幺 for 1). The demo without a Chinese model feeds these
lines to the desk marked as coming from the demo script (`TranscriptSource.DEMO_SCRIPT`), never as recognized speech.

Pure: the templates and `random.Random(seed)`; no clock, no I/O beyond the templates read once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from agent_desktop.core.routing import UnitDirectory, suggest_units
from agent_desktop.simulation.matters import Matter, matters

_SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
_MOBILE_PREFIXES = ("138", "139", "137", "136", "135", "150", "151", "152", "158", "159", "187", "188", "173", "199")
_SPOKEN_DIGITS = "零幺二三四五六七八九"
_ESTATES = ("金色家园", "湘江世纪城", "枫林绿洲", "新城新世界", "万科城", "中南小区", "东方新城", "砂子塘新村")
#: The Korean model's test clips (synthetic speech its recognizer partly gets) stand in for the caller's voice: the
#: fork path and the recognizer run for real on them; see tests/data/asr/README.md for what the model hears.
AUDIO_CLIPS = ("ko_music_radio_16k.wav", "ko_radio_music_number_16k.wav", "ko_summer_radio_8k.wav")


@dataclass(frozen=True, slots=True)
class DemoCaller:
    """One scripted caller. `number` and `name` are the caller ID the PBX presents; `script` the lines said."""

    number: str
    name: str  # caller ID name: 王女士
    surname: str
    form_of_address: str  # 先生 / 女士
    matter: Matter
    text: str  # the matter in the caller's words (one of the template's variants)
    estate: str
    lead_unit: str | None  # the unit the directory suggests for the matter
    audio: str  # file name under resources/scenarios/audio
    talk_s: float  # scenario seconds from the answer until the caller hangs up

    @property
    def script(self) -> tuple[str, ...]:
        return (
            # "我是王先生", as callers say it: "我姓王是先生" left "是先生" in the pre-fill's summary
            f"喂 你好 我 是 {self.surname} {self.form_of_address}",
            f"我 住 在 {self.matter.district} {self.matter.street} {self.estate}",
            self.text,
            "我 的 电话 是 " + " ".join(_SPOKEN_DIGITS[int(d)] for d in self.number),
            "麻烦 你们 尽快 处理 一下 谢谢",
        )


class CallerPlan:
    """Draws the next caller and the pause before it from one `random.Random(seed)`: the same seed gives the same
    callers in the same order. `favoured_unit`: half of the callers bring a matter the directory routes to this unit
    (the one the demo's unit bot plays), so its orders come back signed and completed often enough to be seen."""

    def __init__(self, directory: UnitDirectory, *, seed: int | None = None,
                 interval_s: tuple[float, float] = (20.0, 40.0), favoured_unit: str | None = None,
                 talk_s: tuple[float, float] = (45.0, 90.0)) -> None:
        low, high = interval_s
        if not 0 < low <= high:
            raise ValueError(f"the caller interval must be 0 < low <= high seconds, got {interval_s!r}")
        self.interval_s = (float(low), float(high))
        self.talk_s = talk_s
        self._rng = random.Random(seed)
        self._routes = {m.key: _lead_unit(directory, m) for m in matters()}
        self._favoured = [m for m in matters() if favoured_unit is not None and self._routes[m.key] == favoured_unit]
        self._numbers: set[str] = set()

    def next_interval(self) -> float:
        """Seconds until the next caller arrives, uniform within the interval."""
        return self._rng.uniform(*self.interval_s)

    def next_caller(self) -> DemoCaller:
        rng = self._rng
        pool = self._favoured if self._favoured and rng.random() < 0.5 else list(matters())
        matter = rng.choice(pool)
        while True:
            number = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if number not in self._numbers:
                self._numbers.add(number)
                break
        surname = rng.choice(_SURNAMES)
        form = rng.choice(("先生", "女士"))
        return DemoCaller(
            number=number, name=f"{surname}{form}", surname=surname, form_of_address=form, matter=matter,
            text=rng.choice(matter.texts), estate=rng.choice(_ESTATES), lead_unit=self._routes[matter.key],
            audio=rng.choice(AUDIO_CLIPS), talk_s=round(rng.uniform(*self.talk_s), 1),
        )


def _lead_unit(directory: UnitDirectory, matter: Matter) -> str | None:
    found = suggest_units(directory, category=matter.category, district=matter.district,
                          text=" ".join(matter.texts), limit=1)
    return found[0].unit.name if found else None


def busiest_unit(directory: UnitDirectory) -> str:
    """The unit the directory routes most of the templates' matters to (the demo's unit bot plays it)."""
    counts: dict[str, int] = {}
    for matter in matters():
        unit = _lead_unit(directory, matter)
        if unit is not None:
            counts[unit] = counts.get(unit, 0) + 1
    if not counts:
        raise ValueError("the unit directory routes none of the demo's matters")
    return max(sorted(counts), key=lambda name: counts[name])
