"""The bar in every page's header that links samstat's services to each other:
Uppföljning · Helårsekvivalenter · Indikatorer · Inkorg · Ladda upp.

Each service's public address comes from the environment the services already share (their
settings read the same variables):

* ``SAMSTAT_PUBLIC_BASE_URL`` - the pages alerts link to, the indicators service's
  (:attr:`samstat_kit.settings.KitSettings.public_base_url`);
* ``SAMSTAT_NOTIFY_PUBLIC_URL`` - notify's inbox (as notify's own settings);
* ``SAMSTAT_INITIATIVES_PUBLIC_URL``, ``SAMSTAT_INGEST_PUBLIC_URL`` - the report and the
  uploads, where they have a host of their own.

Behind an ingress every page shares one host, so an address not set is the public base URL's.
``samstat run`` gives each service a loopback port of its own and sets all four.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

DEFAULT_BASE = "http://127.0.0.1:8002"
HOME_AREA = "umearegionen"  # the association's own region: its FYE page
# (key, service, path linked, path prefix that marks the link as the current page, sv, en)
PAGES = (
    ("reports", "initiatives", "/reports", "/reports", "Uppföljning", "Follow-up"),
    ("fye", "indicators", f"/fye/{HOME_AREA}", "/fye/", "Helårsekvivalenter",
     "Full-year equivalents"),
    ("indicators", "indicators", "/indicators", "/indicators", "Indikatorer", "Indicators"),
    ("inbox", "notify", "/inbox", "/inbox", "Inkorg", "Inbox"),
    ("upload", "ingest", "/upload", "/upload", "Ladda upp", "Upload"),
)


def home(service: str) -> str | None:
    """A service's first page in the bar: where its bare address leads a person."""
    return next((path for _k, name, path, *_rest in PAGES if name == service), None)


@dataclass(frozen=True)
class NavLink:
    key: str
    href: str
    label: str
    current: bool = False


def service_urls(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each service's public base URL (no trailing slash), from the environment."""
    env = os.environ if env is None else env
    base = env.get("SAMSTAT_PUBLIC_BASE_URL") or DEFAULT_BASE
    out = {"indicators": base, "notify": env.get("SAMSTAT_NOTIFY_PUBLIC_URL") or base,
           "initiatives": env.get("SAMSTAT_INITIATIVES_PUBLIC_URL") or base,
           "ingest": env.get("SAMSTAT_INGEST_PUBLIC_URL") or base}
    return {k: v.rstrip("/") for k, v in out.items()}


def links(path: str, lang: str, env: Mapping[str, str] | None = None) -> list[NavLink]:
    """The bar for a page at ``path`` in ``lang``. The services' paths do not overlap, so the
    path alone says which link is the current page (a proxy may hide the public host). Each
    link keeps the language: the language cookie is per host, and there may be several."""
    urls = service_urls(env)
    query = urlencode({"lang": lang})
    return [NavLink(key, f"{urls[service]}{target}?{query}", en if lang == "en" else sv,
                    path.startswith(prefix))
            for key, service, target, prefix, sv, en in PAGES]
