"""Builders of Telegram Desktop exports for tests: every message type the importer handles, in
the shapes Telegram Desktop writes (export_output_json.cpp), plus media files made on the spot."""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path
from typing import Any

NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"
LOCAL_OFFSET_S = 9 * 3600  # the "exporting computer" is in Korea: date = UTC + 9 h
BASE_UNIX = 1767225600      # 2026-01-01T00:00:00Z


def photo_bytes(seed: int = 1, size: tuple[int, int] = (320, 240), fmt: str = "JPEG") -> bytes:
    """A photo-like image (smooth gradients plus shapes), different for each seed."""
    from PIL import Image, ImageDraw, ImageFilter

    rnd = random.Random(seed)
    img = Image.new("RGB", size, (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x0, y0 = rnd.randrange(size[0]), rnd.randrange(size[1])
        x1, y1 = x0 + rnd.randrange(20, size[0] // 2), y0 + rnd.randrange(20, size[1] // 2)
        color = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        if rnd.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=color)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=color)
    img = img.filter(ImageFilter.GaussianBlur(2))
    out = io.BytesIO()
    img.save(out, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


def video_bytes(frames: int = 30, seed: int = 3) -> bytes:
    """A small MPEG-4 video (PyAV's built-in mpeg4 encoder)."""
    import av
    import numpy as np

    rnd = random.Random(seed)
    buf = io.BytesIO()
    container = av.open(buf, "w", format="mp4")
    stream = container.add_stream("mpeg4", rate=10)
    stream.width, stream.height, stream.pix_fmt = 96, 96, "yuv420p"
    base = rnd.randrange(200)
    for i in range(frames):
        a = np.zeros((96, 96, 3), np.uint8)
        a[:, :, 0] = base
        a[:, : 48 + i, 1] = 200
        a[i: i + 30, 20:60, 2] = 255
        for packet in stream.encode(av.VideoFrame.from_ndarray(a, format="rgb24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return buf.getvalue()


def _dates(n: int, *, unix: bool = True) -> dict[str, Any]:
    t = BASE_UNIX + n * 60
    from datetime import UTC, datetime

    local = datetime.fromtimestamp(t + LOCAL_OFFSET_S, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    d: dict[str, Any] = {"date": local}
    if unix:
        d["date_unixtime"] = str(t)
    return d


def all_types_messages(*, unix: bool = True) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    """Messages of every kind, and the media files they name (relative path -> bytes)."""
    files: dict[str, bytes] = {
        "photos/photo_1@01-01-2026_09-01-00.jpg": photo_bytes(1),
        "files/report.pdf": b"%PDF-1.4\n% a document\n",
        "stickers/sticker.webp": photo_bytes(2, (128, 128), "WEBP"),
        "stickers/sticker.webp_thumb.jpg": photo_bytes(2, (64, 64)),
        "voice_messages/audio_1@01-01-2026.ogg": b"OggS\x00\x02" + bytes(200),
        "video_files/clip.mp4": video_bytes(),
        "video_files/clip.mp4_thumb.jpg": photo_bytes(4, (96, 96)),
        "round_video_messages/round.mp4": video_bytes(12, seed=5),
        "video_files/anim.gif.mp4": video_bytes(8, seed=6),
        "files/song.mp3": b"ID3\x03\x00" + bytes(100),
        "contacts/contact_1.vcard": b"BEGIN:VCARD\nVERSION:3.0\nFN:Bob\nEND:VCARD\n",
    }
    m: list[dict[str, Any]] = []

    def add(n: int, **fields: Any) -> None:
        msg = {"id": n, "type": fields.pop("type", "message"), **_dates(n, unix=unix)}
        msg.update(fields)
        m.append(msg)

    add(1, type="service", actor="Deepfake Room", actor_id="channel1777000001", action="create_channel",
        title="Deepfake Room", text="", text_entities=[])
    add(2, **{"from": "Uploader", "from_id": "user100"}, text="plain text message",
        text_entities=[{"type": "plain", "text": "plain text message"}])
    add(3, **{"from": "Uploader", "from_id": "user100"},
        text=["look ", {"type": "bold", "text": "here"}, " and ", {"type": "text_link", "text": "link",
                                                                  "href": "https://example.org/x"},
              " ", {"type": "mention", "text": "@someone"}, " ",
              {"type": "custom_emoji", "text": "🔥", "document_id": 5368324170671202286}],
        text_entities=[{"type": "plain", "text": "look "}, {"type": "bold", "text": "here"},
                       {"type": "plain", "text": " and "},
                       {"type": "text_link", "text": "link", "href": "https://example.org/x"},
                       {"type": "plain", "text": " "}, {"type": "mention", "text": "@someone"},
                       {"type": "plain", "text": " "},
                       {"type": "custom_emoji", "text": "🔥", "document_id": 5368324170671202286}])
    add(4, **{"from": "Uploader", "from_id": "user100"}, photo="photos/photo_1@01-01-2026_09-01-00.jpg",
        width=320, height=240, text="photo caption")
    add(5, **{"from": "Reposter", "from_id": "user200"}, forwarded_from="Source Channel",
        forwarded_from_id="channel555", text="forwarded text")
    add(6, **{"from": "Replier", "from_id": "user300"}, reply_to_message_id=4, text="a reply")
    edited = {"edited": _dates(30, unix=False)["date"]}
    if unix:
        edited["edited_unixtime"] = str(BASE_UNIX + 30 * 60)
    add(7, **{"from": "Uploader", "from_id": "user100"}, **edited, text="edited later")
    add(8, **{"from": "Uploader", "from_id": "user100"}, file="files/report.pdf", file_name="report.pdf",
        mime_type="application/pdf", text="")
    add(9, **{"from": "Uploader", "from_id": "user100"}, file="stickers/sticker.webp",
        thumbnail="stickers/sticker.webp_thumb.jpg", media_type="sticker", sticker_emoji="😀",
        mime_type="image/webp", width=128, height=128, text="")
    add(10, **{"from": "Uploader", "from_id": "user100"}, file="voice_messages/audio_1@01-01-2026.ogg",
        media_type="voice_message", mime_type="audio/ogg", duration_seconds=3, text="")
    add(11, **{"from": "Uploader", "from_id": "user100"}, file="video_files/clip.mp4",
        thumbnail="video_files/clip.mp4_thumb.jpg", media_type="video_file", mime_type="video/mp4",
        duration_seconds=3, width=96, height=96, text="")
    add(12, **{"from": "Uploader", "from_id": "user100"}, file="round_video_messages/round.mp4",
        media_type="video_message", mime_type="video/mp4", duration_seconds=1, text="")
    add(13, **{"from": "Uploader", "from_id": "user100"}, file="video_files/anim.gif.mp4",
        media_type="animation", mime_type="video/mp4", text="")
    add(14, **{"from": "Uploader", "from_id": "user100"}, file="files/song.mp3", media_type="audio_file",
        performer="Artist", title="Track", mime_type="audio/mpeg", text="")
    add(15, **{"from": "Uploader", "from_id": "user100"},
        poll={"question": "Who is it?", "closed": False, "total_voters": 3,
              "answers": [{"text": "A", "voters": 2, "chosen": False}, {"text": "B", "voters": 1, "chosen": True}]},
        text="")
    add(16, **{"from": "Uploader", "from_id": "user100"},
        contact_information={"first_name": "Bob", "last_name": "Kim", "phone_number": "+82 10 0000 0000"},
        contact_vcard="contacts/contact_1.vcard", text="")
    add(17, **{"from": "Uploader", "from_id": "user100"},
        location_information={"latitude": 37.5665, "longitude": 126.978}, text="")
    add(18, **{"from": "Uploader", "from_id": "user100"},
        location_information={"latitude": 37.5, "longitude": 127.0}, live_location_period_seconds=900, text="")
    add(19, **{"from": "Uploader", "from_id": "user100"}, place_name="Cafe", address="Seoul",
        location_information={"latitude": 37.55, "longitude": 126.99}, text="")
    add(20, **{"from": "Uploader", "from_id": "user100"}, photo=NOT_INCLUDED, width=800, height=600, text="")
    add(21, **{"from": "Uploader", "from_id": "user100"}, file=NOT_INCLUDED, media_type="video_file",
        mime_type="video/mp4", text="big video")
    add(22, type="service", actor="Deepfake Room", actor_id="channel1777000001", action="pin_message",
        message_id=4, text="")
    add(23, type="service", actor="Newcomer", actor_id="user400", action="join_group_by_link",
        inviter="Deepfake Room", text="")
    add(24, type="service", actor="Admin", actor_id="user1", action="invite_members", members=["A", "B"], text="")
    add(25, **{"from": "Uploader", "from_id": "user100"}, via_bot="@gif", text="via bot",
        future_field={"nested": [1, 2.5, None]}, another_new_field=True)
    add(26, **{"from": "Uploader", "from_id": "user100"}, game_title="Game", game_description="d",
        game_link="https://t.me/game", text="")
    add(27, **{"from": "Uploader", "from_id": "user100"}, invoice_information={"title": "Item", "amount": 100,
                                                                              "currency": "KRW"}, text="")
    add(28, type="unsupported")
    return m, files


def write_export(root: Path, chat: dict[str, Any], files: dict[str, bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "result.json").write_text(json.dumps(chat, ensure_ascii=False, indent=1), "utf-8")
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return root


def public_channel(root: Path, *, unix: bool = True) -> Path:
    msgs, files = all_types_messages(unix=unix)
    return write_export(root, {"name": "Deepfake Room", "type": "public_channel", "id": 1777000001,
                               "messages": msgs}, files)


def private_supergroup(root: Path) -> Path:
    msgs = [{"id": 10, "type": "message", **_dates(1), "from": "A", "from_id": "user1", "text": "hello"},
            {"id": 11, "type": "message", **_dates(2), "from": "B", "from_id": "user2", "text": "bye",
             "reply_to_message_id": 10}]
    return write_export(root, {"name": "Closed Group", "type": "private_supergroup", "id": 1888000002,
                               "messages": msgs}, {})


def account_export(root: Path) -> Path:
    """A full account export: personal information, chats.list (three chats), left_chats."""
    msgs, files = all_types_messages()
    shared = {f"chats/chat_01/{k}": v for k, v in files.items()}
    for m in msgs:
        for key in ("photo", "file", "thumbnail", "contact_vcard"):
            if key in m and not str(m[key]).startswith("("):
                m[key] = f"chats/chat_01/{m[key]}"
    doc = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 777, "first_name": "Inv", "last_name": "Estigator",
                                 "phone_number": "+82 10 1111 2222", "username": "@inv", "bio": ""},
        "contacts": {"about": "contacts", "list": [{"first_name": "X", "date": "2026-01-01T00:00:00"}]},
        "chats": {"about": "chats", "list": [
            {"name": "Deepfake Room", "type": "public_channel", "id": 1777000001, "messages": msgs},
            {"name": "Alice", "type": "personal_chat", "id": 555,
             "messages": [{"id": 1, "type": "message", **_dates(3), "from": "Alice", "from_id": "user555",
                           "text": "hi"}]},
            {"name": "Closed Group", "type": "private_supergroup", "id": 1888000002,
             "messages": [{"id": 7, "type": "message", **_dates(4), "from": "B", "from_id": "user2",
                           "text": "closed"}]},
        ]},
        "left_chats": {"about": "left", "list": [
            {"name": "Old Group", "type": "private_group", "id": 999,
             "messages": [{"id": 2, "type": "message", **_dates(5), "from": "C", "from_id": "user3", "text": "x"}]},
        ]},
    }
    return write_export(root, doc, shared)


def zip_folder(folder: Path, dest: Path, *, top: str | None = "ChatExport_2026-01-01") -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                rel = p.relative_to(folder).as_posix()
                z.write(p, f"{top}/{rel}" if top else rel)
    return dest
