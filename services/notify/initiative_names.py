"""Initiatives by name. The registry's events carry each indicator's initiative number and its
name (``initiative_title``, registry-event v1, added compatibly): the inbox, the alert page,
digests and e-mails say "2 – Medicinska underlag för sjukskrivna arbetslösa", not "2" alone (a
usability walk: a convener knows the initiatives by name). Definitions stored before the name
was sent, or sent by an older registry, read as the number alone until the registry's next
snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notify.alerts.models import Definition


def title_in(body: Mapping[str, Any] | None) -> str | None:
    """The initiative's name in a stored definition's body, if it carries one."""
    title = (body or {}).get("initiative_title")
    return title.strip() or None if isinstance(title, str) else None


def names(*, session: Session) -> dict[int, str]:
    """initiative number -> its name, from the stored definitions (a later plan year's
    name wins: numbers start again in each year's plan)."""
    out: dict[int, str] = {}
    for body in session.scalars(select(Definition.body).order_by(Definition.plan_year)):
        number, title = (body or {}).get("initiative"), title_in(body)
        if isinstance(number, int) and title:
            out[number] = title
    return out


def named(number: int, title: str | None) -> str:
    """"2 – Medicinska underlag …", or "2" without a name."""
    return f"{number} – {title}" if title else str(number)
