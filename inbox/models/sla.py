"""A ticket's SLA as the API shows it: targets, their state at read time, severity order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from inbox import clock
from inbox.clock import iso


class SlaTargetOut(BaseModel):
    minutes: int = Field(description="the promise, in business minutes")
    due_at: str | None = Field(description="none while paused or once finished")
    state: str = Field(description="on_track, warning, breached, met, stopped or paused")
    met_at: str | None
    late_minutes: float | None = Field(description="business minutes late when met")
    cycles: int | None = Field(default=None, description="next response: replies measured")
    late_cycles: int | None = Field(default=None, description="next response: late replies")

    @classmethod
    def of(cls, target: dict[str, Any], now: datetime) -> SlaTargetOut:
        return cls(
            minutes=target["minutes"],
            due_at=iso(target["due_at"]),
            state=sla_target_state(target, now),
            met_at=iso(target["met_at"]),
            late_minutes=target["late_minutes"],
            cycles=target.get("cycles"),
            late_cycles=target.get("late_cycles"),
        )


def sla_target_state(target: dict[str, Any], now: datetime) -> str:
    """A target's state at `now`; a target met on time stays met."""
    if target["met_at"] is not None:
        return "breached" if target["late_minutes"] else "met"
    if target["stopped_at"] is not None:
        return "stopped"
    if target["running_since"] is None:
        return "paused"
    if now >= target["due_at"]:
        return "breached"
    return "warning" if now >= target["warn_at"] else "on_track"


SLA_SEVERITY = ("breached", "warning", "on_track", "paused", "met", "stopped")


class SlaOut(BaseModel):
    policy_id: str
    policy_name: str
    state: str | None = Field(description="the most pressing of the targets' states")
    paused: bool
    next_due_at: str | None
    targets: dict[str, SlaTargetOut] = Field(
        description="first_response, next_response, resolution (those the policy sets)"
    )

    @classmethod
    def of(cls, sla: dict[str, Any], now: datetime | None = None) -> SlaOut:
        moment = now or clock.now()
        targets = {name: SlaTargetOut.of(t, moment) for name, t in sla["targets"].items()}
        states = {t.state for t in targets.values()}
        return cls(
            policy_id=str(sla["policy_id"]),
            policy_name=sla["policy_name"],
            state=next((s for s in SLA_SEVERITY if s in states), None),
            paused=sla.get("paused", False),
            next_due_at=iso(sla.get("next_due_at")),
            targets=targets,
        )
