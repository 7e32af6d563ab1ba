"""Banners a concept puts on every signed-in page of an organization (a workspace near or past
its spend cap): the concept registers a function at wiring time, and every page rendered for
a signed-in person shows what it says, without importing the concepts above it (as
sections.py and onboarding.py)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

log = logging.getLogger("corral.web")
WARNING, ALERT = "warning", "alert"


@dataclass(frozen=True)
class Banner:
    level: str      # WARNING or ALERT
    key: str        # unique on the page (the element's id is "banner-<key>")
    text: str


Provider = Callable[[str], "list[Banner]"]   # organization uuid -> banners
_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    _providers[name] = provider


def banners(organization_uuid: str) -> list[Banner]:
    """Every registered provider's banners. A provider that fails is logged and left out: a
    banner never keeps a page from showing."""
    out: list[Banner] = []
    for name, provider in _providers.items():
        try:
            out.extend(provider(organization_uuid))
        except Exception:  # noqa: BLE001 - the page matters more than one banner
            log.exception("banner %s failed", name)
    return out
