"""What an agent may see: admins everything; agents the conversations and tickets of their
teams, those with no team yet (the shared queue) and those assigned to them, and the contacts
of those."""

from __future__ import annotations

from typing import Any

from inbox.auth import Principal
from inbox.events import Scope


def conversation_filter(principal: Principal) -> dict[str, Any]:
    if principal.is_admin:
        return {}
    return {
        "$or": [
            {"team_id": {"$in": [*principal.team_ids, None]}},
            {"assignee_id": principal.id},
        ]
    }


def ticket_filter(principal: Principal) -> dict[str, Any]:
    if principal.is_admin:
        return {}
    return {
        "$or": [{"team_id": {"$in": [*principal.team_ids, None]}}, {"assignee_ids": principal.id}]
    }


def can_see(principal: Principal, scope: Scope | dict[str, Any]) -> bool:
    scope = scope if isinstance(scope, Scope) else Scope(**scope)
    me = str(principal.id)
    if scope.private:
        return me in scope.agent_ids
    if principal.is_admin or me in scope.agent_ids:
        return True
    if scope.assignee_id is not None and scope.assignee_id == me:
        return True
    return scope.team_id is None or scope.team_id in {str(t) for t in principal.team_ids}
