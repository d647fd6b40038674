# Shared by tools/run and tools/test: install what is missing, then build. Quiet when there is
# nothing to do; says what it installs when there is. Source it, then call setup_all.

WEBCHAT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WEBCHAT_BUILD=${WEBCHAT_BUILD:-$WEBCHAT_ROOT/build}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages named in tools/packages.apt that are not installed yet.
missing_apt_packages() {
  local package
  grep -vE '^\s*(#|$)' "$WEBCHAT_ROOT/tools/packages.apt" | while read -r package; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || echo "$package"
  done
}

install_apt_packages() {
  local missing
  missing=$(missing_apt_packages | tr '\n' ' ')
  [ -z "${missing// /}" ] && return 0
  echo "Installing Debian packages: $missing"
  as_root apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  keep_coturn_service_off
}

# The lab's tests start coturn themselves, in their own namespaces. Debian's service does not start
# without TURNSERVER_ENABLED under SysV init, but systemd starts it on install: stop and disable it.
keep_coturn_service_off() {
  if [ -d /run/systemd/system ] && systemctl is-enabled --quiet coturn 2>/dev/null; then
    as_root systemctl disable --now coturn >/dev/null 2>&1 || true
  fi
}

# npm packages, exactly as pinned in the lockfiles of the folders given (relative to the checkout):
# web (what web/assemble.mjs bundles into the page), tools/noble (the @noble fallback crypto with its
# bundler), tests/browser (the browser tests' drivers), tools/bench-peerjs (tools/bench-signal's
# comparison). The folders install side by side (npm ci is mostly waiting on the network).
install_npm_packages() {
  local folder dir stamp job failed=0
  local -a jobs=()
  for folder in "$@"; do
    dir="$WEBCHAT_ROOT/$folder"
    stamp="$dir/node_modules/.package-lock.json"
    if [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package-lock.json" ]; then continue; fi
    # This machine kind's nodejs bundles npm; Debian's own nodejs does not.
    command -v npm >/dev/null || { as_root apt-get update -qq && as_root apt-get install -y -qq npm >/dev/null; }
    echo "Installing npm packages from $folder/package-lock.json"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) &
    jobs+=($!)
  done
  for job in "${jobs[@]}"; do wait "$job" || failed=1; done
  return "$failed"
}

# Configures once (again when a -DNAME=VALUE given is not in the cache yet), then builds; shows the
# compiler's output only when the build fails.
build_all() {
  mkdir -p "$WEBCHAT_BUILD"
  local log="$WEBCHAT_BUILD/build.log" cache="$WEBCHAT_BUILD/CMakeCache.txt" setting
  if [ ! -f "$cache" ]; then
    cmake -S "$WEBCHAT_ROOT" -B "$WEBCHAT_BUILD" -DCMAKE_BUILD_TYPE=Release "$@" >"$log" 2>&1 || { cat "$log"; return 1; }
  fi
  for setting in "$@"; do
    setting=${setting#-D}
    grep -qxF "${setting%%=*}:${setting#*=}" <(sed 's/:[A-Z]*=/:/' "$cache") && continue
    cmake -B "$WEBCHAT_BUILD" "$@" >"$log" 2>&1 || { cat "$log"; return 1; }
    break
  done
  if ! cmake --build "$WEBCHAT_BUILD" -j"$(nproc)" >"$log" 2>&1; then
    cat "$log"
    echo "Build failed (log: $log)" >&2
    return 1
  fi
}

# The server once more with ASan+UBSan, in its own folder and only that target (tools/test runs the
# HTTP and load suites against it too). A unity build: Beast's headers are compiled once, not per file;
# line tables only, all that a sanitizer's report needs (full debug info cost a sixth more time).
# Clang (installed for the fuzzers), whose ASan ends each variable's scope on its own: GCC's missed the
# use after scope of #18's bug 2.
WEBCHAT_SANITIZED_BUILD=$WEBCHAT_BUILD/asan
build_sanitized_server() {
  mkdir -p "$WEBCHAT_SANITIZED_BUILD"
  local log="$WEBCHAT_SANITIZED_BUILD/build.log" compiler
  compiler=$(command -v clang++ || command -v clang++-14 || command -v c++)
  if [ ! -f "$WEBCHAT_SANITIZED_BUILD/CMakeCache.txt" ]; then
    cmake -S "$WEBCHAT_ROOT" -B "$WEBCHAT_SANITIZED_BUILD" -DWEBCHAT_SANITIZE=ON -DWEBCHAT_FUZZ=OFF \
      -DCMAKE_CXX_COMPILER="$compiler" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
      -DCMAKE_UNITY_BUILD=ON >"$log" 2>&1 || { cat "$log"; return 1; }
  fi
  if ! cmake --build "$WEBCHAT_SANITIZED_BUILD" --target webchat-server -j"$(nproc)" >"$log" 2>&1; then
    cat "$log"
    echo "Sanitized server build failed (log: $log)" >&2
    return 1
  fi
}

# What the build needs (the page's packages), then the build. Arguments: -DNAME=VALUE settings for it.
setup_all() {
  install_apt_packages && install_npm_packages web tools/noble && build_all "$@"
}
