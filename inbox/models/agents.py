"""Agents, teams and sign-in: roles, availability, assignment methods, tokens."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from inbox.ids import str_id
from inbox.models.common import Body, Partial


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"


class Availability(StrEnum):
    ONLINE = "online"
    BUSY = "busy"
    OFFLINE = "offline"


class AssignmentMethod(StrEnum):
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"
    MANUAL = "manual"


class TokenRequest(Body):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    name: str = Field(default="API token", max_length=80)


class AgentCreate(Body):
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=8, max_length=1024)
    role: Role = Role.AGENT
    team_ids: list[str] = Field(default_factory=list)
    level: int = Field(default=0, ge=0, le=3)
    capacity: int = Field(default=10, ge=1, le=500)
    language: str | None = Field(default=None, pattern=r"^(en|vi)$")


class AgentPatch(Partial, Body):
    nullable: ClassVar[frozenset[str]] = frozenset({"language"})
    name: str | None = Field(default=None, min_length=1, max_length=80)
    password: str | None = Field(default=None, min_length=8, max_length=1024)
    current_password: str | None = Field(
        default=None, max_length=1024, description="required to change one's own password"
    )
    role: Role | None = None
    team_ids: list[str] | None = None
    level: int | None = Field(default=None, ge=0, le=3)
    capacity: int | None = Field(default=None, ge=1, le=500)
    availability: Availability | None = None
    language: str | None = Field(default=None, pattern=r"^(en|vi)$")
    active: bool | None = None


class TeamCreate(Body):
    name: str = Field(min_length=1, max_length=80)
    assignment: AssignmentMethod = AssignmentMethod.MANUAL
    level: int = Field(default=0, ge=0, le=3)
    lead_id: str | None = Field(default=None, description="the agent told of SLA breaches")


class TeamPatch(Partial, Body):
    nullable: ClassVar[frozenset[str]] = frozenset({"lead_id"})
    name: str | None = Field(default=None, min_length=1, max_length=80)
    assignment: AssignmentMethod | None = None
    level: int | None = Field(default=None, ge=0, le=3)
    lead_id: str | None = None


class TokenOut(BaseModel):
    token: str
    expires_at: str


class AgentOut(BaseModel):
    id: str
    email: str
    name: str
    role: Role
    team_ids: list[str]
    level: int
    capacity: int
    availability: Availability
    language: str | None
    active: bool

    @classmethod
    def of(cls, doc: dict[str, Any]) -> AgentOut:
        return cls(
            id=str(doc["_id"]),
            email=doc["email"],
            name=doc["name"],
            role=doc["role"],
            team_ids=[str(t) for t in doc.get("team_ids", [])],
            level=doc.get("level", 0),
            capacity=doc.get("capacity", 10),
            availability=doc.get("availability", Availability.OFFLINE),
            language=doc.get("language"),
            active=doc.get("active", True),
        )


class TeamOut(BaseModel):
    id: str
    name: str
    assignment: AssignmentMethod
    level: int
    lead_id: str | None = None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> TeamOut:
        return cls(
            id=str(doc["_id"]),
            name=doc["name"],
            assignment=doc["assignment"],
            level=doc["level"],
            lead_id=str_id(doc.get("lead_id")),
        )
