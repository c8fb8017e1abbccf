"""Subscriptions (who is told) and silences (what is kept quiet) over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from samstat_kit.db import session_scope
from samstat_kit.http import AnyToken
from services.notify.api import ERRORS, service_errors
from services.notify.subscriptions import service
from services.notify.subscriptions.models import Subscription
from services.notify.subscriptions.schemas import (
    OptOutRead,
    SilenceCreate,
    SilenceRead,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionRead,
)

router = APIRouter(tags=["subscriptions"])

INVALID: dict[int | str, dict[str, str]] = {
    422: {"description": "Invalid body, unknown agency, or a target that is not allowed "
                         "(an address that is not public)"}}
# Registration looks a webhook's host up in a few threads of its own (service._vet).
BUSY: dict[int | str, dict[str, str]] = {
    503: {"description": "Database unavailable, or every host lookup busy (Retry-After)"}}


def _read(sub: Subscription) -> SubscriptionRead:
    return SubscriptionRead.model_validate(sub).model_copy(
        update={"has_secret": sub.secret is not None})


@router.post("/v1/subscriptions", status_code=201, response_model=SubscriptionCreated,
             responses=ERRORS | INVALID | BUSY,
             summary="Register an e-mail address or webhook for a convener's alerts")
def create_subscription(request: Request, body: SubscriptionCreate,
                        principal: AnyToken) -> SubscriptionCreated:
    """Admins, or the convener's own agency. A webhook's secret is returned only here.
    An address that unsubscribed from the agency's messages hears again (its opt-out is
    lifted: this is deliberate, as a registry edit is not).

    A webhook must resolve only to public addresses (loopback, private, link-local, multicast
    and reserved ones are refused in every spelling) unless the operator allows its host."""
    agencies = request.app.state.agencies
    with session_scope(request.app.state.session_factory) as session, service_errors():
        sub, secret = service.create_subscription(
            session=session, principal=principal, body=body, now=datetime.now(UTC),
            known_agencies=agencies, guard=request.app.state.dispatcher.guard,
            lookup_seconds=request.app.state.dispatcher.settings.webhook_timeout_seconds)
        return SubscriptionCreated(**_read(sub).model_dump(), secret=secret)


@router.get("/v1/subscriptions", response_model=list[SubscriptionRead], responses=ERRORS,
            summary="Subscriptions (an agency sees its own)")
def get_subscriptions(request: Request, principal: AnyToken,
                      convener: str | None = None) -> list[SubscriptionRead]:
    with session_scope(request.app.state.session_factory) as session, service_errors():
        subs = service.list_subscriptions(session=session, principal=principal,
                                          convener=convener)
        return [_read(s) for s in subs]


@router.get("/v1/opt-outs", response_model=list[OptOutRead], responses=ERRORS,
            summary="Receivers that unsubscribed (an agency sees its own)")
def get_opt_outs(request: Request, principal: AnyToken,
                 convener: str | None = None) -> list[OptOutRead]:
    """Addresses whose reader used the unsubscribe link of a mail: the registry's contacts
    no longer reach them; the agency subscribing one itself lifts that."""
    with session_scope(request.app.state.session_factory) as session, service_errors():
        rows = service.list_opt_outs(session=session, principal=principal, convener=convener)
        return [OptOutRead.model_validate(r) for r in rows]


@router.delete("/v1/subscriptions/{subscription_id}", status_code=204,
               responses=ERRORS | {409: {"description": "Kept by the registry"}},
               summary="Stop a subscription")
def delete_subscription(request: Request, subscription_id: str,
                        principal: AnyToken) -> Response:
    with session_scope(request.app.state.session_factory) as session, service_errors():
        service.delete_subscription(session=session, principal=principal,
                                    subscription_id=subscription_id, now=datetime.now(UTC))
    return Response(status_code=204)


@router.post("/v1/silences", status_code=201, response_model=SilenceRead,
             responses=ERRORS | INVALID, summary="Keep matching alerts quiet for a while")
def create_silence(request: Request, body: SilenceCreate, principal: AnyToken) -> SilenceRead:
    """Silences stop deliveries, not alerts. An agency may silence only its own alerts."""
    with session_scope(request.app.state.session_factory) as session, service_errors():
        silence = service.create_silence(session=session, principal=principal, body=body,
                                         now=datetime.now(UTC))
        return SilenceRead.model_validate(silence)


@router.get("/v1/silences", response_model=list[SilenceRead], responses=ERRORS,
            summary="Active silences of the token's agency (all agencies' for an admin; "
                    "ended ones too with include_expired=true)")
def get_silences(request: Request, principal: AnyToken,
                 include_expired: bool = False) -> list[SilenceRead]:
    with session_scope(request.app.state.session_factory) as session:
        rows = service.list_silences(session=session, now=datetime.now(UTC),
                                     principal=principal, include_expired=include_expired)
        return [SilenceRead.model_validate(s) for s in rows]


@router.delete("/v1/silences/{silence_id}", response_model=SilenceRead, responses=ERRORS,
               summary="End a silence now")
def end_silence(request: Request, silence_id: str, principal: AnyToken) -> SilenceRead:
    with session_scope(request.app.state.session_factory) as session, service_errors():
        silence = service.expire_silence(session=session, principal=principal,
                                         silence_id=silence_id, now=datetime.now(UTC))
        return SilenceRead.model_validate(silence)
