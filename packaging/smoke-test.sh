#!/usr/bin/env bash
# Smoke test of a frozen Evidence Kit: packaging/smoke-test.sh PATH/TO/evidence-kit [EXPECTED_VERSION]
#
# Runs the packaged binary the way an investigator, a case officer and an auditor would:
# --version, selftest (resources, case store, QtWebEngine render + PDF), case init, ingest (with
# a Korean file name and a real JPEG), list, case verify, a wrong password, capture of a page on a
# local server, export + verify of the bundle (and of a tampered copy), and the GUI started
# offscreen, the case unlocked in its start window, until its main window is painted, then closed
# (3 runs; times until the start window and the main window are painted reported).
# Works on Linux, macOS and Windows (Git Bash). Everything happens in a temporary folder;
# the user's own settings are never touched. SMOKE_RESULTS=FILE writes the results as JSON;
# SMOKE_SCREENSHOT=FILE.png saves what the main window showed; SMOKE_GUI_RUNS (3) sets how many
# times the GUI is started for the timing.
set -uo pipefail

BIN=${1:?usage: smoke-test.sh PATH/TO/evidence-kit [EXPECTED_VERSION]}
EXPECTED_VERSION=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# An isolated profile: settings, logs and browser data go to the temporary folder.
export EVIDENCE_KIT_HOME="$WORK/home"
export QT_QPA_PLATFORM=offscreen
if [ "$(uname -s)" = Linux ] && [ "$(id -u)" = 0 ]; then
  export QTWEBENGINE_CHROMIUM_FLAGS="${QTWEBENGINE_CHROMIUM_FLAGS:-} --no-sandbox"  # Chromium refuses root otherwise
fi
unset EVIDENCE_KIT_CASE EVIDENCE_KIT_RESOURCES EVIDENCE_KIT_INSECURE_FAST_KDF
OFFICER=officer PASSWORD='smoke-test-passphrase-1'
export EVIDENCE_KIT_USER=$OFFICER EVIDENCE_KIT_PASSWORD=$PASSWORD

# A Python for the test's own helpers (not for the app): python3 on Linux/macOS, python on Windows.
PY=$(command -v python3 || command -v python || true)

FAILED=0 PASSED=0 SKIPPED=0
RESULTS=()
now_ns() {
  local t; t=$(date +%s%N 2>/dev/null)
  case "$t" in *N|"") "$PY" -c 'import time; print(time.time_ns())' ;; *) echo "$t" ;; esac
}
record() { RESULTS+=("{\"step\": \"$1\", \"result\": \"$2\", \"detail\": \"${3//\"/\'}\"}"); }
pass() { PASSED=$((PASSED + 1)); record "$1" pass "${2:-}"; echo "ok    $1${2:+: $2}"; }
skip() { SKIPPED=$((SKIPPED + 1)); record "$1" skip "$2"; echo "skip  $1: $2"; }
fail() {
  FAILED=$((FAILED + 1)); record "$1" fail "$2"; echo "FAIL  $1: $2"
  [ -s "$WORK/err" ] && sed 's/^/      | /' "$WORK/err" | tail -n 15
}
# run NAME EXPECTED_CODE ARGS...: runs the binary; stdout in $WORK/out, stderr in $WORK/err.
run() {
  local name=$1 expect=$2; shift 2
  "$BIN" "$@" >"$WORK/out" 2>"$WORK/err"
  local code=$?
  if grep -q "Traceback (most recent call last)" "$WORK/err" "$WORK/out"; then
    fail "$name" "a Python traceback reached the user (exit $code)"; return 1
  fi
  if [ "$code" != "$expect" ]; then
    fail "$name" "exit code $code, expected $expect"; return 1
  fi
  return 0
}

echo "Smoke test of $BIN"
[ -x "$BIN" ] || { echo "not an executable: $BIN" >&2; exit 2; }

# --- version --------------------------------------------------------------------------------
t0=$(now_ns)
if run "--version" 0 --version; then
  ms=$(( ($(now_ns) - t0) / 1000000 ))
  got=$(tr -d '\r' < "$WORK/out")
  if [ -n "$EXPECTED_VERSION" ] && [ "$got" != "evidence-kit $EXPECTED_VERSION" ]; then
    fail "--version" "printed '$got', expected 'evidence-kit $EXPECTED_VERSION'"
  else
    pass "--version" "$got (${ms} ms)"
  fi
fi

# --- selftest: resources, case store with the production KDF, QtWebEngine ----------------------
if run "selftest" 0 selftest; then
  pass "selftest" "$(tr -d '\r' < "$WORK/out" | grep -E '^(ok|FAIL)' | cut -c6- | paste -sd ';' -)"
else
  sed 's/^/      | /' "$WORK/out"
fi

# --- case life cycle ----------------------------------------------------------------------------
CASE="$WORK/case.ekcase"
mkdir -p "$WORK/in/채팅 내보내기"
printf 'Telegram 채널 게시물 — preserved by the smoke test\n' > "$WORK/in/채팅 내보내기/게시물 1.txt"
head -c 300000 /dev/urandom > "$WORK/in/video.bin"
JPEG=$(ls "$ROOT"/tests/fixtures/exif/*has-lens-info*.jpg 2>/dev/null | head -n 1)
[ -n "$JPEG" ] && cp "$JPEG" "$WORK/in/photo.jpg"
NFILES=$(find "$WORK/in" -type f | wc -l | tr -d ' ')

if run "case init" 0 case init "$CASE" --number "SMOKE-2026-0001" --title "스모크 테스트 사건" \
    --full-name "Kim Officer" --badge 12345 --agency "Seoul Metropolitan Police Agency"; then
  pass "case init" "$(tr -d '\r' < "$WORK/out" | head -n 1)"
fi
export EVIDENCE_KIT_CASE="$CASE"

if run "ingest" 0 ingest "$WORK/in" --note "smoke test" --tag smoke; then
  pass "ingest" "$NFILES files"
fi
if run "list" 0 list --json; then
  n=$(grep -c '"exhibit"' "$WORK/out" || true)
  if [ "$n" = "$NFILES" ]; then pass "list" "$n items"; else fail "list" "$n items listed, $NFILES ingested"; fi
fi
if run "case verify" 0 verify; then pass "case verify" "$(tr -d '\r' < "$WORK/out" | tail -n 1)"; fi
if EVIDENCE_KIT_PASSWORD=wrong-password run "wrong password" 3 list; then
  pass "wrong password" "$(tr -d '\r' < "$WORK/err" | head -n 1)"
fi

# --- web capture against a local server (WARC, screenshot, PDF, MHTML with QtWebEngine) -------
if "$BIN" capture --help >/dev/null 2>&1 && [ -n "$PY" ]; then
  mkdir -p "$WORK/site"
  printf '<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>스모크 테스트 페이지</title></head><body><h1>증거 보존 테스트</h1><p>Evidence Kit smoke test page.</p><img src="pixel.png" alt=""></body></html>\n' > "$WORK/site/page.html"
  [ -f "$ROOT/resources/icons/evidence-kit-64.png" ] && cp "$ROOT/resources/icons/evidence-kit-64.png" "$WORK/site/pixel.png"
  # A throwaway HTTP server on 127.0.0.1; it writes its port once it listens.
  cat > "$WORK/server.py" <<'EOF'
import functools, http.server, os, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
server.serve_forever()
EOF
  "$PY" "$WORK/server.py" "$WORK/site" "$WORK/port" >/dev/null 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
  PORT=$(cat "$WORK/port" 2>/dev/null)
  if [ -z "$PORT" ]; then
    fail "capture" "the local test server did not start"
  elif run "capture" 0 capture "http://127.0.0.1:$PORT/page.html" --json; then
    roles=$(grep -o '"role": "[a-z_]*"' "$WORK/out" | cut -d'"' -f4 | grep -v -x -E 'case_officer|investigator|auditor' \
      | sort -u | paste -sd ' ' -)
    case " $roles " in
      *" screenshot "*" warc "*) pass "capture" "web item with: $roles" ;;
      *) fail "capture" "artifacts: $roles (expected warc and screenshot)" ;;
    esac
  fi
  kill "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
else
  skip "capture" "this build has no capture command"
fi

# --- export and verify a bundle (once the export command exists) --------------------------------
if "$BIN" export --help >/dev/null 2>&1; then
  BUNDLE="$WORK/bundle.zip"
  if run "export" 0 export --out "$BUNDLE" --wacz; then
    if [ -s "$BUNDLE" ]; then pass "export" "$(wc -c < "$BUNDLE" | tr -d ' ') bytes"; else fail "export" "no bundle written"; fi
  fi
  if [ -s "$BUNDLE" ]; then
    # An auditor needs neither the case nor a password.
    unset EVIDENCE_KIT_CASE EVIDENCE_KIT_USER EVIDENCE_KIT_PASSWORD
    if run "verify bundle" 0 verify "$BUNDLE"; then
      pass "verify bundle" "$(tr -d '\r' < "$WORK/out" | tail -n 1)"
    fi
    # An auditor must be told when a bundle was changed: add a file to a copy of it.
    cp "$BUNDLE" "$WORK/tampered.zip"
    (cd "$WORK" && printf 'planted\n' > planted.txt && "$PY" - <<'EOF'
import zipfile
with zipfile.ZipFile("tampered.zip", "a") as z:
    z.write("planted.txt", "evidence/planted.txt")
EOF
    )
    "$BIN" verify "$WORK/tampered.zip" >"$WORK/out" 2>"$WORK/err"
    code=$?
    if [ "$code" != 0 ] && ! grep -q Traceback "$WORK/err"; then
      pass "verify tampered bundle" "refused (exit $code)"
    else
      fail "verify tampered bundle" "exit code $code for a bundle with a planted file"
    fi
    export EVIDENCE_KIT_CASE="$CASE" EVIDENCE_KIT_USER=$OFFICER EVIDENCE_KIT_PASSWORD=$PASSWORD
  fi
else
  skip "export" "this build has no export command yet"
  skip "verify bundle" "no bundle without the export command"
fi

# --- GUI: start offscreen, open the case, wait for the main window, close it ----------------
# The probe (evidence_kit/gui/smoke.py) reports when the first window (the start window) is
# painted, unlocks the case there as a user would, and reports when the main window is painted.
FIRST_MS=() MAIN_MS=()
# An outer limit too, in case the probe is not armed (then the app would simply keep running).
LIMIT=()
command -v timeout >/dev/null 2>&1 && LIMIT=(timeout 300)
gui_once() {
  ${LIMIT[@]+"${LIMIT[@]}"} env EVIDENCE_KIT_SMOKE_SCREENSHOT=${SMOKE_SCREENSHOT:-} EVIDENCE_KIT_SMOKE_EXIT_AFTER_SHOWN=1 EVIDENCE_KIT_SMOKE_CASE="$CASE" EVIDENCE_KIT_SMOKE_TIMEOUT_S=120 \
    EVIDENCE_KIT_SMOKE_T0_NS=$(now_ns) "$BIN" >"$WORK/out" 2>"$WORK/err"
  local code=$?
  grep -q "Traceback (most recent call last)" "$WORK/err" && return 99
  return $code
}
collect_ms() {
  FIRST_MS+=("$(sed -n 's/^evidence-kit smoke: first window .* after \([0-9]*\) ms.*/\1/p' "$WORK/out")")
  MAIN_MS+=("$(sed -n 's/^evidence-kit smoke: .* shown after \([0-9]*\) ms.*/\1/p' "$WORK/out")")
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
unset EVIDENCE_KIT_CASE
gui_once
code=$?
if [ "$code" = 2 ] && grep -q "not built yet" "$WORK/err"; then
  skip "GUI start" "this build has no desktop application yet"
elif [ "$code" = 0 ] && grep -q "^evidence-kit smoke: .* shown after " "$WORK/out"; then
  collect_ms
  window=$(sed -n 's/^evidence-kit smoke: \(.*\) shown after .*/\1/p' "$WORK/out")
  for _ in $(seq 2 "${SMOKE_GUI_RUNS:-3}"); do gui_once && collect_ms; done
  GUI_FIRST_MS=$(median "${FIRST_MS[@]}")
  GUI_MAIN_MS=$(median "${MAIN_MS[@]}")
  pass "GUI start" "start window painted after ${GUI_FIRST_MS} ms, $window with the case after ${GUI_MAIN_MS} ms (median of ${#MAIN_MS[@]}: ${MAIN_MS[*]} ms), closed cleanly"
else
  if [ "$code" = 124 ]; then
    fail "GUI start" "no report within 300 s: is smoke.install(app) called in evidence_kit/gui/app.py?"
  else
    fail "GUI start" "exit code $code, no main window reported"
  fi
  sed 's/^/      | /' "$WORK/out" | tail -n 5
fi

echo
echo "smoke test: $PASSED passed, $SKIPPED skipped, $FAILED failed"
if [ -n "${SMOKE_RESULTS:-}" ]; then
  {
    printf '{"passed": %d, "skipped": %d, "failed": %d, "gui_first_window_ms": %s, "gui_main_window_ms": %s, "steps": [' \
      "$PASSED" "$SKIPPED" "$FAILED" "${GUI_FIRST_MS:-null}" "${GUI_MAIN_MS:-null}"
    (IFS=,; printf '%s' "${RESULTS[*]}")
    printf ']}\n'
  } > "$SMOKE_RESULTS"
fi
[ "$FAILED" = 0 ]
