"""Platform identification and RFC 3161 timestamps against named baselines, in the same run:

* identify(url)             vs urllib.parse.urlsplit(url) (parsing alone) — per-URL cost
* verify_token(token)       vs `openssl ts -verify` of the same token (what an auditor runs)
* stamp_item (request, full token check, storage, signed ledger event) against a TSA on
  127.0.0.1 vs a bare requests.post of the same TimeStampReq to the same TSA

    .venv/bin/python benchmarks/timestamps_bench.py [--urls 20000] [--stamps 30]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("EVIDENCE_KIT_INSECURE_FAST_KDF", "1")
os.environ.setdefault("EVIDENCE_KIT_HOME", tempfile.mkdtemp(prefix="ek-bench-home-"))

import requests  # noqa: E402

from evidence_kit.core.case import Case  # noqa: E402
from evidence_kit.core.platforms import identify  # noqa: E402
from evidence_kit.core.timestamps import build_request, new_nonce, stamp_item, verify_token  # noqa: E402
from tests.core.test_platforms import CASES  # noqa: E402


def per_call(fn, items: list, repeat: int = 1) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    for _ in range(repeat):
        for x in items:
            fn(x)
    return (time.perf_counter() - t) / (len(items) * repeat)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--urls", type=int, default=20000)
    ap.add_argument("--stamps", type=int, default=30)
    args = ap.parse_args()

    urls = [c[0] for c in CASES if c[0].startswith(("http://", "https://")) and "[" not in c[0]]
    urls = (urls * (args.urls // len(urls) + 1))[:args.urls]
    base = per_call(urlsplit, urls)
    ours = per_call(identify, urls)
    print(f"identify: {ours * 1e6:.1f} µs/URL; urlsplit: {base * 1e6:.2f} µs/URL; ratio {ours / base:.1f}x "
          f"({len(urls)} URLs from the test table)")

    from tests.tsa_testing import TsaServer, _handler, shared_authority

    auth = shared_authority()
    state = TsaServer(auth)
    from http.server import ThreadingHTTPServer
    from threading import Thread

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = httpd.server_address[1]
    Thread(target=httpd.serve_forever, daemon=True).start()

    with tempfile.TemporaryDirectory() as tmp:
        case = Case.create(Path(tmp) / "bench.ekcase", number="B-1", title="bench", user="bench",
                           password="bench-password")
        src = Path(tmp) / "file.bin"
        src.write_bytes(os.urandom(1 << 16))
        exhibit = case.ingest([src]).items[0].exhibit
        url = state.url("/tsa")

        body = build_request(hashlib.sha256(b"x").digest(), new_nonce())
        session = requests.Session()
        t = time.perf_counter()
        for _ in range(args.stamps):
            answer = session.post(url, data=body, headers={"Content-Type": "application/timestamp-query"})
            assert answer.content
        bare = (time.perf_counter() - t) / args.stamps
        t = time.perf_counter()
        tokens = []
        for _ in range(args.stamps):
            tokens.extend(stamp_item(case, exhibit, tsa_urls=[url]))
        full = (time.perf_counter() - t) / args.stamps
        print(f"stamp_item: {full * 1e3:.1f} ms; bare requests.post of the query: {bare * 1e3:.1f} ms; "
              f"ratio {full / bare:.2f}x")

        rec = tokens[0]
        digest = bytes.fromhex(rec.digest)
        t = time.perf_counter()
        for _ in range(200):
            assert verify_token(rec.token, digest, rec.tsa_certs, trust_roots=auth.ca_pem).ok
        ours_v = (time.perf_counter() - t) / 200
        folder = Path(tmp)
        (folder / "t.tsr").write_bytes(rec.token)
        (folder / "ca.pem").write_bytes(auth.ca_pem)
        (folder / "tsa.pem").write_text(rec.tsa_certs)
        cmd = ["openssl", "ts", "-verify", "-digest", rec.digest, "-token_in", "-in", str(folder / "t.tsr"),
               "-CAfile", str(folder / "ca.pem"), "-untrusted", str(folder / "tsa.pem")]
        t = time.perf_counter()
        for _ in range(20):
            subprocess.run(cmd, check=True, capture_output=True)
        ssl = (time.perf_counter() - t) / 20
        print(f"verify_token: {ours_v * 1e3:.2f} ms; openssl ts -verify: {ssl * 1e3:.1f} ms (process included); "
              f"ratio {ours_v / ssl:.2f}x")
        case.close()
    httpd.shutdown()


if __name__ == "__main__":
    main()
