#!/bin/sh
# Put Evidence Kit in the application menu (run from the unpacked folder).
#
#   ./install.sh              for the current user (~/.local), no root needed
#   sudo ./install.sh --system for every user (/usr/local)
#   ./install.sh --uninstall  (or --system --uninstall) removes the menu entry, icons and link
#
# The application itself stays where it was unpacked (e.g. /opt/evidence-kit-VERSION); this script
# only adds a menu entry, icons and an `evidence-kit` command on the PATH.
set -eu
APP_DIR=$(cd "$(dirname "$0")" && pwd)
PREFIX="$HOME/.local"
UNINSTALL=0
for arg in "$@"; do
  case "$arg" in
    --system) PREFIX=/usr/local ;;
    --uninstall) UNINSTALL=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done
APPS="$PREFIX/share/applications"
ICONS="$PREFIX/share/icons/hicolor"
BIN="$PREFIX/bin"
SIZES="16 24 32 48 64 128 256 512"

if [ "$UNINSTALL" = 1 ]; then
  rm -f "$APPS/evidence-kit.desktop" "$ICONS/scalable/apps/evidence-kit.svg" "$BIN/evidence-kit"
  for s in $SIZES; do rm -f "$ICONS/${s}x${s}/apps/evidence-kit.png"; done
  echo "Removed the Evidence Kit menu entry, icons and command from $PREFIX."
  exit 0
fi

[ -x "$APP_DIR/evidence-kit" ] || { echo "Run this script from the unpacked Evidence Kit folder." >&2; exit 1; }
mkdir -p "$APPS" "$ICONS/scalable/apps" "$BIN"
for s in $SIZES; do
  mkdir -p "$ICONS/${s}x${s}/apps"
  cp "$APP_DIR/share/icons/evidence-kit-$s.png" "$ICONS/${s}x${s}/apps/evidence-kit.png"
done
cp "$APP_DIR/share/icons/evidence-kit.svg" "$ICONS/scalable/apps/evidence-kit.svg"
# Absolute paths, so the entry works wherever the folder was unpacked; the path is quoted
# per the Desktop Entry specification in case it contains spaces.
sed -e "s|^Exec=.*|Exec=\"$APP_DIR/evidence-kit\"|" -e "s|^TryExec=.*|TryExec=$APP_DIR/evidence-kit|" \
  "$APP_DIR/share/evidence-kit.desktop" > "$APPS/evidence-kit.desktop"
ln -sf "$APP_DIR/evidence-kit" "$BIN/evidence-kit"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$APPS" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$ICONS" 2>/dev/null || true
echo "Evidence Kit is in the application menu; \`evidence-kit\` runs it from a terminal ($BIN)."
