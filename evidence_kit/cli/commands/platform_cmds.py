"""identify (platform of a URL), config (workstation settings: timestamp authorities, NTP) and
timestamp (RFC 3161 tokens for items and the ledger head)."""

from __future__ import annotations

import argparse
import sys
from typing import Any
from urllib.parse import urlsplit

from ...core.errors import EvidenceKitError, InputError
from ...core.platforms import identify
from ...core.settings import Settings
from ..common import add_json_flag, open_case, print_json


def register(sub: argparse._SubParsersAction) -> None:
    ident = sub.add_parser("identify", help="name the platform, kind, ids and canonical URL of a URL "
                                            "(nothing is fetched)")
    ident.add_argument("url")
    ident.add_argument("--redirect", action="append", default=[], metavar="URL",
                       help="a URL the link redirected to (repeat in order; the last is where it ended)")
    add_json_flag(ident)
    ident.set_defaults(handler=cmd_identify)

    cfg = sub.add_parser("config", help="workstation settings: timestamp authorities, NTP server")
    cfg_sub = cfg.add_subparsers(dest="config_command", metavar="ACTION")
    show = cfg_sub.add_parser("show", help="print the settings")
    add_json_flag(show)
    show.set_defaults(handler=cmd_config_show)
    tsa = cfg_sub.add_parser("tsa", help="RFC 3161 timestamp authorities (none by default)")
    tsa_sub = tsa.add_subparsers(dest="tsa_command", metavar="ACTION")
    tsa_add = tsa_sub.add_parser("add", help="add an authority URL")
    tsa_add.add_argument("url")
    tsa_add.set_defaults(handler=cmd_tsa_add)
    tsa_rm = tsa_sub.add_parser("remove", help="remove an authority URL")
    tsa_rm.add_argument("url")
    tsa_rm.set_defaults(handler=cmd_tsa_remove)
    tsa_ls = tsa_sub.add_parser("list", help="list the authorities")
    add_json_flag(tsa_ls)
    tsa_ls.set_defaults(handler=cmd_tsa_list)
    tsa.set_defaults(handler=lambda a: (tsa.print_help(), 2)[1])
    ntp = cfg_sub.add_parser("ntp", help="the NTP server whose clock offset is recorded with each capture")
    group = ntp.add_mutually_exclusive_group(required=True)
    group.add_argument("server", nargs="?", help="host or host:port")
    group.add_argument("--off", action="store_true", help="stop measuring the clock offset")
    ntp.add_argument("--check", action="store_true", help="measure the offset now")
    ntp.set_defaults(handler=cmd_ntp)
    cfg.set_defaults(handler=lambda a: (cfg.print_help(), 2)[1])

    stamp = sub.add_parser("timestamp", help="get RFC 3161 timestamps for items and the ledger head now")
    stamp.add_argument("items", nargs="*", metavar="ITEM", help="exhibit numbers (E0001 or the full form)")
    stamp.add_argument("--no-ledger", action="store_true", help="do not stamp the ledger head")
    stamp.add_argument("--list", action="store_true", help="list the tokens stored in the case (sends nothing)")
    stamp.add_argument("--ca", action="append", default=[], metavar="PEM",
                       help="with --list: a root certificate you trust; each token must chain to one")
    add_json_flag(stamp)
    stamp.set_defaults(handler=cmd_timestamp)


# -- identify -------------------------------------------------------------------------------
def cmd_identify(args: argparse.Namespace) -> int:
    info = identify(args.url, args.redirect)
    if args.json:
        data = info.to_json()
        print_json({k: data[k] for k in ("platform", "kind", "canonical_url", "ids", "handle")})
        return 0
    rows: list[tuple[str, str]] = [
        ("Platform / 플랫폼", info.platform or "(unknown site / 알 수 없는 사이트)"),
        ("Kind / 종류", info.kind or "-"),
        ("Canonical URL / 정규 URL", info.canonical_url),
    ]
    if info.handle:
        rows.append(("Handle / 핸들", info.handle))
    for key, value in info.ids.items():
        rows.append((key, value))
    width = max(_display_width(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key}{' ' * (width - _display_width(key))}  {value}")
    return 0


def _display_width(text: str) -> int:
    """Columns a terminal uses: Korean (East Asian wide) characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


# -- config ---------------------------------------------------------------------------------
def _check_http_url(url: str, what: str) -> str:
    url = url.strip()
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        _ = parts.port
    except ValueError:
        ok = False
    if not ok:
        raise InputError(f"{url!r} is not an http(s) URL for a {what}. / 올바른 http(s) 주소가 아닙니다.")
    return url


def _settings_json(s: Settings) -> dict[str, Any]:
    return {"tsa_urls": s.tsa_urls, "ntp_server": s.ntp_server, "language": s.language, "proxy": s.proxy,
            "user_agent": s.user_agent, "persona": s.persona, "capture_timeout_s": s.capture_timeout_s,
            "render_timeout_s": s.render_timeout_s, "max_response_bytes": s.max_response_bytes,
            "max_embedded_media": s.max_embedded_media, "max_embedded_media_bytes": s.max_embedded_media_bytes,
            "max_screenshot_height": s.max_screenshot_height, "allow_invalid_tls": s.allow_invalid_tls,
            "recent_cases": s.recent_cases, "path": str(Settings.path())}


def cmd_config_show(args: argparse.Namespace) -> int:
    data = _settings_json(Settings.load())
    if args.json:
        print_json(data)
        return 0
    labels = {
        "tsa_urls": "Timestamp authorities / 타임스탬프 기관", "ntp_server": "NTP server / NTP 서버",
        "language": "Language / 언어", "proxy": "Proxy / 프록시", "user_agent": "User agent / 사용자 에이전트",
        "persona": "Browser profile / 브라우저 프로필", "capture_timeout_s": "Capture time limit (s) / 수집 제한 시간",
        "render_timeout_s": "Rendering time limit (s) / 렌더링 제한 시간",
        "max_response_bytes": "Largest response (bytes) / 최대 응답 크기",
        "max_embedded_media": "Embedded media, most items / 포함 미디어 최대 개수",
        "max_embedded_media_bytes": "Embedded media, most bytes / 포함 미디어 최대 크기",
        "max_screenshot_height": "Screenshot height limit (px) / 스크린샷 최대 높이",
        "allow_invalid_tls": "Capture despite TLS errors / TLS 오류 무시", "recent_cases": "Recent cases / 최근 사건",
        "path": "Settings file / 설정 파일",
    }
    rows = []
    for key, value in data.items():
        if isinstance(value, bool):
            value = "yes / 예" if value else "no / 아니오"
        elif isinstance(value, list):
            value = ", ".join(value) if value else "(none / 없음)"
        elif value == "":
            value = "(not set / 미설정)"
        rows.append((labels.get(key, key), str(value)))
    width = max(_display_width(k) for k, _ in rows)
    for label, value in rows:
        print(f"{label}{' ' * (width - _display_width(label))}  {value}")
    return 0


def cmd_tsa_add(args: argparse.Namespace) -> int:
    url = _check_http_url(args.url, "timestamp authority")
    s = Settings.load()
    if url in s.tsa_urls:
        print(f"Already configured: {url} / 이미 설정되어 있습니다.")
        return 0
    s.tsa_urls.append(url)
    s.save()
    print(f"Added timestamp authority {url} / 타임스탬프 기관을 추가했습니다.")
    if url.startswith("http://"):
        print("Note: plain http is normal for RFC 3161 (tokens are signed), but the authority sees "
              "which hashes you stamp. / 참고: 기관은 스탬프할 해시값을 보게 됩니다.", file=sys.stderr)
    return 0


def cmd_tsa_remove(args: argparse.Namespace) -> int:
    s = Settings.load()
    url = args.url.strip()
    if url not in s.tsa_urls:
        raise InputError(f"{url!r} is not a configured timestamp authority. / 설정된 기관이 아닙니다.")
    s.tsa_urls = [u for u in s.tsa_urls if u != url]
    s.save()
    print(f"Removed timestamp authority {url} / 타임스탬프 기관을 삭제했습니다.")
    return 0


def cmd_tsa_list(args: argparse.Namespace) -> int:
    urls = Settings.load().tsa_urls
    if args.json:
        print_json(urls)
    elif not urls:
        print("No timestamp authority configured; nothing is stamped. / 설정된 타임스탬프 기관이 없습니다.")
    else:
        for u in urls:
            print(u)
    return 0


def cmd_ntp(args: argparse.Namespace) -> int:
    s = Settings.load()
    if args.off:
        s.ntp_server = ""
        s.save()
        print("Clock offset measurement is off. / 시계 오차 측정을 끕니다.")
        return 0
    server = args.server.strip()
    from ...core.clock import split_server

    try:
        host, _port = split_server(server)
    except ValueError:
        host = ""
    if not host or any(c.isspace() or c in "/@" for c in host):
        raise InputError(f"{server!r} is not a host name or host:port. / NTP 서버 주소가 올바르지 않습니다.")
    s.ntp_server = server
    s.save()
    print(f"NTP server set to {server} / NTP 서버를 설정했습니다.")
    if args.check:
        from ...core.clock import measure_offset

        reading = measure_offset(server)
        if not reading.ok:
            print(f"evidence-kit: {reading.error}", file=sys.stderr)
            return 1
        print(f"Offset / 오차: {reading.offset_s} s (delay / 지연 {reading.delay_s} s, stratum {reading.stratum})")
    return 0


# -- timestamp ------------------------------------------------------------------------------
def cmd_timestamp(args: argparse.Namespace) -> int:
    from ...core.timestamps import StampResult, stamp_item, stamp_ledger_head

    if args.list:
        return _list_tokens(args)
    if not Settings.load().tsa_urls:
        raise InputError("No timestamp authority is configured: add one with `evidence-kit config tsa add URL`. / "
                         "타임스탬프 기관이 설정되지 않았습니다.")
    if args.no_ledger and not args.items:
        raise InputError("Nothing to stamp: name items or leave out --no-ledger. / 스탬프할 대상이 없습니다.")
    results: list[tuple[str, StampResult]] = []
    with open_case(args) as case:
        items = [case.item(ref) for ref in args.items]  # all found before anything is sent
        for item in items:
            results.append((item.exhibit, stamp_item(case, item)))
        if not args.no_ledger:
            seq, _ = case.ledger_head()
            results.append((f"ledger #{seq}", stamp_ledger_head(case)))
    failed = [subject for subject, r in results if not r]
    if args.json:
        print_json([{"subject": subject, "tokens": [t.to_json() for t in r],
                     "failures": [{"tsa_url": f.tsa_url, "error": f.message} for f in r.failures]}
                    for subject, r in results])
    else:
        for subject, r in results:
            for t in r:
                print(f"{subject}: stamped by {t.tsa_url} at {t.gen_time} (serial {t.serial}) / 타임스탬프 완료")
            for f in r.failures:
                print(f"evidence-kit: {subject}: {f.message}", file=sys.stderr)
    if failed:
        raise _StampFailed(f"No timestamp was obtained for {', '.join(failed)}; the failure is recorded in the "
                           "custody ledger. / 타임스탬프를 받지 못했습니다.")
    return 0


def _list_tokens(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ...core.timestamps import timestamps, verify_token

    roots: list[bytes] = []
    for name in args.ca:
        try:
            roots.append(Path(name).read_bytes())
        except OSError as exc:
            raise InputError(f"Cannot read {name}: {exc.strerror}. / 인증서 파일을 읽을 수 없습니다.") from None
        if b"-----BEGIN CERTIFICATE-----" not in roots[-1]:
            raise InputError(f"{name} is not a PEM certificate file. / PEM 인증서 파일이 아닙니다.")
    with open_case(args) as case:
        records = timestamps(case)
        if args.items:
            wanted = {case.item(ref).exhibit for ref in args.items}
            records = [r for r in records if r.subject in wanted]
    rows = []
    for r in records:
        check = verify_token(r.token, bytes.fromhex(r.digest), r.tsa_certs, digest_alg=r.digest_alg,
                             trust_roots=roots or None)
        rows.append({**r.to_json(), "token_ok": 1 if check.ok else 0, "check": check.message,
                     "chain": list(check.chain), "trusted": check.trusted})
    if args.json:
        print_json(rows)
        return 1 if any(not row["token_ok"] for row in rows) else 0
    if not rows:
        print("No timestamp tokens in this case. / 타임스탬프 토큰이 없습니다.")
    bad = [row for row in rows if not row["token_ok"]]
    for row in rows:
        subject = row["subject"] if row["subject_kind"] == "item" else f"ledger #{row['subject']}"
        status = "ok" if row["token_ok"] else f"INVALID: {row['check']}"
        print(f"#{row['id']}  {subject}  {row['gen_time']}  {row['tsa_url']}  serial {row['serial']}  {status}")
    return 1 if bad else 0


class _StampFailed(EvidenceKitError):
    exit_code = 1
