"""Reading requirements.txt, the lock `make lock` compiles from requirements.in: one
`name==version` per package, continued (`\\`) by its `--hash=sha256:...` options."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.txt"
INPUT = ROOT / "requirements.in"


@dataclass(frozen=True)
class Pin:
    requirement: Requirement
    hashes: tuple[str, ...]

    @property
    def name(self) -> str:
        return canonicalize_name(self.requirement.name)

    @property
    def version(self) -> str | None:
        """The version of an exact `==` pin, else None."""
        specs = list(self.requirement.specifier)
        if len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version:
            return specs[0].version
        return None


def entries(path: Path = LOCK) -> list[str]:
    """The file's logical lines: continuations joined, comments and blanks dropped."""
    text = re.sub(r"\\\n", " ", path.read_text())
    lines = (re.sub(r"(^|\s)#.*$", "", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def pins(path: Path = LOCK) -> list[Pin]:
    found = []
    for line in entries(path):
        words = line.split()
        options = [w for w in words if w.startswith("-")]
        spec = " ".join(w for w in words if not w.startswith("-"))
        hashes = tuple(o.split("=", 1)[1] for o in options if o.startswith("--hash="))
        unknown = [o for o in options if not o.startswith("--hash=")]
        if unknown:
            raise ValueError(f"{path.name}: unexpected option(s) {unknown} in {line!r}")
        found.append(Pin(Requirement(spec), hashes))
    return found


def without_hashes(path: Path = LOCK) -> str:
    """The lock's pins alone, one `name==version` a line, for a build from re-packed wheels
    (whose hashes cannot be PyPI's)."""
    return "".join(f"{p.requirement}\n" for p in pins(path))
