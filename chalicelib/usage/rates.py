"""The rate table (rates.json, or the file CORRAL_RATES names): instance type -> Marketplace
dimension and hourly platform fee. Read once per process; a broken file fails loudly at
first use, naming what is wrong."""
from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_FILE = Path(__file__).with_name("rates.json")
# Marketplace dimension keys: letters, digits and underscores, up to 100 characters.
DIMENSION = re.compile(r"^[A-Za-z0-9_]{1,100}$")


@dataclass(frozen=True)
class Rate:
    dimension: str
    hourly: float     # USD per instance-hour; a dimension's unit is one instance-minute

    def dollars(self, minutes: int) -> float:
        return round(minutes * self.hourly / 60, 6)


class RatesInvalid(ValueError):
    pass


def _rate(where: str, raw: object) -> Rate:
    if not isinstance(raw, dict):
        raise RatesInvalid(f"{where}: must be an object with dimension and hourly")
    dimension, hourly = raw.get("dimension"), raw.get("hourly")
    if not isinstance(dimension, str) or not DIMENSION.match(dimension):
        raise RatesInvalid(f"{where}.dimension: {dimension!r} is not a Marketplace dimension key")
    if isinstance(hourly, bool) or not isinstance(hourly, (int, float)) or hourly < 0:
        raise RatesInvalid(f"{where}.hourly: {hourly!r} is not a rate in USD per hour")
    return Rate(dimension, float(hourly))


@dataclass(frozen=True)
class Table:
    default: Rate
    types: dict

    def of(self, instance_type: str) -> Rate:
        return self.types.get(instance_type, self.default)

    def dimensions(self) -> set[str]:
        return {self.default.dimension} | {r.dimension for r in self.types.values()}


def parse(raw: dict) -> Table:
    if not isinstance(raw, dict) or not isinstance(raw.get("types"), dict):
        raise RatesInvalid("rates: must be an object with `default` and `types`")
    return Table(_rate("default", raw.get("default")),
                 {name: _rate(f"types.{name}", r) for name, r in raw["types"].items()})


@functools.lru_cache(maxsize=1)
def table() -> Table:
    path = Path(os.environ.get("CORRAL_RATES") or DEFAULT_FILE)
    try:
        return parse(json.loads(path.read_text()))
    except (OSError, ValueError) as e:
        raise RatesInvalid(f"{path}: {e}") from e


def of(instance_type: str) -> Rate:
    return table().of(instance_type)
