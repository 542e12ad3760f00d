#!/usr/bin/env bash
# System tools llmaccel needs before `make test` (or `make demo`) can run; installs what is missing.
#
#   scripts/setup-system.sh        everything the test suite needs (the default; `make test`, .ci/run)
#   scripts/setup-system.sh core   only a Python >= 3.11 that can make a venv (`make demo`, `make install`)
#
# On Debian/Ubuntu it installs the missing packages with apt-get, as root or through `sudo -n`
# (never prompts). Where it cannot, it installs nothing, prints ONE message naming what is missing
# and the exact command to install it, and exits 1 -- before any test runs.
# Environment: PYTHON (default python3) is the interpreter the Makefile will build .venv from.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
cd "$(dirname "$0")/.."

scope=${1:-test}
case "$scope" in
  core | test) ;;
  *) echo "setup-system: unknown scope '$scope'; allowed: core, test" >&2; exit 2 ;;
esac
py=${PYTHON:-python3}

have() { command -v "$1" >/dev/null 2>&1; }

py_ver() { "$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")' 2>/dev/null; }

py_ok() { "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1; }

venv_ok() {  # Debian splits `python3 -m venv` into python3.X-venv; an existing .venv needs nothing
  [ -x .venv/bin/python ] && return 0
  local probe rc
  probe=$(mktemp -d)
  rc=0
  "$py" -m venv "$probe/v" >/dev/null 2>&1 || rc=$?
  rm -rf "$probe"
  return $rc
}

libpython_ok() {  # cocotb loads libpython as a shared library (Debian ships it separately)
  "$py" - <<'PY' >/dev/null 2>&1
import glob, os, sys, sysconfig
pat = f"libpython{sys.version_info[0]}.{sys.version_info[1]}*.so*"
dirs = [sysconfig.get_config_var(v) or "" for v in ("LIBDIR", "LIBPL")] + ["/usr/lib", "/usr/lib/*"]
sys.exit(0 if any(glob.glob(os.path.join(d, pat)) for d in dirs if d) else 1)
PY
}

chromium_pkg() {  # Debian calls it chromium; older Ubuntu only has chromium-browser
  if have apt-cache && ! apt-cache show chromium >/dev/null 2>&1 && apt-cache show chromium-browser >/dev/null 2>&1; then
    echo chromium-browser
  else
    echo chromium
  fi
}

# Fill the arrays `missing` (what a person reads) and `pkgs` (Debian package names).
check() {
  missing=()
  pkgs=()
  if ! py_ok; then
    missing+=("Python >= 3.11 ($py)")
    pkgs+=(python3)
  else
    local ver
    ver=$(py_ver)
    venv_ok || { missing+=("python venv module"); pkgs+=("python${ver}-venv"); }
    if [ "$scope" = test ]; then
      libpython_ok || { missing+=("libpython${ver} shared library"); pkgs+=("libpython${ver}"); }
    fi
  fi
  [ "$scope" = test ] || return 0
  local entry cmd pkg what
  for entry in "iverilog:iverilog:Icarus Verilog" "g++:g++:C++ compiler" "make:make:make" "perl:perl:perl" \
    "ccache:ccache:ccache"; do
    cmd=${entry%%:*}; rest=${entry#*:}; pkg=${rest%%:*}; what=${rest#*:}
    have "$cmd" || { missing+=("$what ($cmd)"); pkgs+=("$pkg"); }
  done
  if ! have chromium && ! have chromium-browser; then
    missing+=("Chromium (chromium)")
    pkgs+=("$(chromium_pkg)")
  fi
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

can_install() {  # apt-get present and root, or passwordless sudo
  have apt-get || return 1
  [ "$(id -u)" -eq 0 ] && return 0
  have sudo && sudo -n true >/dev/null 2>&1
}

give_up() {
  local how="sudo apt-get install -y --no-install-recommends ${pkgs[*]}"
  local why="not root and sudo cannot run without a password"
  have apt-get || { why="no apt-get on this machine"; how="on Debian/Ubuntu: $how; elsewhere use your package manager"; }
  [ -n "${1:-}" ] && why=$1
  {
    echo "setup-system: missing: $(IFS=,; echo "${missing[*]}" | sed 's/,/, /g'); cannot install them ($why)."
    echo "  Install them with:  $how"
    echo "  then run the command again. No test was run."
  } >&2
  exit 1
}

check
[ "${#missing[@]}" -eq 0 ] && exit 0
can_install || give_up
echo "setup-system: installing ${pkgs[*]} with apt-get" >&2
as_root apt-get update -q >&2 || give_up "apt-get update failed"
as_root apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2 || give_up "apt-get install failed"
hash -r
check
[ "${#missing[@]}" -eq 0 ] || give_up "still missing after apt-get install"
