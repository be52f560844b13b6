"""Blurred preview of a 24 MP camera JPEG: imaging.thumbnail against a plain Pillow baseline.

Baseline ("plain Pillow"): Image.open + full-size decode + exif_transpose + thumbnail + PNG,
which is what a straightforward preview would do. Ours decodes in JPEG draft mode and also
pixelates and blurs. Prints both times and the ratio (lower is better). (Pillow's pixel
buffers are not visible to tracemalloc; draft mode also decodes 1/64 of the pixels.)

    .venv/bin/python benchmarks/thumbnail_bench.py
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageOps

from evidence_kit.core.imaging import thumbnail

ROUNDS = 5


def camera_jpeg(w: int = 6000, h: int = 4000) -> bytes:
    im = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    d = ImageDraw.Draw(im)
    for i in range(0, w, 150):
        d.line((i, 0, w - i, h), fill=(i % 255, 90, 200), width=9)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90)
    return out.getvalue()


def plain_pillow(data: bytes) -> bytes:
    im = Image.open(io.BytesIO(data))
    im.load()
    im = ImageOps.exif_transpose(im) or im
    im.thumbnail((320, 320), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def measure(fn: Callable[[bytes], bytes], data: bytes) -> float:
    fn(data)  # warm up
    start = time.perf_counter()
    for _ in range(ROUNDS):
        fn(data)
    return (time.perf_counter() - start) / ROUNDS


def main() -> None:
    data = camera_jpeg()
    base_t = measure(plain_pillow, data)
    ours_t = measure(lambda d: thumbnail(d, 320, blur=True), data)
    print(f"input: 6000x4000 JPEG, {len(data) / 1e6:.1f} MB, {ROUNDS} rounds each")
    print(f"plain Pillow (baseline): {base_t * 1000:7.1f} ms")
    print(f"imaging.thumbnail blur : {ours_t * 1000:7.1f} ms")
    print(f"time ratio ours/baseline: {ours_t / base_t:.2f}")


if __name__ == "__main__":
    main()
