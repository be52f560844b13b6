# dmgbuild settings: the macOS disk image of Evidence Kit (drag the app onto Applications).
#
#   pip install dmgbuild
#   dmgbuild -s packaging/macos/dmg-settings.py -D app="dist/Evidence Kit.app" "Evidence Kit" \
#            "dist/evidence-kit-$VERSION-macos-$(uname -m).dmg"
#
# The version shown in the window comes from the app's Info.plist (CFBundleShortVersionString),
# which the PyInstaller spec fills from evidence_kit.__version__. dmgbuild runs this file with a
# `defines` dict holding the -D values.
import os.path
import plistlib

application = defines.get("app", "dist/Evidence Kit.app")  # noqa: F821 - provided by dmgbuild
app_name = os.path.basename(application)
with open(os.path.join(application, "Contents", "Info.plist"), "rb") as f:
    version = plistlib.load(f)["CFBundleShortVersionString"]

volume_name = f"Evidence Kit {version}"
format = "UDZO"  # compressed, read-only
compression_level = 9
filesystem = "HFS+"
files = [application]
symlinks = {"Applications": "/Applications"}
badge_icon = os.path.join(os.path.dirname(os.path.abspath(application)), "..", "resources", "icons",
                          "evidence-kit.icns")
if not os.path.exists(badge_icon):
    badge_icon = None
icon_locations = {app_name: (150, 170), "Applications": (450, 170)}

# Window: icon view, no toolbars, the app on the left and Applications on the right.
background = "builtin-arrow"
show_status_bar = False
show_tab_view = False
show_toolbar = False
show_pathbar = False
show_sidebar = False
window_rect = ((200, 120), (600, 360))
default_view = "icon-view"
arrange_by = None
icon_size = 128
text_size = 13
include_icon_view_settings = True
include_list_view_settings = False
