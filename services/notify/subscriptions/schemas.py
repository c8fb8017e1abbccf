"""API shapes of subscriptions and silences."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from services.notify.events import AgencyCode, AreaCode, IndicatorId
from services.notify.schemas_common import UtcDatetime


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    convener: AgencyCode
    channel: Literal["email", "webhook"]
    target: Annotated[str, Field(min_length=3, max_length=500,
                                 description="An e-mail address, or an http(s) URL")]
    secret: Annotated[str | None, Field(
        min_length=16, max_length=200,
        description="Webhooks: the signing secret (Standard Webhooks webhook-signature, and "
                    "the older X-Samstat-Signature); generated as whsec_<base64> if left out "
                    "and shown once in the response")] = None
    lang: Literal["sv", "en"] = "sv"
    format: Literal["json", "slack", "teams"] = Field(
        "json", description="Webhooks: payload shape (samstat JSON, Slack- or Teams-compatible)")


class SubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    convener: str
    channel: str
    target: str
    lang: str
    format: str
    created_at: UtcDatetime
    created_by: str
    has_secret: bool = False
    source: str = Field("api", description="api, or registry: the agency's role mailbox or "
                                           "webhook from the registry, used while it has no "
                                           "subscription of its own")


class SubscriptionCreated(SubscriptionRead):
    secret: str | None = Field(None, description="Shown only in this response")


class OptOutRead(BaseModel):
    """A receiver that unsubscribed from the agency's messages (the link of a mail)."""

    model_config = ConfigDict(from_attributes=True)

    convener: str
    channel: str
    address: str = Field(description="E-mail addresses in lower case")
    created_at: UtcDatetime


class SilenceCreate(BaseModel):
    """Null matchers match everything; at least one matcher is required."""

    model_config = ConfigDict(extra="forbid")

    indicator: IndicatorId | None = None
    area: AreaCode | None = None
    convener: AgencyCode | None = None
    expires_at: AwareDatetime | None = None
    duration_hours: Annotated[float | None, Field(gt=0, le=24 * 366)] = None
    comment: Annotated[str | None, Field(max_length=1000)] = None

    @model_validator(mode="after")
    def _one_end(self) -> SilenceCreate:
        if (self.expires_at is None) == (self.duration_hours is None):
            raise ValueError("give exactly one of expires_at and duration_hours")
        if self.indicator is None and self.area is None and self.convener is None:
            raise ValueError("a silence needs at least one of indicator, area, convener")
        return self


class SilenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    indicator: str | None
    area: str | None
    convener: str | None
    comment: str | None
    created_at: UtcDatetime
    created_by: str
    expires_at: UtcDatetime
