"""Building the Lambda package offline, shared by the packaging and deploy tests: a
wheelhouse re-packed from this virtualenv's locked distributions, and a copy of the project
for chalice to read."""
from __future__ import annotations

import importlib.metadata as metadata
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path

import locked

ROOT = Path(__file__).resolve().parents[2]


# ---- a wheelhouse from this virtualenv ----------------------------------------------------

def locked_dists() -> list[metadata.Distribution]:
    """The installed distributions of every package requirements.txt (the lock) pins, each
    the locked version."""
    found = []
    for pin in locked.pins():
        dist = metadata.distribution(pin.name)
        assert dist.version == pin.version, f"installed {pin.name} {dist.version}, locked {pin.version}"
        found.append(dist)
    return found


def rewheel(dist: metadata.Distribution, into: Path, platform: str | None = None) -> Path:
    """Pack an installed distribution back into a wheel (its installed files minus bytecode
    and scripts), under the tag it was installed with: py3 for pure Python, the manylinux
    x86_64 tag for compiled ones (chalice checks that tag against Lambda's glibc)."""
    files = [f for f in dist.files or [] if not str(f).startswith("..")
             and "__pycache__" not in f.parts and not str(f).endswith(".pyc")]
    info = next(f for f in files if f.name == "WHEEL" and f.parent.name.endswith(".dist-info"))
    wheel_meta = info.read_text()
    tags = re.findall(r"^Tag: (\S+)$", wheel_meta, re.M)
    if "Root-Is-Purelib: true" in wheel_meta:
        tag = next(t for t in tags if t.startswith("py3"))
    else:
        tag = next(t for t in tags if "manylinux" in t and t.endswith("x86_64"))
    if platform is not None:   # another platform tag, to stand for a wheel built elsewhere
        tag = "-".join([*tag.split("-")[:2], platform])
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    target = into / f"{name}-{dist.version}-{tag}.whl"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as whl:
        for f in files:
            whl.write(f.locate(), str(f))
    return target


def wheelhouse(into: Path, platforms: dict[str, str] | None = None) -> Path:
    """platforms: package name -> the platform tag its wheel gets instead of its own."""
    into.mkdir()
    for dist in locked_dists():
        rewheel(dist, into, (platforms or {}).get(dist.metadata["Name"].lower()))
    return into


# Lambda's python3.11 runs on Amazon Linux 2: glibc 2.26, the newest manylinux chalice takes.
LAMBDA_GLIBC = (2, 26)


def unfit_for_lambda(wheels: Path) -> list[str]:
    """The packages of a wheelhouse whose wheel needs a newer glibc than Lambda's (chalice
    leaves them out of the zip): this machine's own wheels may be built for its newer glibc."""
    unfit = []
    for wheel in wheels.glob("*.whl"):
        glibcs = [(int(a), int(b)) for a, b in re.findall(r"manylinux_(\d+)_(\d+)_", wheel.name)]
        if glibcs and min(glibcs) > LAMBDA_GLIBC:
            unfit.append(wheel.name.split("-")[0].lower().replace("_", "-"))
    return sorted(unfit)


# ---- the package --------------------------------------------------------------------------

def chalice_exe() -> str:
    exe = Path(sys.executable).with_name("chalice")
    assert exe.exists(), f"chalice is not installed next to {sys.executable}"
    return str(exe)


def quiet_env(**extra: str) -> dict[str, str]:
    """This environment without anything that points at a real AWS account or at the project's
    own settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "CORRAL_", "PIP_", "PYTHON"))}
    env.update(AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_EC2_METADATA_DISABLED="true", **extra)
    return env


def project_copy(into: Path) -> Path:
    """What `chalice package` reads, copied as it is in the repo (the vendor/handlers link
    kept a link): the build reads files nothing else writes meanwhile (the other test worker
    importing modules writes bytecode beside them) and keeps its .chalice/deployments cache
    to itself."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "deployments")
    into.mkdir()
    shutil.copy2(ROOT / "app.py", into / "app.py")
    # The lock's exact pins without its hashes: they are PyPI's files', and the wheelhouse
    # holds wheels re-packed from this virtualenv (the same versions, other bytes). A build
    # from a wheelhouse of the real files (README) keeps the hashes and pip checks them.
    (into / "requirements.txt").write_text(locked.without_hashes())
    for name in ("chalicelib", "handlers", "vendor", ".chalice"):
        shutil.copytree(ROOT / name, into / name, symlinks=True, ignore=skip)
    return into


