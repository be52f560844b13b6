"""Telegram import and PDQ throughput.

1. Import of a generated Telegram Desktop export with 10,000 messages and 500 media files
   (photos), into a fresh case: wall time and peak memory (Python heap via tracemalloc, and the
   process's peak RSS). Baseline, measured in the same run: plain `ingest` of the same 500 files
   into another fresh case (store + hash + post-commit PDQ, without any message parsing).
2. PDQ throughput, images per second, against SHA-256 of the same image files (same run):
   the standard whole-image PDQ alone, and PDQ with the crop variants the case stores.

3. Near-duplicate search over N PDQ hashes (random, with planted near-copies) with the
   multi-index used by `similar`, against naive all-pairs comparison in the same run.

Usage: python benchmarks/telegram_bench.py [--messages 10000] [--media 500] [--pdq-images 200]
                                           [--hashes 20000] [--only-search]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("EVIDENCE_KIT_INSECURE_FAST_KDF", "1")  # benchmark the import, not Argon2
os.environ.setdefault("EVIDENCE_KIT_HOME", tempfile.mkdtemp(prefix="ek-bench-home-"))

from PIL import Image, ImageDraw, ImageFilter

from evidence_kit.core import perceptual, telegram
from evidence_kit.core.case import Case

BASE_UNIX = 1767225600


def photo(seed: int) -> bytes:
    rnd = random.Random(seed)
    size = (rnd.choice([640, 800, 1024]), rnd.choice([480, 600, 768]))
    img = Image.new("RGB", size, tuple(rnd.randrange(256) for _ in range(3)))  # type: ignore[arg-type]
    draw = ImageDraw.Draw(img)
    for _ in range(15):
        x0, y0 = rnd.randrange(size[0]), rnd.randrange(size[1])
        box = (x0, y0, x0 + rnd.randrange(30, size[0] // 2), y0 + rnd.randrange(30, size[1] // 2))
        (draw.ellipse if rnd.random() < 0.5 else draw.rectangle)(box, fill=tuple(rnd.randrange(256) for _ in range(3)))
    img = img.filter(ImageFilter.GaussianBlur(1.5))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def make_export(root: Path, n_messages: int, n_media: int) -> list[Path]:
    (root / "photos").mkdir(parents=True)
    media: list[Path] = []
    every = max(1, n_messages // n_media)
    messages = []
    for i in range(1, n_messages + 1):
        t = BASE_UNIX + i * 17
        msg: dict[str, object] = {
            "id": i, "type": "message", "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t + 9 * 3600)),
            "date_unixtime": str(t), "from": f"user {i % 37}", "from_id": f"user{i % 37}",
            "text": [f"message {i} ", {"type": "bold", "text": "bold"}, " and a ",
                     {"type": "text_link", "text": "link", "href": f"https://example.org/{i}"}],
        }
        if i % 11 == 0:
            msg["reply_to_message_id"] = i - 1
        if i % every == 0 and len(media) < n_media:
            rel = f"photos/photo_{len(media) + 1}@01-01-2026_00-00-00.jpg"
            path = root / rel
            path.write_bytes(photo(len(media)))
            media.append(path)
            msg["photo"] = rel
            msg["width"], msg["height"] = 800, 600
        messages.append(msg)
    doc = {"name": "Benchmark channel", "type": "private_channel", "id": 1234567890, "messages": messages}
    (root / "result.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return media


def timed(fn):  # type: ignore[no-untyped-def]
    tracemalloc.start()
    t0 = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, elapsed, peak


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--media", type=int, default=500)
    ap.add_argument("--pdq-images", type=int, default=200)
    ap.add_argument("--hashes", type=int, default=20_000)
    ap.add_argument("--only-search", action="store_true")
    args = ap.parse_args()
    search_bench(args.hashes)
    if args.only_search:
        return 0
    work = Path(tempfile.mkdtemp(prefix="ek-tg-bench-"))
    export = work / "export"
    t0 = time.perf_counter()
    media = make_export(export, args.messages, args.media)
    size = sum(p.stat().st_size for p in export.rglob("*") if p.is_file())
    print(f"generated export: {args.messages} messages, {len(media)} photos, {size / 1e6:.1f} MB "
          f"in {time.perf_counter() - t0:.1f} s")

    # -- baseline: plain ingest of the same photos --
    base_case = Case.create(work / "base.ekcase", number="B", title="baseline", user="bench", password="bench-pass")
    _, base_s, base_peak = timed(lambda: base_case.ingest(media))
    base_case.close()

    # -- the import --
    case = Case.create(work / "tg.ekcase", number="T", title="telegram", user="bench", password="bench-pass")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result, imp_s, imp_peak = timed(lambda: telegram.import_telegram(case, export))
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    chat = result.chats[0]
    assert chat.messages == args.messages and chat.media_stored == len(media), result.to_json()
    hashed = len(perceptual.artifact_hashes(case))
    case.close()
    print(f"import-telegram: {imp_s:.1f} s ({args.messages / imp_s:.0f} messages/s), Python heap peak "
          f"{imp_peak / 1e6:.1f} MB, process peak RSS {rss_after / 1024:.0f} MB (was {rss_before / 1024:.0f} MB); "
          f"{hashed} images PDQ-hashed by the post-commit hook")
    print(f"baseline ingest of the same {len(media)} photos: {base_s:.1f} s, heap peak {base_peak / 1e6:.1f} MB")
    print(f"RATIO import / baseline ingest: {imp_s / base_s:.2f}x time, {imp_peak / max(1, base_peak):.2f}x heap")

    # -- PDQ throughput against SHA-256 --
    sample = [p.read_bytes() for p in media[: args.pdq_images]]
    t = time.perf_counter()
    for data in sample:
        hashlib.sha256(data).hexdigest()
    sha_s = time.perf_counter() - t
    t = time.perf_counter()
    for data in sample:
        perceptual.pdq_of_image_bytes(data)
    pdq_s = time.perf_counter() - t
    t = time.perf_counter()
    for data in sample:
        perceptual.image_hashes(data)
    full_s = time.perf_counter() - t
    n = len(sample)
    print(f"SHA-256: {n / sha_s:,.0f} images/s; PDQ (decode + whole-image hash): {n / pdq_s:,.1f} images/s; "
          f"PDQ + {len(perceptual.CROP_VARIANTS)} crop variants: {n / full_s:,.1f} images/s")
    print(f"RATIO PDQ / SHA-256 throughput: {sha_s / pdq_s:.4f} (PDQ is {pdq_s / sha_s:,.0f}x slower); "
          f"with variants {sha_s / full_s:.4f}")
    return 0


def search_bench(n: int) -> None:
    rnd = random.Random(7)
    values = [rnd.getrandbits(256) for _ in range(n - n // 10)]
    for i in range(n // 10):  # planted near-duplicates, 0..40 bits away
        v = values[i]
        for b in rnd.sample(range(256), rnd.randrange(0, 41)):
            v ^= 1 << b
        values.append(v)
    t = time.perf_counter()
    index = perceptual.HammingIndex(values, perceptual.DEFAULT_THRESHOLD)
    pairs = sum(1 for i, v in enumerate(values) for j, _ in index.query(v) if j > i)
    mih_s = time.perf_counter() - t
    # Naive all-pairs on a sample, extrapolated to n (n² / 2 comparisons).
    sample = values[:2000]
    t = time.perf_counter()
    naive_pairs = 0
    for i, v in enumerate(sample):
        for w in sample[i + 1:]:
            if (v ^ w).bit_count() <= perceptual.DEFAULT_THRESHOLD:
                naive_pairs += 1
    naive_sample_s = time.perf_counter() - t
    naive_s = naive_sample_s * (n * n) / (len(sample) * len(sample))
    print(f"near-duplicate search over {n} hashes (threshold {perceptual.DEFAULT_THRESHOLD}): multi-index "
          f"{mih_s:.2f} s, {pairs} pairs; naive all-pairs ~{naive_s:.1f} s (extrapolated from {len(sample)})")
    print(f"RATIO naive / multi-index search time: {naive_s / mih_s:.1f}x")


if __name__ == "__main__":
    sys.exit(main())
