#!/usr/bin/env bash
# Run every atheris fuzz target for a bounded time (default 60 s each), seeded from the test
# fixtures. Not part of CI (coverage-guided fuzzing needs minutes, not seconds); the figures
# go into docs/reliability.md. Hypothesis-based fuzz tests of the same parsers run in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
.venv/bin/python -m pip install -q atheris
mkdir -p fuzz/corpus/{exif,identify,keyslots,telegram,warc,bundle,tsp} fuzz/crashes
cp -n tests/fixtures/exif/* fuzz/corpus/exif/ 2>/dev/null || true
cp -n tests/fixtures/telegram/*.json fuzz/corpus/telegram/ 2>/dev/null || true
printf 'https://t.me/c/1234567890/55' > fuzz/corpus/identify/seed1
printf 'https://x.com/someone/status/1850000000000000000/photo/1' > fuzz/corpus/identify/seed2
# A real TimeStampResp and token from the test authority (digest: SHA-256 of "hello").
.venv/bin/python -c '
import hashlib, sys
from pathlib import Path
from tests.tsa_testing import build_response, shared_authority
from evidence_kit.core.timestamps import build_request, parse_response
d = hashlib.sha256(b"hello").digest()
resp = build_response(shared_authority(), build_request(d, 12345))
Path("fuzz/corpus/tsp/response").write_bytes(resp)
Path("fuzz/corpus/tsp/token").write_bytes(parse_response(resp, d, 12345).token)
'
for t in exif identify keyslots telegram warc bundle tsp; do
  echo "== $t (${SECONDS_PER_TARGET}s)"
  .venv/bin/python fuzz/targets.py "$t" "fuzz/corpus/$t" -max_total_time="$SECONDS_PER_TARGET" \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="fuzz/crashes/$t-" -print_final_stats=1 2>&1 \
    | grep -E "stat::number_of_executed_units|stat::peak_rss_mb|ERROR|Exception|DEDUP|#[0-9]+ *DONE" || true
done
