"""Web captures exported as WACZ 1.1.1: layout as Webrecorder's own samples, a CDXJ index that
points at the right records, and `wacz validate` passing."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from evidence_kit.core.case import Case
from evidence_kit.core.export.bundle import export_bundle
from evidence_kit.core.export.verify_bundle import verify_bundle
from evidence_kit.core.export.wacz import WaczError, surt
from tests.bundle_support import FIXTURES, PAGE_URL, add_web_item, make_warc

WACZ_CLI = shutil.which("wacz", path=str(Path(sys.executable).parent))


def _wacz_from_bundle(bundle: Path, dest: Path) -> Path:
    with zipfile.ZipFile(bundle) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".wacz"))
        dest.write_bytes(zf.read(name))
    return dest


@pytest.mark.parametrize("gz", [True, False], ids=["warc.gz", "warc"])
def test_wacz_layout_index_and_validation(case: Case, tmp_path: Path, gz: bool) -> None:
    warc = make_warc(gzip=gz)
    add_web_item(case, warc=warc)
    out = tmp_path / "b.zip"
    result = export_bundle(case, None, out, wacz=True)
    assert result.wacz == ["evidence/E0001/wacz/e0001.wacz"]
    wacz = _wacz_from_bundle(out, tmp_path / "e0001.wacz")
    with zipfile.ZipFile(wacz) as zf:
        names = set(zf.namelist())
        archive = next(n for n in names if n.startswith("archive/"))
        assert archive.endswith(".warc.gz" if gz else ".warc")
        assert zf.read(archive) == warc  # byte for byte the captured WARC
        assert zf.getinfo(archive).compress_type == zipfile.ZIP_STORED
        package = json.loads(zf.read("datapackage.json"))
        digest = json.loads(zf.read("datapackage-digest.json"))
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").splitlines()]
        index = zf.read("indexes/index.cdx").decode().splitlines()
    # The same top-level layout as Webrecorder's signed sample.
    with zipfile.ZipFile(FIXTURES / "wacz" / "py-wacz__valid_signed_example_1.wacz") as ref:
        ref_dirs = {n.split("/")[0] for n in ref.namelist()}
        ref_package = json.loads(ref.read("datapackage.json"))
    assert {n.split("/")[0] for n in names} == ref_dirs
    assert package["wacz_version"] == "1.1.1" == ref_package["wacz_version"]
    assert set(ref_package) - {"created"} <= set(package)
    assert {r["path"] for r in package["resources"]} == names - {"datapackage.json", "datapackage-digest.json"}
    assert all(r["hash"].startswith("sha256:") for r in package["resources"])
    assert digest["path"] == "datapackage.json"
    assert pages[0]["format"] == "json-pages-1.0"
    assert pages[1]["url"] == PAGE_URL and pages[1]["title"] == "게시물 7"
    assert package["mainPageUrl"] == PAGE_URL
    # Each index line points at a record whose URL it names.
    assert index == sorted(index) and len(index) == 2
    for line in index:
        key, ts, fields_json = line.split(" ", 2)
        fields = json.loads(fields_json)
        start, length = int(fields["offset"]), int(fields["length"])
        record = warc[start:start + length]
        if gz:
            record = gzip.decompress(record)
        assert f"WARC-Target-URI: {fields['url']}".encode() in record
        assert key == surt(fields["url"]) and len(ts) == 14
    assert verify_bundle(out).ok
    if WACZ_CLI is None:
        pytest.skip("the `wacz` validator is not installed (pip install wacz)")
    run = subprocess.run([WACZ_CLI, "validate", "-f", str(wacz)], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "valid" in run.stdout


def test_wacz_validator_accepts_the_reference_and_rejects_a_broken_one(case: Case, tmp_path: Path) -> None:
    """Guards the validation above: the validator really fails a WACZ whose hashes are wrong."""
    if WACZ_CLI is None:
        pytest.skip("the `wacz` validator is not installed")
    add_web_item(case)
    out = tmp_path / "b.zip"
    export_bundle(case, None, out, wacz=True)
    wacz = _wacz_from_bundle(out, tmp_path / "good.wacz")
    broken = tmp_path / "broken.wacz"
    with zipfile.ZipFile(wacz) as src, zipfile.ZipFile(broken, "w") as dst:
        for n in src.namelist():
            data = src.read(n)
            dst.writestr(n, data + b"\n" if n == "pages/pages.jsonl" else data)
    run = subprocess.run([WACZ_CLI, "validate", "-f", str(broken)], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode != 0


def test_unreadable_warc_stops_a_wacz_export(case: Case, tmp_path: Path) -> None:
    add_web_item(case, warc=b"this is not a WARC file at all\r\n\r\n")
    with pytest.raises(WaczError, match="no WACZ can be made"):
        export_bundle(case, None, tmp_path / "b.zip", wacz=True)
    assert not list(tmp_path.glob("*.zip*")) and not list(tmp_path.glob(".*part"))
    # Without --wacz the same item exports fine (the WARC itself is evidence, byte for byte).
    export_bundle(case, None, tmp_path / "b.zip")
    assert verify_bundle(tmp_path / "b.zip").ok


@pytest.mark.parametrize(("url", "key"), [
    ("https://www.Example.com/a?b=2&a=1", "com,example)/a?a=1&b=2"),
    ("http://example.com", "com,example)/"),
    ("https://sub.example.co.kr:8443/x#frag", "kr,co,example,sub:8443)/x"),
    ("http://www2.example.com:80/", "com,example)/"),
    ("http://127.0.0.1:8080/p", "127.0.0.1:8080)/p"),
    ("not a url", "not a url"),
])
def test_surt(url: str, key: str) -> None:
    assert surt(url) == key


def test_index_reads_streams_without_seeking() -> None:
    from evidence_kit.core.export.wacz import index_warc

    class NoSeek(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._b = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, b: bytearray) -> int:  # type: ignore[override]
            data = self._b.read(len(b))
            b[:len(data)] = data
            return len(data)

    lines, pages = index_warc(NoSeek(make_warc()), "x.warc.gz")  # type: ignore[arg-type]
    assert len(lines) == 2 and PAGE_URL in pages
