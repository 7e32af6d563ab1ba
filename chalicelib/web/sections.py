"""Sections a concept adds to another's page (this month's usage on the Settings page): the
concept registers a template and a function giving its context at wiring time, and the page
shows whatever is registered without importing the concepts above it (as onboarding.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

Provider = Callable[[str, Any], dict]   # (organization uuid, signed-in user) -> context


@dataclass(frozen=True)
class Section:
    template: str
    context: dict


_sections: dict[str, dict[str, Provider]] = {}


def register(page: str, template: str, provider: Provider) -> None:
    _sections.setdefault(page, {})[template] = provider


def sections(page: str, organization_uuid: str, user: Any) -> list[Section]:
    return [Section(template, provider(organization_uuid, user))
            for template, provider in _sections.get(page, {}).items()]
