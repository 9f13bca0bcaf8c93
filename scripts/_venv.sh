# Sourced by scripts/demo and scripts/test (not run on its own): creates or reuses the virtualenv .venv in the
# repository and installs the project into it, skipping pip when nothing changed since the last install.
#
#   ensure_venv STAMP_NAME PIP_TARGET     e.g.  ensure_venv test '.[test]'
#
# On a fresh Debian 12, `python3 -m venv` fails until the python3-venv package is installed; it is installed with
# apt-get when we are root (or through sudo), otherwise the exact command is printed and we exit 1.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv"
APT_PACKAGES="python3 python3-venv"

_say() { printf '%s\n' "$*" >&2; }

_find_python() {
    local candidate
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

_apt_install() {
    local runner=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            runner=(sudo)
        else
            _say "error: Python 3.11 with its venv module is needed. As root, run this, then run this script again:"
            _say "    apt-get update && apt-get install -y $APT_PACKAGES"
            exit 1
        fi
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        _say "error: Python 3.11+ with its venv module is needed, and this is not a Debian-like system (no apt-get)."
        exit 1
    fi
    _say "Installing $APT_PACKAGES with apt-get (Debian packages Python's venv module separately)..."
    "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $APT_PACKAGES >/dev/null
}

_venv_usable() {
    [ -x "$VENV/bin/python" ] &&
        "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null &&
        "$VENV/bin/python" -m pip --version >/dev/null 2>&1
}

_create_venv() {
    local python
    if ! python="$(_find_python)"; then
        _apt_install
        python="$(_find_python)" || { _say "error: no Python 3.11 or newer found (python3 --version)"; exit 1; }
    fi
    rm -rf "$VENV"
    _say "Creating the virtualenv .venv with $python..."
    if ! "$python" -m venv "$VENV" >/dev/null 2>&1; then
        # Debian: ensurepip is missing until python3-venv is installed; the half-made folder must go
        rm -rf "$VENV"
        _apt_install
        "$python" -m venv "$VENV"
    fi
}

ensure_venv() {
    local stamp="$VENV/.installed-$1" target="$2"
    if ! _venv_usable; then
        _create_venv
    fi
    if [ -f "$stamp" ] && [ "$stamp" -nt "$REPO/setup.cfg" ] && [ "$stamp" -nt "$REPO/pyproject.toml" ]; then
        return 0
    fi
    _say "Installing the project into .venv (pip install -e '$target')..."
    (
        cd "$REPO"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$target"
    )
    touch "$stamp"
}
