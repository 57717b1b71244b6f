"""Browser code from the npm registry, fetched at build time and served from our own /static/vendor/.

`python -m service.vendor_assets` (`make vendor`, and part of the first `make run`/`make test`)
reads service/vendor.lock.json, and for each package whose files are not yet in place: downloads
its tarball, refuses it unless it matches the lock's `integrity` (npm's sha512), takes only the
listed files (never extracting the rest), applies the lock's reviewed replacements and checks
each result against its `sha256` before anything is written. Nothing but the standard library,
so it runs before (and without) node or npm.

Offline it says so in one line and succeeds, so `make run` still works for the default Jitsi
provider and the planner page shows its tables without charts; `--require` (CI) makes that a
failure. A tarball or file that does not match the lock is always a failure: that is not an
outage but something to look at.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "service" / "vendor.lock.json"
VENDOR_DIRECTORY = PurePosixPath("service/static/vendor")  # the only place the lock may write to
MAX_TARBALL_BYTES = 64 * 1024 * 1024
TIMEOUT_SECONDS = 30
URL_SCHEMES = ("https", "file")  # file: for tests and for a mirror on disk; never plain http


class VendorError(Exception):
    """The lock, a tarball or a file is not what it must be: refuse, whatever `--require` says."""


class Unreachable(Exception):
    """The registry could not be reached (offline, DNS, timeout, HTTP error)."""


@dataclass(frozen=True, slots=True)
class Replacement:
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class VendoredFile:
    source: PurePosixPath  # the member's name in the tarball
    target: PurePosixPath  # relative to the project root, under VENDOR_DIRECTORY
    sha256: str  # of the file as written, after the replacements
    replacements: tuple[Replacement, ...] = ()


@dataclass(frozen=True, slots=True)
class Package:
    name: str
    version: str
    tarball: str
    integrity: str  # "sha512-<base64>", as the registry's dist.integrity gives it
    files: tuple[VendoredFile, ...]
    used_by: str  # what does not work without it, for the offline message

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


def read_lock(path: Path) -> tuple[Package, ...]:
    """The packages of a lock file; VendorError naming the package and key for anything malformed."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return tuple(_package(entry) for entry in raw["packages"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise VendorError(f"{path}: not a readable vendor lock ({type(exc).__name__}: {exc})") from exc


def _package(entry: dict[str, Any]) -> Package:
    name = str(entry["name"])
    files = tuple(
        VendoredFile(
            source=_safe_source(name, str(item["from"])),
            target=_safe_target(name, str(item["to"])),
            sha256=str(item["sha256"]).lower(),
            replacements=tuple(Replacement(str(r["old"]), str(r["new"])) for r in item.get("replace", ())),
        )
        for item in entry["files"]
    )
    if not files:
        raise VendorError(f"{name}: the lock names no file to take")
    tarball = str(entry["tarball"])
    if urllib.parse.urlsplit(tarball).scheme not in URL_SCHEMES:
        raise VendorError(f"{name}: tarball {tarball!r} is not an https:// (or file://) URL")
    used_by = str(entry.get("used_by", "the pages that load it"))
    return Package(name, str(entry["version"]), tarball, str(entry["integrity"]), files, used_by)


def _safe_source(package: str, name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise VendorError(f"{package}: {name!r} is not a plain path inside the tarball")
    return path


def _safe_target(package: str, name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or path.parent != VENDOR_DIRECTORY or "\\" in name:
        raise VendorError(f"{package}: {name!r} is not a file directly in {VENDOR_DIRECTORY}/")
    return path


def check_integrity(package: Package, data: bytes) -> None:
    """VendorError unless `data` is the tarball the lock pins (sha512, as npm records it)."""
    algorithm, _, expected = package.integrity.partition("-")
    if algorithm != "sha512" or not expected:
        raise VendorError(f"{package.label}: integrity {package.integrity!r} is not a sha512-… value")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")
    if actual != expected:
        raise VendorError(
            f"{package.label}: the tarball from {package.tarball} does not match the lock; refused. "
            f"expected sha512-{expected}, got sha512-{actual}"
        )


def is_current(package: Package, root: Path) -> bool:
    """Whether every file of the package is already in place, exactly as the lock says."""
    return all(_sha256_of(root / file.target) == file.sha256 for file in package.files)


def vendor_package(package: Package, root: Path) -> bool:
    """Put the package's files in place; False if they already were. Unreachable, VendorError."""
    if is_current(package, root):
        return False
    data = download(package.tarball)
    check_integrity(package, data)
    contents = {file.target: extract(package, data, file) for file in package.files}
    # Written only once every file has passed, so a refusal leaves no half-updated package behind.
    for target, content in contents.items():
        _write(root, target, content)
    return True


def download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as answer:  # schemes: checked in read_lock
            data: bytes = answer.read(MAX_TARBALL_BYTES + 1)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise Unreachable(str(getattr(exc, "reason", exc))) from exc
    if len(data) > MAX_TARBALL_BYTES:
        raise VendorError(f"{url}: larger than {MAX_TARBALL_BYTES} bytes; refused")
    return data


def extract(package: Package, tarball: bytes, file: VendoredFile) -> bytes:
    """One regular file from the tarball, replacements applied and checked against its sha256."""
    try:
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
            member = archive.getmember(str(file.source))
            # A link would point elsewhere in (or outside) the archive: only plain files are taken.
            handle = archive.extractfile(member) if member.isfile() else None
            if handle is None:
                raise VendorError(f"{package.label}: {file.source} in the tarball is not a regular file")
            content = handle.read(MAX_TARBALL_BYTES + 1)
    except KeyError as exc:
        raise VendorError(f"{package.label}: the tarball has no {file.source}") from exc
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise VendorError(f"{package.label}: unreadable tarball ({exc})") from exc
    for replacement in file.replacements:
        old = replacement.old.encode("utf-8")
        found = content.count(old)
        if found != 1:
            # A new version moved the code the replacement was reviewed against: look again.
            raise VendorError(f"{package.label}: {file.source} holds {old!r} {found} times, not once; refused")
        content = content.replace(old, replacement.new.encode("utf-8"))
    actual = hashlib.sha256(content).hexdigest()
    if actual != file.sha256:
        raise VendorError(
            f"{package.label}: {file.source} does not match the lock; refused. "
            f"expected sha256 {file.sha256}, got {actual}"
        )
    return content


def _write(root: Path, target: PurePosixPath, content: bytes) -> None:
    path = root.joinpath(*target.parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside and renamed over, so a server never reads half a file.
    handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(scratch, 0o644)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def _sha256_of(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def main(argv: Sequence[str] | None = None, *, lock: Path = LOCK, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.vendor_assets", description=__doc__.splitlines()[0])
    parser.add_argument("--require", action="store_true", help="fail when the registry cannot be reached (CI)")
    args = parser.parse_args(argv)
    try:
        packages = read_lock(lock)
    except VendorError as exc:
        print(exc, file=sys.stderr)
        return 1
    status = 0
    for package in packages:
        try:
            if vendor_package(package, root):
                print(f"{package.label}: wrote {', '.join(str(file.target) for file in package.files)}")
        except Unreachable as exc:
            print(
                f"could not fetch {package.label} from {package.tarball} ({exc}); "
                f"{package.used_by} will not work until `make vendor` succeeds",
                file=sys.stderr,
            )
            status = status or (1 if args.require else 0)
        except VendorError as exc:
            print(exc, file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
