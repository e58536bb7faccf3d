#!/bin/sh
# The system packages the tests need: what they read the calendar feed with, as calendar apps do —
# calcurse, and libical (Evolution, GNOME Calendar) through its GObject bindings for the system
# Python —, Chromium with its driver, which the phone pages are tapped through, and notify-send
# with a D-Bus daemon, which the desktop digest goes through. Debian and
# Ubuntu packages; only the missing ones are installed, with sudo unless run as root. Without
# apt-get it only says what to install: the tests that need them are then skipped (in CI they fail).
set -eu
set --
command -v calcurse >/dev/null 2>&1 || set -- "$@" calcurse
/usr/bin/python3 -c "import gi; gi.require_version('ICalGLib', '3.0')" >/dev/null 2>&1 ||
    set -- "$@" gir1.2-ical-3.0 python3-gi
[ -x /usr/bin/chromium ] || set -- "$@" chromium
[ -x /usr/bin/chromedriver ] || set -- "$@" chromium-driver
command -v notify-send >/dev/null 2>&1 || set -- "$@" libnotify-bin
command -v dbus-daemon >/dev/null 2>&1 || set -- "$@" dbus
if [ $# -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "system-deps.sh: no apt-get; for the calendar, browser and desktop tests install: $*" >&2
    exit 0
fi
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
install() { as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; }
install "$@" || { as_root apt-get update -q && install "$@"; }
