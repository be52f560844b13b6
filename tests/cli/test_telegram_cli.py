"""CLI: import-telegram, show/list with Telegram messages and hash-list flags, similar, hashlist."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from evidence_kit.core.case import Case
from tests.conftest import CASE_NUMBER, FIXTURES
from tests.tg_builders import photo_bytes, private_supergroup, public_channel

Cli = Callable[..., tuple[int, str, str]]


def test_import_show_list_cite(cli: Cli, case: Case, tmp_path: Path) -> None:
    root = public_channel(tmp_path / "e")
    code, out, err = cli("import-telegram", str(root), "--public-name", "deepfake_room", "--json", case=case.path)
    assert code == 0, err
    data = json.loads(out)
    assert not data["partial"] and data["chats"][0]["messages"] == 28
    exhibit = data["items"][0]["exhibit"]
    code, out, _ = cli("show", exhibit, "--json", case=case.path)
    shown = json.loads(out)
    msgs = shown["telegram"]["messages"]
    assert len(msgs) == 28 and msgs[1]["link"] == "https://t.me/deepfake_room/2"
    assert shown["telegram"]["chat"]["type"] == "public_channel"
    code, out, _ = cli("show", exhibit, case=case.path)
    assert code == 0 and "Chat       Deepfake Room (public_channel" in out
    code, out, _ = cli("telegram", "cite", exhibit, "6", "4", case=case.path)
    assert code == 0 and out.index("#4") < out.index("#6") and "https://t.me/deepfake_room/6" in out
    code, out, _ = cli("telegram", "messages", exhibit, "--search", "forwarded", case=case.path)
    assert code == 0 and out.count("\n") == 1 and out.startswith("#5")
    code, _, err = cli("telegram", "cite", exhibit, "999", case=case.path)
    assert code != 0 and "no message" in err


def test_import_text_output_and_partial_exit_code(cli: Cli, case: Case) -> None:
    code, out, err = cli("import-telegram", str(FIXTURES / "telegram" / "tkonverter_synthetic_result.json"),
                         case=case.path)
    assert code == 1 and "PARTIAL" in out and "missing" in err and "일부만" in err
    code, out, _ = cli("import-telegram", str(FIXTURES / "telegram" / "tg2md_private_channel"), "--utc-offset",
                       "+03:00", case=case.path)
    assert code == 0 and "private_channel" in out
    assert "2020-11-12T09:54:07Z" in cli("show", "E0002", "--json", case=case.path)[1]


def test_import_errors_exit_non_zero(cli: Cli, case: Case, tmp_path: Path) -> None:
    root = private_supergroup(tmp_path / "e")
    (root / "result.json").write_bytes((root / "result.json").read_bytes()[:50])
    code, _, err = cli("import-telegram", str(root), case=case.path)
    assert code == 2 and "cut short" in err and "Traceback" not in err
    code, _, err = cli("import-telegram", str(root), "--utc-offset", "nine", case=case.path)
    assert code == 2 and "UTC offset" in err
    code, _, err = cli("import-telegram", str(root), "--public-name", "bad name", case=case.path)
    assert code == 2
    code, out, err = cli("import-telegram", str(root), "--allow-partial", "--json", case=case.path)
    assert code == 1 and json.loads(out)["partial"] is True


def test_similar_and_hashlists(cli: Cli, case: Case, tmp_path: Path) -> None:
    img = photo_bytes(91, (480, 360))
    (tmp_path / "a.jpg").write_bytes(img)
    import io

    from PIL import Image

    small = io.BytesIO()
    Image.open(io.BytesIO(img)).resize((240, 180)).save(small, "JPEG", quality=50)
    (tmp_path / "b.jpg").write_bytes(small.getvalue())
    assert cli("ingest", str(tmp_path / "a.jpg"), str(tmp_path / "b.jpg"), case=case.path)[0] == 0
    code, out, _ = cli("similar", "--json", case=case.path)
    groups = json.loads(out)["groups"]
    assert code == 0 and len(groups) == 1 and groups[0]["exhibits"] == [f"{CASE_NUMBER}-E0001", f"{CASE_NUMBER}-E0002"]
    code, out, _ = cli("similar", "--threshold", "0", case=case.path)
    assert code == 0
    code, _, err = cli("similar", "--threshold", "300", case=case.path)
    assert code == 2 and "between 0 and 64" in err

    lst = tmp_path / "known.csv"
    lst.write_text(f"sha256,label\n{hashlib.sha256(img).hexdigest()},victim B\n", "utf-8")
    code, out, _ = cli("hashlist", "import", str(lst), "--source", "KCSC", case=case.path)
    assert code == 0 and "Imported list 1" in out and "MATCH" in out and "[victim B]" in out
    code, out, _ = cli("list", case=case.path)
    assert "[known: victim B]" in out.splitlines()[0] and "known" not in out.splitlines()[1]
    code, out, _ = cli("list", "--json", case=case.path)
    assert json.loads(out)[0]["flags"] == ["known: victim B"]
    code, out, _ = cli("show", "E0001", "--json", case=case.path)
    assert json.loads(out)["hashlist_matches"][0]["label"] == "victim B"
    code, out, _ = cli("show", "E0001", case=case.path)
    assert "KNOWN" in out
    code, out, _ = cli("hashlist", "list", "--json", case=case.path)
    assert json.loads(out)[0]["source"] == "KCSC"
    code, out, _ = cli("hashlist", "match", case=case.path)
    assert code == 0 and "0 new match(es), 1 in all" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("md5\nnothex\n", "utf-8")
    code, _, err = cli("hashlist", "import", str(bad), case=case.path)
    assert code == 2 and "line 2" in err
    dest = tmp_path / "out.json"
    code, out, _ = cli("hashlist", "export", "--out", str(dest), "--format", "json", "--item", "E0002",
                       case=case.path)
    assert code == 0 and [e["exhibit"] for e in json.loads(dest.read_text())["entries"]] == [f"{CASE_NUMBER}-E0002"]
    assert cli("verify", case=case.path)[0] == 0
