"""Where the real Asterisk 20 captures live: `tests/data/ami/`, copied from the team's reference material so a clean
checkout (CI) replays them too. Its README says what each capture holds and the facts to test against."""

from __future__ import annotations

from pathlib import Path

AMI_CAPTURES = Path(__file__).resolve().parent / "data" / "ami"
