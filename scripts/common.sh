# Shared by scripts/demo and scripts/test: installs what a bare Debian 12 lacks, then configures and
# builds. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${INGOT_BUILD_DIR:-$ROOT/build}"
VENV="$ROOT/.venv"
# Lets ccache reuse objects between checkouts in different folders.
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  python3 python3-venv python3-dev
  libhwy-dev libopenblas-dev libdnnl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libflatbuffers-dev flatbuffers-compiler nlohmann-json3-dev libcli11-dev libpcre2-dev liblapacke-dev libkissfft-dev
  graphviz chromium chromium-driver openmpi-bin libopenmpi-dev
  clang-14 libclang-rt-14-dev  # scripts/fuzz: libFuzzer and the sanitizers' runtimes
)
# The package's build tools (installed so that builds need no isolated environment), its dependencies,
# and the peers the tests compare against (the language-model tests: transformers on torch's CPU build,
# and tokenizers; gguf, ggml's package, for the GGUF files of the io tests); selenium drives Debian's chromium
# for the test of `ingot view`'s page.
PIP_PACKAGES=(numpy ml_dtypes pytest pytest-timeout hypothesis safetensors "scikit-build-core>=0.11" "nanobind>=2.4"
  "mlx[cpu]==0.32.4" "torch==2.13.0" transformers tokenizers selenium gguf)

log() { printf '\n== %s\n' "$*"; }

install_system_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
  fi
}

setup_venv() {
  if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating the virtual environment in .venv"
    python3 -m venv "$VENV"
  fi
  if ! "$VENV/bin/python" -c "import numpy, ml_dtypes, pytest, pytest_timeout, hypothesis, safetensors, scikit_build_core, nanobind, mlx.core, torch, transformers, tokenizers, selenium, gguf" 2>/dev/null; then
    log "installing Python packages: ${PIP_PACKAGES[*]}"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet "${PIP_PACKAGES[@]}"
  fi
}

# configure_and_build DIR [cmake options]. Debian's cmake serves on a bare machine; any cmake >= 3.25
# on the PATH works too.
configure_and_build() {
  local dir="$1"
  shift
  log "configuring and building in ${dir#$ROOT/}"
  cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j "$(nproc)"
}

# Builds the extension and installs the package into the virtual environment, editable: Python sources
# are used in place, and the compiled part is rebuilt incrementally in build-python/.
install_python_package() {
  log "building and installing the Python package (pip install -e .)"
  "$VENV/bin/python" -m pip install --quiet --no-build-isolation -e "$ROOT"
}
