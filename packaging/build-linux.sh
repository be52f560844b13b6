#!/usr/bin/env bash
# Build the Linux one-folder application, archive it, and smoke-test the archive.
#
#   packaging/build-linux.sh              build + archive + smoke test
#   packaging/build-linux.sh --no-smoke   build + archive only
#   packaging/build-linux.sh --measure    also build once without pruning and print both sizes
#   packaging/build-linux.sh --clean      start from a fresh build venv
#
# Output: dist/evidence-kit/ (the app), dist/evidence-kit-<version>-linux-<arch>.tar.gz and its
# .sha256, dist/build-info.json (sizes, timings). The build venv (build/venv-linux) is created
# here from packaging/constraints.txt, so the build does not depend on what else is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SMOKE=1 MEASURE=0 CLEAN=0
for arg in "$@"; do
  case "$arg" in
    --no-smoke) SMOKE=0 ;;
    --measure) MEASURE=1 ;;
    --clean) CLEAN=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

PYTHON=${PYTHON:-python3}
VENV=build/venv-linux
ARCH=$(uname -m)
step() { printf '\n== %s\n' "$*"; }

if [ "$CLEAN" = 1 ]; then rm -rf "$VENV"; fi
if [ ! -x "$VENV/bin/python" ]; then
  step "Creating the build venv ($VENV)"
  "$PYTHON" -m venv "$VENV"
fi
step "Installing pinned dependencies"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -c packaging/constraints.txt -e '.[packaging]' 2>&1 \
  | { grep -v 'is ignored: it is neither a file nor a directory' || true; }

# The version comes from one place: evidence_kit.__version__.
VERSION=$("$VENV/bin/python" -c 'import evidence_kit; print(evidence_kit.__version__)')
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
NAME="evidence-kit-$VERSION-linux-$ARCH"
echo "Evidence Kit $VERSION for linux-$ARCH"

pyinstaller() {  # dist dir, work dir, extra env
  "$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath "$1" --workpath "$2" packaging/evidence-kit.spec
}

if [ "$MEASURE" = 1 ]; then
  step "Building once without pruning (for the size comparison)"
  rm -rf build/unpruned
  EK_NO_PRUNE=1 pyinstaller build/unpruned/dist build/unpruned/work
  UNPRUNED_BYTES=$(du -sb build/unpruned/dist/evidence-kit | cut -f1)
fi

step "Building the one-folder app (PyInstaller)"
started=$(date +%s)
rm -rf dist/evidence-kit
pyinstaller dist build/pyinstaller
BUILD_SECONDS=$(( $(date +%s) - started ))
APP=dist/evidence-kit

# Desktop integration shipped inside the folder; install.sh puts it in place for the user.
mkdir -p "$APP/share"
sed "s/@VERSION@/$VERSION/g" packaging/linux/evidence-kit.desktop > "$APP/share/evidence-kit.desktop"
cp -r resources/icons "$APP/share/icons"
install -m 0755 packaging/linux/install.sh "$APP/install.sh"
cp LICENSE* "$APP/" 2>/dev/null || true

step "Archiving"
rm -f "dist/$NAME.tar.gz" "dist/$NAME.tar.gz.sha256"
# Deterministic archive metadata: sorted names, fixed owner and times, no gzip timestamp.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    --transform "s,^evidence-kit,evidence-kit-$VERSION," -C dist -cf - evidence-kit \
  | gzip -n -6 > "dist/$NAME.tar.gz.part"
mv "dist/$NAME.tar.gz.part" "dist/$NAME.tar.gz"
(cd dist && sha256sum "$NAME.tar.gz" > "$NAME.tar.gz.sha256")

APP_BYTES=$(du -sb "$APP" | cut -f1)
ARCHIVE_BYTES=$(stat -c %s "dist/$NAME.tar.gz")
FILES=$(find "$APP" -type f | wc -l)
mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }
echo "app folder: $(mib "$APP_BYTES") in $FILES files; archive: $(mib "$ARCHIVE_BYTES"); build: ${BUILD_SECONDS}s"
if [ "$MEASURE" = 1 ]; then
  echo "without pruning: $(mib "$UNPRUNED_BYTES") -> with pruning: $(mib "$APP_BYTES")" \
       "($(awk -v a="$APP_BYTES" -v b="$UNPRUNED_BYTES" 'BEGIN { printf "%.2f", a / b }')x)"
fi

SMOKE_JSON=""
if [ "$SMOKE" = 1 ]; then
  step "Smoke test of the archive (extracted to a temporary folder)"
  where=$(mktemp -d)
  trap 'rm -rf "$where"' EXIT
  tar -C "$where" -xzf "dist/$NAME.tar.gz"
  SMOKE_RESULTS="$ROOT/dist/smoke-results.json" SMOKE_SCREENSHOT="$ROOT/dist/smoke-main-window.png" \
    packaging/smoke-test.sh "$where/evidence-kit-$VERSION/evidence-kit" "$VERSION"
  SMOKE_JSON="$ROOT/dist/smoke-results.json"
fi

"$VENV/bin/python" - "$VERSION" "$ARCH" "$APP_BYTES" "$FILES" "$ARCHIVE_BYTES" "$BUILD_SECONDS" \
    "${UNPRUNED_BYTES:-0}" "$SMOKE_JSON" > dist/build-info.json <<'EOF'
import json, sys
version, arch, app, files, archive, seconds, unpruned, smoke = sys.argv[1:]
info = {"version": version, "platform": f"linux-{arch}", "app_bytes": int(app), "files": int(files),
        "archive_bytes": int(archive), "build_seconds": int(seconds)}
if int(unpruned):
    info["unpruned_app_bytes"] = int(unpruned)
if smoke:
    info["smoke"] = json.load(open(smoke))
print(json.dumps(info, indent=2))
EOF
echo "dist/$NAME.tar.gz ready (details in dist/build-info.json)"
