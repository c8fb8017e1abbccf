"""Reads indicator values from the indicators service over HTTP (services never import each
other).

Authentication: the caller's own token is forwarded as ``Authorization: Bearer``. Both
services verify tokens against the same token table, so no service credential has to be
configured, stored or rotated, and a report never shows more than its reader may read from
the indicators API: if that API ever restricts what a token sees, the report follows.

Every answer is cached for the life of one client (one report, or one experience bank), and
at most ``concurrency`` requests are in flight. A failing indicators service does not fail the
report: the values count as missing and the failure is listed in ``errors`` (shown on top of
the report), because a board report with a clear "indicator data unavailable" note is more
useful than an error page. After :data:`MAX_TRANSPORT_FAILURES` failed connections nothing more
is asked. A 404 means "nothing reported", not a failure.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx

from services.initiatives.report.judge import Point

log = logging.getLogger(__name__)
T = TypeVar("T")

GRANULARITIES = ("year", "half", "quarter", "month")
# After this many failed connections (refused, timed out) the service counts as down and the
# remaining values of this report are not asked for: a hanging service must not make the
# report wait a timeout per indicator.
MAX_TRANSPORT_FAILURES = 3


class IndicatorsClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0,
                 concurrency: int = 8, transport: httpx.AsyncBaseTransport | None = None
                 ) -> None:
        # trust_env=False: service to service, never through a proxy from the environment,
        # which would see the caller's token.
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport,
            trust_env=False,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            limits=httpx.Limits(max_connections=concurrency),
        )
        self._gate = asyncio.Semaphore(concurrency)
        self._cache: dict[tuple[Any, ...], asyncio.Task[Any]] = {}
        self._failures = 0
        self.errors: list[str] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self._http.aclose()

    def _once(self, key: tuple[Any, ...], make: Callable[[], Awaitable[T]]) -> Awaitable[T]:
        task = self._cache.get(key)
        if task is None:
            task = self._cache[key] = asyncio.ensure_future(make())
        return task

    def _error(self, message: str) -> None:
        if message not in self.errors:
            log.warning("indicators service: %s", message)
            self.errors.append(message)

    async def _get(self, path: str, params: dict[str, str] | None = None) -> Any | None:
        async with self._gate:
            if self._failures >= MAX_TRANSPORT_FAILURES:
                return None
            try:
                resp = await self._http.get(path, params=params)
            except httpx.HTTPError as exc:
                self._failures += 1
                self._error(f"the indicators service did not answer ({exc.__class__.__name__})")
                return None
        if resp.status_code == 404:
            return None
        if resp.status_code in (401, 403):
            self._error(f"the indicators service refused this token ({resp.status_code})")
            return None
        if resp.status_code != 200:
            self._error(f"the indicators service answered {resp.status_code}")
            return None
        try:
            return resp.json()
        except ValueError:
            self._error("the indicators service answered with something that is not JSON")
            return None

    def series(self, indicator: str, area: str, granularity: str) -> Awaitable[list[Point]]:
        """``GET /v1/indicators/{id}/series?area=&granularity=`` as points, oldest first."""
        async def fetch() -> list[Point]:
            body = await self._get(f"/v1/indicators/{quote(indicator, safe='')}/series",
                                   {"area": area, "granularity": granularity})
            points = []
            for raw in (body or {}).get("points") or []:
                try:
                    points.append(Point(
                        period=str(raw["period"]),
                        value=None if raw.get("value") is None else float(raw["value"]),
                        year_ago_value=None if raw.get("year_ago_value") is None
                        else float(raw["year_ago_value"]),
                        complete=bool(raw.get("complete")),
                    ))
                except (KeyError, TypeError, ValueError):
                    self._error(f"a malformed point in the series of {indicator} for {area}")
            return points

        return self._once(("series", indicator, area, granularity), fetch)

    def fye(self, area: str, period: str) -> Awaitable[dict[str, Any] | None]:
        """``GET /v1/fye/{area}/{period}``: ``{fye, population, share, complete, …}``."""
        async def fetch() -> dict[str, Any] | None:
            body = await self._get(f"/v1/fye/{quote(area, safe='')}/{quote(period, safe='')}")
            return body if isinstance(body, dict) else None

        return self._once(("fye", area, period), fetch)
