"""Who acts on a work order: the roles of RULES.md ("Parties and roles") and the actor of one step."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from agent_desktop.core.errors import InvalidCommand


class Role(StrEnum):
    AGENT = "agent"  # 坐席: hotline-center seat agent
    LEADER_SEAT = "leader_seat"  # 专业座席/现场接听: a unit's leader answering on site (第29–30条)
    SUPERVISOR = "supervisor"  # 热线中心/管理部门: reviews, return visits, supervision, assessment (第7–8条)
    UNIT = "unit"  # 责任单位: signs, handles, returns, extends, reports, appeals (第11条)
    SYSTEM = "system"  # the centre's own automation: its clock (timeouts, supervisions, warnings)
    SURVEY = "survey"  # the automated return-visit dialer (自动回访): starts visits and records ratings, nothing else

    @property
    def zh(self) -> str:
        return _ROLE_ZH[self]


_ROLE_ZH = {
    Role.AGENT: "坐席",
    Role.LEADER_SEAT: "专业座席",
    Role.SUPERVISOR: "热线中心",
    Role.UNIT: "责任单位",
    Role.SYSTEM: "系统",
    Role.SURVEY: "自动回访",
}


@dataclass(frozen=True, slots=True)
class Actor:
    """The person (or automation) taking a step. A unit actor always names its unit; a leader seat names the unit
    whose leader is answering, so the calls count in that unit's assessment (第30条)."""

    user_id: str
    role: Role
    unit: str | None = None
    seat: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.user_id, str) or not self.user_id.strip():
            raise InvalidCommand("an actor needs a user id", code="bad_value")
        try:
            # role checks compare identities (`is Role.UNIT`): a raw "unit" must become the member or be refused
            object.__setattr__(self, "role", Role(self.role))
        except ValueError:
            raise InvalidCommand(f"unknown role {self.role!r}", code="bad_value") from None
        for name in ("unit", "seat"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise InvalidCommand(f"an actor's {name} must be text", code="bad_value")
        if self.role in (Role.UNIT, Role.LEADER_SEAT) and not (self.unit or "").strip():
            # a leader seat's calls count for its unit (第30条); a unit acts only for itself
            raise InvalidCommand(f"{self.role.value} actor {self.user_id!r} must name its unit", code="bad_value")
