# shellcheck shell=bash
# The system libraries Qt (PySide6) needs on a fresh Debian 12: installed when run as root with apt-get, else the
# exact command is printed. Sourced by scripts/demo (the window) and scripts/test (offscreen Qt tests).
QT_PACKAGES=(libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
    libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libegl1 libgl1 libfontconfig1 libdbus-1-3
    fonts-noto-cjk)

_qt_missing() {
    local package missing=()
    command -v dpkg-query >/dev/null 2>&1 || return 0 # not Debian: nothing to say
    for package in "${QT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    echo "${missing[*]}"
}

ensure_qt_system_libraries() {
    local missing
    missing="$(_qt_missing)"
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing the system libraries Qt needs: $missing" >&2
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >&2 ||
            { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >&2; }
    else
        echo "Qt needs system libraries that are not installed ($missing). Install them with:" >&2
        echo "  sudo apt-get install -y ${QT_PACKAGES[*]}" >&2
    fi
}
