"""Perceptual hashes (PDQ) of image artifacts and of sampled video frames, and near-duplicate
groups within a case.

PDQ (Meta's open perceptual hash, 256 bits + a 0..100 quality score) survives resizing,
re-compression and small crops, so re-uploaded deepfakes with small changes are still found.
Hashes use the `pdqhash` bindings of the reference C++ code, hex in ThreatExchange's order (so
lists from other PDQ tools match). Video frames are decoded with PyAV (FFmpeg's libraries, no
subprocess, no Qt). Decrypted bytes stay in memory; nothing is written to disk.

Near-duplicate search uses multi-index hashing: the 256 bits are cut into 16 chunks of 16 bits;
two hashes within distance t agree within t // 16 bits on at least one chunk (pigeonhole), so
only hashes sharing such a chunk are compared, instead of every pair.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

from . import db, ledger
from .errors import InputError
from .filetypes import is_image, is_video
from .progress import CancelToken, ProgressCallback
from .roles import Permission

if TYPE_CHECKING:
    from PIL import Image as PILImage

    from .case import Artifact, Case, Item

DEFAULT_THRESHOLD = 31          # Meta's recommended PDQ match distance
MIN_QUALITY = 50                # PDQ hashes below this quality are unreliable (flat images)
MAX_THRESHOLD = 64
MAX_IMAGE_PIXELS = 120_000_000  # decompression-bomb guard
MAX_IMAGE_BYTES = 256 << 20
MAX_VIDEO_BYTES = 1 << 30       # decoded from memory; larger videos are reported, not hashed
VIDEO_MAX_FRAMES = 16
VIDEO_MIN_INTERVAL_MS = 1000
MAX_HASH_SIDE = 1024            # larger still images are reduced to this before hashing (see _decode)
FRAME_MAX_SIDE = 512            # frames are scaled down before hashing (PDQ works at 64x64)
METHOD_IMAGE = "pdqhash+pillow"
METHOD_VIDEO = "pdqhash+pyav"


@dataclass(frozen=True)
class Pdq:
    hex: str
    quality: int

    @property
    def value(self) -> int:
        return int(self.hex, 16)


@dataclass(frozen=True)
class FrameHash:
    frame: int
    at_ms: int | None
    pdq: Pdq
    variant: str = ""   # "" = the whole frame; otherwise a crop variant (see CROP_VARIANTS)


# PDQ shifts a lot when a few percent are cut off an image (re-uploads are often trimmed), so each
# still image is also hashed as if it had been cropped: a cropped copy then lies close to one of
# these. (name, fraction cut from left, top, right, bottom). Only the whole-image hash is exported.
def _variants() -> tuple[tuple[str, float, float, float, float], ...]:
    out: list[tuple[str, float, float, float, float]] = []
    for p in (1, 2, 3, 4, 5):
        out.append((f"c{p}", p / 100, p / 100, p / 100, p / 100))
    for sides, levels in (("l", (2, 3, 5)), ("t", (2, 3, 5)), ("r", (2, 3, 5)), ("b", (2, 3, 5)),
                          ("lt", (2, 4)), ("tr", (2, 4)), ("rb", (2, 4)), ("lb", (2, 4))):
        for p in levels:
            cut = [p / 100 if s in sides else 0.0 for s in "ltrb"]
            out.append((f"{sides}{p}", cut[0], cut[1], cut[2], cut[3]))
    return tuple(out)


CROP_VARIANTS = _variants()
VARIANT_MAX_SIDE = 128  # PDQ works on a 64x64 reduction; variants need no more (and pdqhash slows as n²)


def hamming(a: str | int, b: str | int) -> int:
    x = (int(a, 16) if isinstance(a, str) else a) ^ (int(b, 16) if isinstance(b, str) else b)
    return x.bit_count()


def is_pdq_hex(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text.lower())


# ---- computing -----------------------------------------------------------------------------
def _pdq_of_array(array: Any) -> Pdq:
    import numpy as np
    import pdqhash

    vector, quality = pdqhash.compute(np.ascontiguousarray(array))
    return Pdq(np.packbits(np.asarray(vector, dtype=np.uint8)).tobytes().hex(), int(quality))


def pdq_of_image(image: PILImage.Image) -> Pdq:
    """PDQ of a decoded image (any mode; alpha dropped, as the reference tools do)."""
    import numpy as np

    if image.mode != "RGB":
        image = image.convert("RGB")
    return _pdq_of_array(np.asarray(image))


def _decode(data: bytes) -> PILImage.Image:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_IMAGE_PIXELS:
                raise InputError(f"the image is {img.width}x{img.height} pixels, over the limit")
            img.draft("RGB", (MAX_HASH_SIDE, MAX_HASH_SIDE))  # JPEG: decode at reduced scale
            img.load()
            rgb = img.convert("RGB")
            if max(rgb.size) > MAX_HASH_SIDE:
                # pdqhash's cost grows with the square of the side (a full-page screenshot would take
                # seconds); PDQ itself works on a 64x64 reduction, so this moves a hash by a few bits.
                rgb.thumbnail((MAX_HASH_SIDE, MAX_HASH_SIDE), Image.Resampling.BOX)
            return rgb
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"the image cannot be decoded ({type(exc).__name__})") from None


def pdq_of_image_bytes(data: bytes) -> Pdq:
    return pdq_of_image(_decode(data))


def crop_variants(image: PILImage.Image) -> list[tuple[str, Pdq]]:
    """PDQ of the image as if cropped by each of CROP_VARIANTS (on a copy at most 128 px)."""
    from PIL import Image

    small = image.convert("RGB")
    if max(small.size) > VARIANT_MAX_SIDE:
        small.thumbnail((VARIANT_MAX_SIDE, VARIANT_MAX_SIDE), Image.Resampling.BILINEAR)
    w, h = small.size
    out: list[tuple[str, Pdq]] = []
    if w < 32 or h < 32:
        return out
    for name, left, top, right, bottom in CROP_VARIANTS:
        box = (round(w * left), round(h * top), w - round(w * right), h - round(h * bottom))
        out.append((name, pdq_of_image(small.crop(box))))
    return out


def image_hashes(data: bytes) -> list[FrameHash]:
    """The standard PDQ of a still image, then its crop variants."""
    img = _decode(data)
    hashes = [FrameHash(0, None, pdq_of_image(img))]
    hashes += [FrameHash(0, None, pdq, variant) for variant, pdq in crop_variants(img)]
    return hashes


def pdq_of_video_bytes(data: bytes, *, max_frames: int = VIDEO_MAX_FRAMES) -> list[FrameHash]:
    """PDQ of up to max_frames frames spread over the video (at least a second apart)."""
    import av

    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise InputError(f"the video cannot be opened ({type(exc).__name__})") from None
    with container:
        if not container.streams.video:
            raise InputError("the file has no video stream")
        stream = container.streams.video[0]
        duration_ms = 0
        if stream.duration and stream.time_base:
            duration_ms = int(stream.duration * stream.time_base * 1000)
        elif container.duration:
            duration_ms = int(container.duration / 1000)
        n = max(1, min(max_frames, duration_ms // VIDEO_MIN_INTERVAL_MS or 1))
        targets = [int(duration_ms * i / n) for i in range(n)] if duration_ms else [0]
        if duration_ms > 120_000:
            stream.codec_context.skip_frame = "NONKEY"  # long videos: keyframes only, far faster
        out: list[FrameHash] = []
        try:
            for frame in container.decode(stream):
                at_ms = int(frame.time * 1000) if frame.time is not None else 0
                if at_ms + 1 < targets[len(out)] and duration_ms:
                    continue
                scale = min(1.0, FRAME_MAX_SIDE / max(frame.width, frame.height, 1))
                rgb = frame.reformat(width=max(1, int(frame.width * scale)),
                                     height=max(1, int(frame.height * scale)), format="rgb24")
                out.append(FrameHash(len(out), at_ms, _pdq_of_array(rgb.to_ndarray())))
                if len(out) >= len(targets):
                    break
        except (av.FFmpegError, ValueError) as exc:
            if not out:
                raise InputError(f"the video cannot be decoded ({type(exc).__name__})") from None
        if not out:
            raise InputError("no video frame could be decoded")
        return out


def hashable(artifact: Artifact) -> bool:
    return is_image(artifact.mime) or is_video(artifact.mime)


def compute_artifact(case: Case, artifact: Artifact) -> tuple[str, str, list[FrameHash]]:
    """(status, message, hashes) for one artifact, reading its decrypted bytes into memory."""
    if is_image(artifact.mime):
        if artifact.size > MAX_IMAGE_BYTES:
            return "too_large", f"{artifact.size} bytes", []
        try:
            return "ok", "", image_hashes(case.objects.read_all(artifact.object))
        except InputError as exc:
            return "error", exc.message, []
    if is_video(artifact.mime):
        if artifact.size > MAX_VIDEO_BYTES:
            return "too_large", f"{artifact.size} bytes", []
        try:
            return "ok", "", pdq_of_video_bytes(case.objects.read_all(artifact.object))
        except InputError as exc:
            return "error", exc.message, []
    return "unsupported", artifact.mime, []


def _store(case: Case, results: Sequence[tuple[Artifact, str, str, Sequence[FrameHash]]]) -> None:
    """Write a batch of results in one transaction (one fsync for many artifacts)."""
    if not results:
        return
    now = ledger.utc_now_ms()
    with db.write_transaction(case.conn):
        case.conn.executemany(
            "INSERT OR IGNORE INTO perceptual_status(artifact_id, status, method, message, computed_at) "
            "VALUES (?,?,?,?,?)",
            [(a.id, status, METHOD_VIDEO if is_video(a.mime) else METHOD_IMAGE, message, now)
             for a, status, message, _ in results])
        case.conn.executemany(
            "INSERT OR IGNORE INTO perceptual_hashes(artifact_id, frame, variant, at_ms, pdq, quality) "
            "VALUES (?,?,?,?,?,?)",
            [(a.id, h.frame, h.variant, h.at_ms, h.pdq.hex, h.pdq.quality) for a, _, _, hs in results for h in hs])


STORE_BATCH = 64


@dataclass
class IndexReport:
    hashed: int = 0
    frames: int = 0
    failed: list[str] = field(default_factory=list)
    skipped: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"hashed": self.hashed, "frames": self.frames, "failed": self.failed, "skipped": self.skipped}


def _pending(case: Case, items: Iterable[Item]) -> list[Artifact]:
    done = {r[0] for r in case.conn.execute("SELECT artifact_id FROM perceptual_status")}
    return [a for it in items for a in it.artifacts if a.id not in done and hashable(a)]


def index_artifacts(case: Case, artifacts: Sequence[Artifact], *, progress: ProgressCallback | None = None,
                    cancel: CancelToken | None = None) -> IndexReport:
    report = IndexReport()
    batch: list[tuple[Artifact, str, str, Sequence[FrameHash]]] = []
    for n, art in enumerate(artifacts):
        if cancel is not None:
            cancel.raise_if_cancelled()
        status, message, hashes = compute_artifact(case, art)
        batch.append((art, status, message, hashes))
        if len(batch) >= STORE_BATCH:
            _store(case, batch)
            batch = []
        if status == "ok":
            report.hashed += 1
            report.frames += sum(1 for h in hashes if not h.variant)
        else:
            report.failed.append(f"{art.name}: {status} {message}".strip())
        if progress is not None:
            progress(n + 1, len(artifacts), art.name)
    _store(case, batch)
    return report


def index_item(case: Case, item: Item) -> None:
    """Post-commit hook (core/hooks.py): PDQ of the new item's images and videos, then its
    known-content hash-list matches."""
    index_artifacts(case, _pending(case, [item]))
    from . import hashlists

    hashlists.match_items(case, [item], permission=Permission.CAPTURE)


def index_case(case: Case, *, progress: ProgressCallback | None = None,
               cancel: CancelToken | None = None) -> IndexReport:
    """Hash every image and video artifact not hashed yet (items from before this feature)."""
    case.require(Permission.READ)
    pending = _pending(case, case.items())
    return index_artifacts(case, pending, progress=progress, cancel=cancel)


# ---- near-duplicate search -------------------------------------------------------------------
_CHUNKS = 16
_CHUNK_BITS = 16
_CHUNK_MASK = (1 << _CHUNK_BITS) - 1


def _masks(radius: int) -> list[int]:
    masks = [0]
    for r in range(1, radius + 1):
        for bits in combinations(range(_CHUNK_BITS), r):
            m = 0
            for b in bits:
                m |= 1 << b
            masks.append(m)
    return masks


class HammingIndex:
    """Multi-index hashing over 256-bit values: exact results for any threshold up to 64,
    comparing only values that share a near-identical 16-bit chunk."""

    def __init__(self, values: Sequence[int], threshold: int) -> None:
        check_threshold(threshold)
        self.values = list(values)
        self.threshold = threshold
        self._masks = _masks(threshold // _CHUNKS)
        tables: list[defaultdict[int, list[int]]] = [defaultdict(list) for _ in range(_CHUNKS)]
        for idx, v in enumerate(self.values):
            for j in range(_CHUNKS):
                tables[j][(v >> (j * _CHUNK_BITS)) & _CHUNK_MASK].append(idx)
        self._tables: list[dict[int, list[int]]] = [dict(t) for t in tables]  # plain dicts: .get never inserts

    def query(self, value: int) -> list[tuple[int, int]]:
        """(index, distance) of every stored value within the threshold."""
        candidates: set[int] = set()
        masks = self._masks
        for j, table in enumerate(self._tables):
            chunk = (value >> (j * _CHUNK_BITS)) & _CHUNK_MASK
            get = table.get
            for m in masks:
                hit = get(chunk ^ m)
                if hit:
                    candidates.update(hit)
        values, threshold = self.values, self.threshold
        found = []
        for idx in candidates:
            d = (values[idx] ^ value).bit_count()
            if d <= threshold:
                found.append((idx, d))
        return found


def check_threshold(threshold: int) -> None:
    if not 0 <= threshold <= MAX_THRESHOLD:
        raise InputError(f"The distance threshold must be between 0 and {MAX_THRESHOLD} (PDQ default "
                         f"{DEFAULT_THRESHOLD}). / 거리 기준은 0~{MAX_THRESHOLD} 사이여야 합니다.")


@dataclass
class GroupMember:
    exhibit: str
    item_id: int
    artifact_id: int
    name: str
    role: str
    mime: str
    sha256: str
    pdq: str
    quality: int
    frame: int
    at_ms: int | None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SimilarGroup:
    members: list[GroupMember]
    max_distance: int   # the largest distance on the links that joined the group

    @property
    def exhibits(self) -> list[str]:
        return sorted({m.exhibit for m in self.members})

    def to_json(self) -> dict[str, Any]:
        return {"exhibits": self.exhibits, "max_distance": self.max_distance,
                "members": [m.to_json() for m in self.members]}


def similar_groups(case: Case, *, threshold: int = DEFAULT_THRESHOLD, min_quality: int = MIN_QUALITY,
                   cross_item_only: bool = False) -> list[SimilarGroup]:
    """Groups of artifacts whose PDQ hashes (any frame) lie within `threshold` of each other,
    joined transitively. Frames of one artifact never make a group by themselves."""
    case.require(Permission.READ)
    check_threshold(threshold)
    rows = case.conn.execute(
        "SELECT p.artifact_id, p.frame, p.variant, p.at_ms, p.pdq, p.quality, a.item_id, a.name, a.role, a.mime, "
        "a.sha256, i.exhibit FROM perceptual_hashes p JOIN artifacts a ON a.id = p.artifact_id "
        "JOIN items i ON i.id = a.item_id WHERE p.quality >= ? ORDER BY p.artifact_id, p.frame, p.variant",
        (min_quality,)).fetchall()
    values = [int(r["pdq"], 16) for r in rows]
    index = HammingIndex(values, threshold)
    parent: dict[int, int] = {}

    def find(a: int) -> int:
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    link_max: dict[int, int] = defaultdict(int)
    for i, v in enumerate(values):
        if rows[i]["variant"]:
            continue  # variants are found by the whole-image hashes that query them
        ai = rows[i]["artifact_id"]
        for j, d in index.query(v):
            if j == i:
                continue
            aj = rows[j]["artifact_id"]
            if aj == ai or (cross_item_only and rows[j]["item_id"] == rows[i]["item_id"]):
                continue
            ri, rj = find(ai), find(aj)
            if ri != rj:
                parent[ri] = rj
                link_max[rj] = max(link_max[rj], link_max[ri], d)
            else:
                link_max[ri] = max(link_max[ri], d)
    groups: dict[int, dict[int, GroupMember]] = defaultdict(dict)
    for r in rows:
        aid = r["artifact_id"]
        if aid not in parent:
            continue
        root = find(aid)
        best = groups[root].get(aid)
        if r["variant"]:
            continue  # members are shown by their whole-image hash
        if best is None or r["quality"] > best.quality:  # one line per artifact: its best frame
            groups[root][aid] = GroupMember(r["exhibit"], r["item_id"], aid, r["name"], r["role"], r["mime"],
                                            r["sha256"], r["pdq"], int(r["quality"]), int(r["frame"]), r["at_ms"])
    out = [SimilarGroup(sorted(m.values(), key=lambda g: (g.exhibit, g.artifact_id)), link_max[root])
           for root, m in groups.items() if len(m) > 1]
    out.sort(key=lambda g: (-len(g.members), g.members[0].exhibit))
    return out


def artifact_hashes(case: Case, artifact_ids: Iterable[int] | None = None) -> dict[int, list[FrameHash]]:
    """Stored whole-image / whole-frame PDQ hashes by artifact id (crop variants left out)."""
    sql = "SELECT artifact_id, frame, at_ms, pdq, quality FROM perceptual_hashes WHERE variant = ''"
    rows = case.conn.execute(sql + " ORDER BY artifact_id, frame").fetchall()
    wanted = set(artifact_ids) if artifact_ids is not None else None
    out: dict[int, list[FrameHash]] = defaultdict(list)
    for r in rows:
        if wanted is None or r[0] in wanted:
            out[r[0]].append(FrameHash(r[1], r[2], Pdq(r[3], r[4])))
    return dict(out)


# ---- previews (for the GUI and reports; blurred by default) ----------------------------------
def preview_png(case: Case, artifact: Artifact, *, max_side: int = 256, blur: bool = True) -> bytes:
    """A small PNG of an image artifact or of a video's first frame, blurred (core/imaging.py's
    pixelate-and-blur) unless asked not to, in which case the caller logs the reveal.
    Raises InputError when it cannot be drawn."""
    from . import imaging

    if is_image(artifact.mime):
        if artifact.size > MAX_IMAGE_BYTES:
            raise InputError("too large to preview")
        return imaging.thumbnail(case.objects.read_all(artifact.object), max_side, blur)
    if is_video(artifact.mime):
        if artifact.size > MAX_VIDEO_BYTES:
            raise InputError("too large to preview")
        frame = _first_frame(case.objects.read_all(artifact.object))
        frame.thumbnail((max_side, max_side))
        if blur:
            frame = imaging.obscure(frame.convert("RGB"))
        out = io.BytesIO()
        frame.save(out, "PNG", compress_level=1)
        return out.getvalue()
    raise InputError("no preview for this type")


def _first_frame(data: bytes) -> PILImage.Image:
    import av

    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            for frame in container.decode(video=0):
                return frame.to_image()
    except (av.FFmpegError, ValueError, OSError, IndexError) as exc:
        raise InputError(f"cannot decode the video ({type(exc).__name__})") from None
    raise InputError("no video frame")
