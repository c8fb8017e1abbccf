"""Who may do what, and the errors the services raise for the routers to translate."""

from __future__ import annotations

from samstat_kit.auth.service import Principal


class NotFound(Exception):
    pass


class Forbidden(Exception):
    pass


class Conflict(Exception):
    pass


def may_act_for(principal: Principal, convener: str) -> bool:
    """Admins, and the convener's own agency, may act on its alerts and subscriptions."""
    return principal.is_admin or (principal.agency is not None and principal.agency == convener)


def actor(principal: Principal) -> str:
    """How a person's action is recorded: the agency, or the admin token's id."""
    return principal.agency or f"admin:{principal.token_id}"
