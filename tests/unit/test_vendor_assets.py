"""Build-time npm code: taken only as the lock pins it, only the named files, only into /static/vendor/.

Tarballs are built here and read over file:// URLs; the one "offline" case points at a closed
loopback port. Nothing reaches the internet.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import socket
import tarfile
from pathlib import Path
from typing import Any

import pytest

from service.vendor_assets import (
    LOCK,
    VENDOR_DIRECTORY,
    Package,
    VendorError,
    check_integrity,
    download,
    main,
    read_lock,
)

SDK = b'/*! sdk 1.0 */ var Sdk = {}; const i=new Function("url","return import(url);"); Sdk.ok = true;'
PATCHED = SDK.replace(b'new Function("url","return import(url);")', b"(url=>import(url))")
LICENSE = b"BSD-3-Clause: keep this notice."
JS_TARGET = "service/static/vendor/sdk.min.js"
LICENSE_TARGET = "service/static/vendor/sdk.LICENSE.md"


def tarball(members: dict[str, bytes], *, links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return buffer.getvalue()


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def package_entry(url: str, data: bytes, **changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": "sdk",
        "version": "1.0.0",
        "used_by": "video sessions with provider twilio",
        "tarball": url,
        "integrity": integrity(data),
        "files": [
            {
                "from": "package/dist/sdk.min.js",
                "to": JS_TARGET,
                "replace": [{"old": 'new Function("url","return import(url);")', "new": "(url=>import(url))"}],
                "sha256": sha256(PATCHED),
            },
            {"from": "package/LICENSE.md", "to": LICENSE_TARGET, "sha256": sha256(LICENSE)},
        ],
    }
    entry.update(changes)
    return entry


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, bytes]:
    """An npm-like tarball on disk: the two files the lock takes and one it must leave alone."""
    data = tarball(
        {
            "package/dist/sdk.min.js": SDK,
            "package/LICENSE.md": LICENSE,
            "package/package.json": b'{"scripts": {"postinstall": "rm -rf /"}}',
        }
    )
    path = tmp_path / "registry" / "sdk-1.0.0.tgz"
    path.parent.mkdir()
    path.write_bytes(data)
    return path, data


def write_lock(tmp_path: Path, *entries: dict[str, Any]) -> Path:
    lock = tmp_path / "vendor.lock.json"
    lock.write_text(json.dumps({"packages": list(entries)}), encoding="utf-8")
    return lock


def run(tmp_path: Path, lock: Path, *args: str) -> int:
    return main(list(args), lock=lock, root=tmp_path / "project")


def written(tmp_path: Path) -> list[str]:
    vendor = tmp_path / "project" / VENDOR_DIRECTORY
    return sorted(path.name for path in vendor.iterdir()) if vendor.exists() else []


def test_takes_only_the_named_files_patched_and_checked(
    tmp_path: Path, published: tuple[Path, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    path, data = published
    lock = write_lock(tmp_path, package_entry(path.as_uri(), data))
    assert run(tmp_path, lock) == 0
    assert written(tmp_path) == ["sdk.LICENSE.md", "sdk.min.js"]
    project = tmp_path / "project"
    assert (project / JS_TARGET).read_bytes() == PATCHED and b"new Function" not in PATCHED
    assert (project / LICENSE_TARGET).read_bytes() == LICENSE
    assert not list(project.rglob("package.json"))
    assert capsys.readouterr().out == f"sdk 1.0.0: wrote {JS_TARGET}, {LICENSE_TARGET}\n"


def test_a_second_run_with_the_files_in_place_fetches_nothing(
    tmp_path: Path, published: tuple[Path, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    path, data = published
    lock = write_lock(tmp_path, package_entry(path.as_uri(), data))
    assert run(tmp_path, lock) == 0
    capsys.readouterr()
    path.unlink()  # the registry is gone: a download would fail
    assert run(tmp_path, lock, "--require") == 0
    assert capsys.readouterr() == ("", "")


def test_a_changed_file_in_place_is_fetched_again(tmp_path: Path, published: tuple[Path, bytes]) -> None:
    path, data = published
    lock = write_lock(tmp_path, package_entry(path.as_uri(), data))
    assert run(tmp_path, lock) == 0
    (tmp_path / "project" / JS_TARGET).write_bytes(b"alert('tampered')")
    assert run(tmp_path, lock) == 0
    assert (tmp_path / "project" / JS_TARGET).read_bytes() == PATCHED


def test_a_tarball_not_matching_the_lock_is_refused_naming_package_and_both_values(
    tmp_path: Path, published: tuple[Path, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    path, data = published
    pinned = integrity(data)
    path.write_bytes(tarball({"package/dist/sdk.min.js": b"evil()", "package/LICENSE.md": LICENSE}))
    lock = write_lock(tmp_path, package_entry(path.as_uri(), data))
    assert run(tmp_path, lock) == 1  # refused even without --require: not an outage
    error = capsys.readouterr().err
    assert error.startswith("sdk 1.0.0: the tarball from file://") and "does not match the lock; refused" in error
    assert f"expected {pinned}, got {integrity(path.read_bytes())}" in error
    assert written(tmp_path) == []


def test_check_integrity_accepts_only_sha512(tmp_path: Path, published: tuple[Path, bytes]) -> None:
    _, data = published
    [package] = read_lock_from(tmp_path, package_entry("https://registry.npmjs.org/sdk/-/sdk-1.0.0.tgz", data))
    check_integrity(package, data)
    with pytest.raises(VendorError, match="expected sha512-"):
        check_integrity(package, data + b"\0")
    [sha1] = read_lock_from(
        tmp_path,
        package_entry("https://registry.npmjs.org/x.tgz", data, integrity="sha1-" + hashlib.sha1(data).hexdigest()),
    )
    with pytest.raises(VendorError, match="not a sha512"):
        check_integrity(sha1, data)


def test_a_file_not_matching_its_sha256_is_refused_and_nothing_is_written(
    tmp_path: Path, published: tuple[Path, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    path, data = published
    entry = package_entry(path.as_uri(), data)
    entry["files"][1]["sha256"] = sha256(b"another licence")
    assert run(tmp_path, write_lock(tmp_path, entry)) == 1
    assert "package/LICENSE.md does not match the lock; refused" in capsys.readouterr().err
    assert written(tmp_path) == []  # not even the script, which matched


def test_a_replacement_must_match_exactly_once(
    tmp_path: Path, published: tuple[Path, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    path, data = published
    entry = package_entry(path.as_uri(), data)
    entry["files"][0]["replace"] = [{"old": "eval(", "new": "x("}]
    assert run(tmp_path, write_lock(tmp_path, entry)) == 1
    assert "holds b'eval(' 0 times, not once; refused" in capsys.readouterr().err


@pytest.mark.parametrize(
    "target",
    [
        "../sdk.min.js",
        "/etc/sdk.min.js",
        "service/static/sdk.min.js",
        "service/static/vendor/../hotline.css",
        "service/static/vendor/sub/sdk.min.js",
        "service/static/vendor\\..\\..\\x.js",
        "service/static/vendor",
    ],
)
def test_files_go_nowhere_but_the_vendor_directory(tmp_path: Path, target: str) -> None:
    entry = package_entry("https://registry.npmjs.org/x.tgz", b"")
    entry["files"][0]["to"] = target
    with pytest.raises(VendorError):
        read_lock_from(tmp_path, entry)


@pytest.mark.parametrize("source", ["../package/LICENSE.md", "/package/LICENSE.md", "package/../../etc/passwd"])
def test_sources_are_plain_paths_inside_the_tarball(tmp_path: Path, source: str) -> None:
    entry = package_entry("https://registry.npmjs.org/x.tgz", b"")
    entry["files"][1]["from"] = source
    with pytest.raises(VendorError, match="not a plain path inside the tarball"):
        read_lock_from(tmp_path, entry)


def test_a_link_in_the_tarball_is_not_followed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tarball({"package/dist/sdk.min.js": SDK}, links={"package/LICENSE.md": "/etc/passwd"})
    path = tmp_path / "linked.tgz"
    path.write_bytes(data)
    assert run(tmp_path, write_lock(tmp_path, package_entry(path.as_uri(), data))) == 1
    assert "package/LICENSE.md in the tarball is not a regular file" in capsys.readouterr().err
    assert written(tmp_path) == []


@pytest.mark.parametrize("url", ["http://registry.npmjs.org/sdk.tgz", "ftp://example.org/sdk.tgz"])
def test_only_https_or_file_urls(tmp_path: Path, url: str) -> None:
    with pytest.raises(VendorError, match="is not an https://"):
        read_lock_from(tmp_path, package_entry(url, b""))


def test_offline_is_one_line_and_no_failure_unless_required(
    tmp_path: Path, published: tuple[Path, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    _, data = published
    with socket.socket() as probe:  # a loopback port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    lock = write_lock(tmp_path, package_entry(f"https://127.0.0.1:{port}/sdk-1.0.0.tgz", data))
    assert run(tmp_path, lock) == 0
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"could not fetch sdk 1.0.0 from https://127.0.0.1:{port}/sdk-1.0.0.tgz (")
    assert line.endswith("video sessions with provider twilio will not work until `make vendor` succeeds")
    assert run(tmp_path, lock, "--require") == 1
    assert written(tmp_path) == []


def test_an_unreadable_lock_is_a_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = tmp_path / "vendor.lock.json"
    lock.write_text('{"packages": [{"name": "sdk"}]}', encoding="utf-8")
    assert run(tmp_path, lock) == 1
    assert "not a readable vendor lock" in capsys.readouterr().err


def test_download_reads_file_urls(published: tuple[Path, bytes]) -> None:
    path, data = published
    assert download(path.as_uri()) == data


def test_the_project_lock_pins_each_package_from_the_npm_registry_with_its_licence() -> None:
    packages = {package.name: package for package in read_lock(LOCK)}
    assert set(packages) == {"twilio-video", "chart.js", "chartjs-chart-matrix"}
    for name, package in packages.items():
        assert package.integrity.startswith("sha512-")
        assert package.tarball == f"https://registry.npmjs.org/{name}/-/{name}-{package.version}.tgz"
    assert {str(file.target) for package in packages.values() for file in package.files} == {
        "service/static/vendor/twilio-video.min.js",
        "service/static/vendor/twilio-video.LICENSE.md",
        "service/static/vendor/chart.umd.min.js",
        "service/static/vendor/chart.js.LICENSE.md",
        "service/static/vendor/chartjs-chart-matrix.min.js",
        "service/static/vendor/chartjs-chart-matrix.LICENSE.md",
    }


def test_the_charts_are_chart_js_4_with_a_matrix_plugin_of_a_version_made_for_it() -> None:
    packages = {package.name: package for package in read_lock(LOCK)}
    # chartjs-chart-matrix 2.x and later declare chart.js >=3 as their peer; planner_charts.js uses v4's API.
    assert packages["chart.js"].version.split(".")[0] == "4"
    assert int(packages["chartjs-chart-matrix"].version.split(".")[0]) >= 2


def read_lock_from(tmp_path: Path, entry: dict[str, Any]) -> tuple[Package, ...]:
    return read_lock(write_lock(tmp_path, entry))
