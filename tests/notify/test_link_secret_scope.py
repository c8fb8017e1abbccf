"""The fixed development link secret signs links only for pages served on this machine: it
is public (it is in the source), so a deployment others reach that left SAMSTAT_ENV at its
default must not accept links anyone could sign (a security review)."""

from __future__ import annotations

import pytest

from samstat_kit.netguard import on_this_machine
from services.notify.inbox.links import LinkError, Links
from services.notify.inbox.settings import DEV_LINK_SECRET, InboxSettings


@pytest.mark.parametrize(("url", "local"), [
    ("http://127.0.0.1:8002", True), ("http://localhost:8002/", True),
    ("http://[::1]:80", True), ("http://127.0.0.1.:8002", True), ("http://2130706433", True),
    ("http://inbox.localhost", True),
    ("https://samstat.example.se", False), ("https://127.example.se", False),
    ("http://[::ffff:10.0.0.1]", False), ("not a url", False)])
def test_this_machine_is_loopback_or_localhost(url: str, local: bool) -> None:
    assert on_this_machine(url) is local


def test_a_deployment_others_reach_never_takes_the_published_secret() -> None:
    reached = InboxSettings(env="dev", public_base_url="https://samstat.example.se")
    secrets = [s.get_secret_value() for s in reached.link_secrets]
    assert DEV_LINK_SECRET not in secrets
    forged = Links([DEV_LINK_SECRET], reached.base_url, 3600).token("alert-1", 1)
    with pytest.raises(LinkError):
        Links.from_settings(reached).read(forged)
    # Its own links still work within the process (notify's replicas in one test run, too)
    own = Links.from_settings(reached)
    assert own.read(own.token("alert-1", 1)).alert_id == "alert-1"
    again = InboxSettings(env="dev", public_base_url="https://samstat.example.se")
    assert Links.from_settings(again).read(own.token("alert-1", 1)).alert_id == "alert-1"


def test_on_this_machine_the_development_secret_keeps_links_across_restarts() -> None:
    local = InboxSettings(env="dev", public_base_url="http://127.0.0.1:8002")
    assert [s.get_secret_value() for s in local.link_secrets] == [DEV_LINK_SECRET]


def test_production_still_needs_its_own_secret() -> None:
    with pytest.raises(ValueError, match="SAMSTAT_LINK_SECRETS"):
        InboxSettings(env="prod", public_base_url="https://samstat.example.se")
