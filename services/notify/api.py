"""HTTP helpers shared by notify's routers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException

from services.notify.access import Conflict, Forbidden, NotFound

ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Missing, invalid, expired or revoked token"},
    403: {"description": "The token may not do this"},
    404: {"description": "No such object"},
    503: {"description": "Database unavailable"},
}


@contextmanager
def service_errors() -> Iterator[None]:
    """Translate the services' exceptions into HTTP answers."""
    from services.notify.subscriptions.service import Busy, Invalid

    try:
        yield
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except Forbidden as exc:
        raise HTTPException(403, str(exc)) from None
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from None
    except Invalid as exc:
        raise HTTPException(422, str(exc)) from None
    except Busy as exc:
        raise HTTPException(503, str(exc), headers={"Retry-After": "5"}) from None
