"""Telegram Desktop export import: real samples, every message type, and hostile input."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from evidence_kit.core import telegram as tg
from evidence_kit.core.case import Case
from evidence_kit.core.errors import CancelledError, InputError, PermissionDeniedError
from evidence_kit.core.progress import CancelToken
from evidence_kit.core.telegram.parser import flatten_text, iter_export, message_link
from evidence_kit.core.telegram.source import ZipLimits
from tests.conftest import FIXTURES
from tests.tg_builders import (
    BASE_UNIX,
    LOCAL_OFFSET_S,
    NOT_INCLUDED,
    account_export,
    private_supergroup,
    public_channel,
    write_export,
    zip_folder,
)

TG = FIXTURES / "telegram"


def _by_id(case: Case, item: object) -> dict[int, tg.Message]:
    return {m.id: m for m in tg.messages(case, item)}  # type: ignore[arg-type]


# ---- real samples ------------------------------------------------------------------------------
def test_real_private_channel_imports_with_private_links(case: Case) -> None:
    result = tg.import_telegram(case, TG / "tg2md_private_channel")
    assert not result.partial and len(result.items) == 1
    item = result.items[0]
    assert item.kind == "telegram" and item.title == "test"
    roles = sorted(a.role for a in item.artifacts)
    assert roles.count("export_json") == 1 and "media" in roles
    msgs = _by_id(case, item)
    assert len(msgs) == 19
    assert msgs[3].link == "https://t.me/c/1292077344/3"
    assert msgs[3].media[0].status == "ok" and msgs[3].media[0].kind == "photo"
    assert msgs[7].media[0].kind == "voice_message"
    # entities flattened and kept
    assert msgs[5].text.startswith("italic\n\nbold") and msgs[5].entities[0]["type"] == "italic"
    assert msgs[5].edited_local == "2020-11-12T13:03:00"
    # this old export has no Unix times: the UTC time is unknown, and the item says so
    assert msgs[2].date_utc == "" and msgs[2].date_local == "2020-11-12T12:54:07"
    assert any("no Unix time" in p for p in tg.chat_info(case, item).problems)
    assert case.verify(record=False).ok


def test_real_public_supergroup_and_utc_from_unixtime(case: Case) -> None:
    opts = tg.ImportOptions(public_names={"": "teknologi_umum"})
    item = tg.import_telegram(case, TG / "tgif_coorporate_speak", options=opts).items[0]
    info = tg.chat_info(case, item)
    assert info.type == "public_supergroup" and info.messages == 155 and info.public_name == "teknologi_umum"
    msgs = tg.messages(case, item)
    with_unix = [m for m in msgs if m.date_utc]
    assert with_unix and all(m.link == f"https://t.me/teknologi_umum/{m.id}" for m in msgs if m.id > 0)
    assert all(m.utc_offset_s is not None for m in with_unix)
    replies = [m for m in msgs if m.reply_to is not None]
    assert replies
    stickers = [r for m in msgs for r in m.media if r.kind == "sticker"]
    assert stickers and all(r.status == "ok" for r in stickers)


def test_real_synthetic_samples_report_missing_media(case: Case) -> None:
    result = tg.import_telegram(case, TG / "tkonverter_synthetic_result.json")
    chat = result.chats[0]
    assert result.partial and chat.missing_count == 11
    assert chat.media_not_included >= 1
    msgs = _by_id(case, chat.item)
    assert msgs[1].link == "" and "personal chat" in tg.cite(case, chat.item, [1])[0].link_note
    poll = next(m for m in msgs.values() if "poll" in m.details)
    assert poll.summary.startswith("[Poll] Best language?")
    assert msgs[2].forwarded_from == "Channel News" and msgs[2].reply_to == 1 and msgs[2].edited_utc
    group = tg.import_telegram(case, TG / "tkonverter_synthetic_result_group.json").items[0]
    assert tg.chat_info(case, group).messages == 45


# ---- every message type --------------------------------------------------------------------------
def test_every_message_type(case: Case, tmp_path: Path) -> None:
    root = public_channel(tmp_path / "export")
    result = tg.import_telegram(case, root, options=tg.ImportOptions(public_names={"1777000001": "deepfake_room"}))
    assert not result.partial, result.to_json()
    item = result.items[0]
    m = _by_id(case, item)
    assert len(m) == 28
    assert m[1].type == "service" and m[1].action == "create_channel" and "create channel" in m[1].summary
    # UTC from date_unixtime; local time and the difference recorded
    assert m[2].date_utc == "2026-01-01T00:02:00Z" and m[2].utc_offset_s == LOCAL_OFFSET_S
    assert m[2].date_local == "2026-01-01T09:02:00"
    assert m[3].text == "look here and link @someone 🔥"
    types = [e["type"] for e in m[3].entities]
    assert types == ["bold", "text_link", "mention", "custom_emoji"]
    link_ent = m[3].entities[1]
    assert m[3].text[link_ent["offset"]: link_ent["offset"] + link_ent["length"]] == "link"
    assert link_ent["href"] == "https://example.org/x"
    assert m[4].media[0].status == "ok" and m[4].text == "photo caption"
    assert m[5].forwarded_from == "Source Channel" and m[5].forwarded_from_id == "channel555"
    assert m[6].reply_to == 4
    assert m[7].edited_utc == "2026-01-01T00:30:00Z"
    assert m[8].media[0].kind == "file"
    assert [r.kind for r in m[9].media] == ["thumbnail", "sticker"] or {r.kind for r in m[9].media} == {
        "sticker", "thumbnail"}
    assert m[9].summary.startswith("[sticker: 😀]")
    assert m[10].media[0].kind == "voice_message"
    assert m[11].media_type == "video_file" and m[12].media_type == "video_message"
    assert m[13].media_type == "animation" and m[14].media_type == "audio_file"
    assert m[15].summary.startswith("[Poll] Who is it? — A (2), B (1)")
    assert m[16].summary.startswith("[Contact] Bob Kim") and m[16].media[0].kind == "vcard"
    assert m[17].summary.startswith("[Location] 37.5665, 126.978")
    assert "[Location (live)]" in m[18].summary and "Cafe Seoul" in m[19].summary
    assert m[20].media[0].status == "not_included" and m[20].media[0].note == NOT_INCLUDED
    assert m[21].media[0].status == "not_included" and "not included" in m[21].summary
    assert m[22].action == "pin_message" and "message id: 4" in m[22].summary
    assert m[23].sender == "Newcomer" and "inviter: Deepfake Room" in m[23].summary
    assert "members: A, B" in m[24].summary
    # unknown fields are kept, never fatal
    assert m[25].unknown_fields == ["another_new_field", "future_field"]
    assert m[25].details["future_field"] == {"nested": [1, "2.5", None]} and m[25].via_bot == "@gif"
    assert m[26].summary.startswith("[Game] Game") and m[27].summary.startswith("[Invoice] Item")
    assert m[28].type == "unsupported" and m[28].summary == "[unsupported]"
    assert all(x.link == f"https://t.me/deepfake_room/{x.id}" for x in m.values())
    # media are artifacts with their export path; video and thumbnails too
    paths = {a.metadata.get("export_path"): a for a in item.artifacts}
    assert paths["video_files/clip.mp4"].mime == "video/mp4"
    assert paths["stickers/sticker.webp_thumb.jpg"].role == "thumbnail"
    assert tg.media_artifacts(item, m[4].media[0]) is not None
    info = tg.chat_info(case, item)
    assert info.media_not_included == 2 and info.first_date_utc == "2026-01-01T00:01:00Z"
    # the ledger event carries the counts
    ev = case.events(item=item.exhibit)[0]
    assert ev.action == "imported" and ev.details["telegram"]["messages"] == 28
    assert case.verify(record=False).ok


def test_private_supergroup_links_and_citations(case: Case, tmp_path: Path) -> None:
    item = tg.import_telegram(case, private_supergroup(tmp_path / "e")).items[0]
    cites = tg.cite(case, item, [11, 10])
    assert [c.message_id for c in cites] == [10, 11]
    assert cites[0].link == "https://t.me/c/1888000002/10"
    text_en = tg.citation_text(cites)
    assert "In reply to: #10" in text_en and "https://t.me/c/1888000002/11" in text_en and " UTC" in text_en
    assert "답장 대상" in tg.citation_text(cites, "ko")
    with pytest.raises(InputError, match="no message"):
        tg.cite(case, item, [10, 99])
    assert tg.message_count(case, item, query="BYE") == 1
    assert [m.id for m in tg.messages(case, item, query="%")] == []  # LIKE wildcards are literal


def test_account_export_each_chat_one_item(case: Case, tmp_path: Path) -> None:
    result = tg.import_telegram(case, account_export(tmp_path / "acct"))
    assert [c.header.name for c in result.chats] == ["Deepfake Room", "Alice", "Closed Group", "Old Group"]
    assert not result.partial
    assert result.account["personal_information"]["user_id"] == 777
    alice = result.chats[1]
    assert tg.messages(case, alice.item)[0].link == ""
    closed = tg.messages(case, result.chats[2].item)
    assert closed[0].link == "https://t.me/c/1888000002/7"
    assert result.chats[3].header.section == "left_chats"
    big = result.chats[0]
    assert big.media_stored >= 10
    # result.json is in every chat item, stored once
    objects = {a.object for it in result.items for a in it.artifacts if a.role == "export_json"}
    assert len(objects) == 1
    assert case.verify(record=False).ok


def test_zip_of_export_matches_folder_import(case: Case, tmp_path: Path) -> None:
    root = public_channel(tmp_path / "export")
    z = zip_folder(root, tmp_path / "export.zip")
    a = tg.import_telegram(case, root).items[0]
    b = tg.import_telegram(case, z).items[0]
    assert sorted(x.sha256 for x in a.artifacts) == sorted(x.sha256 for x in b.artifacts)
    assert b.metadata["telegram"]["export"]["container"] == "zip"
    flat = zip_folder(root, tmp_path / "flat.zip", top=None)
    assert len(tg.import_telegram(case, flat).items[0].artifacts) == len(a.artifacts)


def test_old_export_with_stated_utc_offset(case: Case, tmp_path: Path) -> None:
    root = public_channel(tmp_path / "e", unix=False)
    item = tg.import_telegram(case, root, options=tg.ImportOptions(utc_offset_minutes=540)).items[0]
    m = _by_id(case, item)
    assert m[2].date_utc == "2026-01-01T00:02:00Z" and m[2].utc_offset_s == LOCAL_OFFSET_S
    assert item.metadata["telegram"]["assumed_utc_offset_minutes"] == 540


# ---- bad input ------------------------------------------------------------------------------------
def _no_items(case: Case) -> None:
    assert case.item_count() == 0


def test_truncated_json_imports_nothing_by_default(case: Case, tmp_path: Path) -> None:
    root = public_channel(tmp_path / "e")
    data = (root / "result.json").read_bytes()
    (root / "result.json").write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(tg.ExportFormatError, match="cut short") as err:
        tg.import_telegram(case, root)
    assert "손상" in err.value.message and err.value.messages_read > 0
    _no_items(case)
    assert case.check().orphans == []  # validated before anything was stored


def test_truncated_json_partial_import_when_allowed(case: Case, tmp_path: Path) -> None:
    root = public_channel(tmp_path / "e")
    data = (root / "result.json").read_bytes()
    (root / "result.json").write_bytes(data[: len(data) * 2 // 3])
    result = tg.import_telegram(case, root, options=tg.ImportOptions(allow_partial=True))
    assert result.partial and result.error and len(result.items) == 1
    chat = result.chats[0]
    assert chat.truncated and 0 < chat.messages < 28
    assert tg.chat_info(case, chat.item).partial
    assert case.events(item=chat.item.exhibit)[0].details["telegram"]["partial"] == 1


@pytest.mark.parametrize(("content", "needle"), [
    (b"", "empty"),
    (b"[1, 2, 3]", "not a Telegram Desktop export"),
    (b'{"name": "x", "type": "personal_chat", "id": 1, "messages": [{"id": 1,, }]}', "not valid JSON"),
    (b'{"about": "nothing here"}', "holds no chats"),
    (b"\xff\xfe\x00garbage", "not JSON"),
])
def test_invalid_result_json(case: Case, tmp_path: Path, content: bytes, needle: str) -> None:
    root = tmp_path / "e"
    root.mkdir()
    (root / "result.json").write_bytes(content)
    with pytest.raises(InputError, match=needle):
        tg.import_telegram(case, root)
    _no_items(case)


def test_not_an_export(case: Case, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"No result\.json"):
        tg.import_telegram(case, tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        tg.import_telegram(case, tmp_path / "nope")
    (tmp_path / "x.bin").write_bytes(b"\x00" * 10)
    with pytest.raises(InputError, match="neither"):
        tg.import_telegram(case, tmp_path / "x.bin")
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(InputError):
        tg.import_telegram(case, tmp_path / "bad.zip")
    z = tmp_path / "empty.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("readme.txt", "hi")
    with pytest.raises(InputError, match=r"No result\.json in the zip"):
        tg.import_telegram(case, z)


SECRET = b"SECRET-OUTSIDE-THE-EXPORT-" + os.urandom(8)


def _escaping_export(tmp_path: Path) -> tuple[Path, Path]:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.jpg").write_bytes(SECRET)
    root = tmp_path / "export"
    msgs = [
        {"id": 1, "type": "message", "date": "2026-01-01T09:00:00", "date_unixtime": str(BASE_UNIX),
         "from": "x", "from_id": "user1", "photo": "../outside/secret.jpg", "text": ""},
        {"id": 2, "type": "message", "date": "2026-01-01T09:00:00", "date_unixtime": str(BASE_UNIX),
         "from": "x", "from_id": "user1", "file": str(outside / "secret.jpg"), "text": ""},
        {"id": 3, "type": "message", "date": "2026-01-01T09:00:00", "date_unixtime": str(BASE_UNIX),
         "from": "x", "from_id": "user1", "file": "photos/link.jpg", "text": ""},
        {"id": 4, "type": "message", "date": "2026-01-01T09:00:00", "date_unixtime": str(BASE_UNIX),
         "from": "x", "from_id": "user1", "file": "photos/../../outside/secret.jpg", "text": ""},
        {"id": 5, "type": "message", "date": "2026-01-01T09:00:00", "date_unixtime": str(BASE_UNIX),
         "from": "x", "from_id": "user1", "file": "linkdir/secret.jpg", "text": ""},
        {"id": 6, "type": "message", "date": "2026-01-01T09:00:00", "date_unixtime": str(BASE_UNIX),
         "from": "x", "from_id": "user1", "file": "photos/missing.jpg", "text": ""},
        {"id": 7, "type": "message", "date": "2026-01-01T09:00:00", "date_unixtime": str(BASE_UNIX),
         "from": "x", "from_id": "user1", "file": "C:\\Windows\\win.ini", "text": ""},
    ]
    write_export(root, {"name": "x", "type": "private_channel", "id": 5, "messages": msgs},
                 {"photos/ok.jpg": b"fine"})
    (root / "photos" / "link.jpg").symlink_to(outside / "secret.jpg")
    (root / "linkdir").symlink_to(outside)
    return root, outside


def test_paths_escaping_the_export_are_refused(case: Case, tmp_path: Path) -> None:
    import hashlib

    root, _ = _escaping_export(tmp_path)
    result = tg.import_telegram(case, root)
    chat = result.chats[0]
    assert result.partial and chat.refused_count == 6 and chat.missing_count == 1
    secret_sha = hashlib.sha256(SECRET).hexdigest()
    assert all(a.sha256 != secret_sha for a in chat.item.artifacts)
    assert case.find_by_sha256(secret_sha) == []
    statuses = {m.id: m.media[0].status for m in tg.messages(case, chat.item)}
    assert statuses == {1: "refused", 2: "refused", 3: "refused", 4: "refused", 5: "refused", 6: "missing",
                        7: "refused"}
    assert any("outside the export" in p for p in chat.problems)


def test_zip_with_escaping_member_names_reads_nothing_outside(case: Case, tmp_path: Path) -> None:
    z = tmp_path / "evil.zip"
    msgs = [{"id": 1, "type": "message", "date": "2026-01-01T09:00:00", "from": "x", "from_id": "u",
             "photo": "../evil.jpg", "text": ""}]
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("result.json", json.dumps({"name": "x", "type": "private_channel", "id": 1, "messages": msgs}))
        zf.writestr("../evil.jpg", b"evil")
        info = zipfile.ZipInfo("photos/link.jpg")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    result = tg.import_telegram(case, z)
    assert result.chats[0].refused_count == 1
    assert len(result.items[0].artifacts) == 1  # result.json only


def _bomb(path: Path, *, entries: int = 1, size: int = 4 << 20) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("result.json", json.dumps({"name": "x", "type": "private_channel", "id": 1, "messages": []}))
        for i in range(entries):
            zf.writestr(f"files/zero{i}.bin", b"\0" * size)
    return path


def test_zip_bomb_limits(case: Case, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="compression ratio"):
        tg.import_telegram(case, _bomb(tmp_path / "ratio.zip"))
    many = _bomb(tmp_path / "many.zip", entries=30, size=10)
    with pytest.raises(InputError, match="entries"):
        tg.import_telegram(case, many, options=tg.ImportOptions(zip_limits=ZipLimits(max_entries=20)))
    with pytest.raises(InputError, match="per-file"):
        tg.import_telegram(case, _bomb(tmp_path / "big.zip", size=2000),
                           options=tg.ImportOptions(zip_limits=ZipLimits(max_entry_bytes=1000)))
    with pytest.raises(InputError, match="expands to more"):
        tg.import_telegram(case, _bomb(tmp_path / "total.zip", entries=5, size=900),
                           options=tg.ImportOptions(zip_limits=ZipLimits(max_total_bytes=3000)))
    _no_items(case)


def test_message_limit_is_a_clear_error(case: Case, tmp_path: Path) -> None:
    root = public_channel(tmp_path / "e")
    with pytest.raises(InputError, match="more than 10 messages"):
        tg.import_telegram(case, root, options=tg.ImportOptions(max_messages=10))
    _no_items(case)


def test_auditor_cannot_import(case: Case, tmp_path: Path) -> None:
    case.add_user("aud", "auditor-pass", "auditor")
    with Case.open(case.path, user="aud", password="auditor-pass") as aud, pytest.raises(PermissionDeniedError):
        tg.import_telegram(aud, private_supergroup(tmp_path / "e"))


def test_cancel_keeps_nothing(case: Case, tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        tg.import_telegram(case, public_channel(tmp_path / "e"), cancel=token)
    _no_items(case)


def test_indexed_messages_are_immutable(case: Case, tmp_path: Path) -> None:
    item = tg.import_telegram(case, private_supergroup(tmp_path / "e")).items[0]
    with pytest.raises(Exception, match="immutable"):
        case.conn.execute("UPDATE telegram_messages SET text = 'x' WHERE item_id = ?", (item.id,))
    with pytest.raises(Exception, match="immutable"):
        case.conn.execute("DELETE FROM telegram_messages WHERE item_id = ?", (item.id,))


def test_public_names_parsing() -> None:
    assert tg.parse_public_names(["@chan_1", "123=other"]) == {"": "chan_1", "123": "other"}
    with pytest.raises(InputError):
        tg.parse_public_names(["bad name!"])


def test_message_link_rules() -> None:
    assert message_link("public_channel", 5, "name", 7) == ("https://t.me/name/7", "")
    assert message_link("private_supergroup", -1001234, "", 7)[0] == "https://t.me/c/1234/7"
    assert message_link("personal_chat", 5, "", 7)[0] == ""
    assert "unknown chat type" in message_link("weird", 5, "", 7)[1]
    assert message_link("private_channel", 5, "", -1)[1] == "the message has no id"


# ---- the parser under hypothesis -------------------------------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)
message_keys = st.sampled_from(["id", "type", "date", "date_unixtime", "from", "from_id", "text", "text_entities",
                                "photo", "file", "thumbnail", "media_type", "reply_to_message_id", "edited",
                                "edited_unixtime", "poll", "location_information", "action", "actor", "members"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.dictionaries(message_keys, json_values, max_size=8) | json_values, max_size=6),
       json_values)
def test_parser_never_fails_on_odd_messages(messages: list[object], name: object) -> None:
    import io

    doc = {"name": name, "type": "private_channel", "id": 5, "messages": messages}
    events = list(iter_export(io.BytesIO(json.dumps(doc).encode())))
    got = [e.message for e in events if e.kind == "message"]
    assert len(got) == len(messages)
    for m in got:
        assert m is not None
        assert isinstance(m.text, str) and isinstance(m.summary, str)
        json.dumps(m.details)
        for r in m.media:
            assert r.status in ("", "not_included", "refused")


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_parser_on_arbitrary_bytes_raises_only_format_errors(data: bytes) -> None:
    import io

    try:
        list(iter_export(io.BytesIO(data)))
    except tg.ExportFormatError:
        pass


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=10) | st.fixed_dictionaries(
    {"type": st.sampled_from(["bold", "plain", "link", "italic"]), "text": st.text(max_size=10)}), max_size=8))
def test_flatten_text_keeps_every_character_and_entity(parts: list[object]) -> None:
    text, entities = flatten_text(parts)
    expected = "".join(p if isinstance(p, str) else p["text"] for p in parts)  # type: ignore[index]
    assert text == expected
    for e in entities:
        assert e["offset"] >= 0 and e["offset"] + e["length"] <= len(text) and e["type"] != "plain"


def test_damaged_zip_member_is_reported_and_the_rest_imported(case: Case, tmp_path: Path) -> None:
    root = private_supergroup(tmp_path / "e")
    doc = json.loads((root / "result.json").read_text())
    doc["messages"][0]["photo"] = "photos/a.jpg"
    doc["messages"][1]["photo"] = "photos/b.jpg"
    z = tmp_path / "damaged.zip"
    payload = os.urandom(4000)
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("result.json", json.dumps(doc))
        zf.writestr("photos/a.jpg", payload)
        zf.writestr("photos/b.jpg", b"fine")
    data = bytearray(z.read_bytes())
    at = data.find(payload[:32])
    data[at + 100] ^= 0xFF  # flip one byte inside a.jpg: its CRC no longer matches
    z.write_bytes(bytes(data))
    result = tg.import_telegram(case, z)
    chat = result.chats[0]
    assert chat.missing_count == 1 and chat.media_stored == 1 and result.partial
    assert "damaged" in chat.media_missing[0]
    assert case.verify(record=False).ok


def test_add_stored_refuses_foreign_objects(case: Case) -> None:
    from evidence_kit.core.objects import StoredObject

    draft = case.new_item("telegram", source="x", title="x")
    fake = StoredObject("0" * 64, 1, {"sha256": "1" * 64, "md5": "", "sha1": ""}, True)
    with pytest.raises(InputError, match="not in this case"):
        draft.add_stored(fake, role="export_json", name="result.json", mime="application/json")


def test_progress_and_on_item_callbacks(case: Case, tmp_path: Path) -> None:
    seen: list[str] = []
    progress: list[int] = []
    msgs = [{"id": i, "type": "message", "date": "2026-01-01T09:00:00", "date_unixtime": str(BASE_UNIX + i),
             "from": "x", "from_id": "u", "text": str(i)} for i in range(1, 451)]
    root = write_export(tmp_path / "e", {"name": "n", "type": "private_channel", "id": 1, "messages": msgs}, {})
    tg.import_telegram(case, root, progress=lambda d, t, m: progress.append(d),
                       on_item=lambda i: seen.append(i.exhibit))
    assert seen == [case.items()[0].exhibit] and progress == [200, 400]
