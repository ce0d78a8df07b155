#!/usr/bin/env bash
# Installs every system and Python package powershift needs (Debian packages and PyPI only).
# Idempotent: packages already present are skipped by apt/pip themselves.
# Usage: scripts/install-deps.sh [--no-python] [--no-cluster]
set -euo pipefail

want_python=1
want_cluster=1
for arg in "$@"; do
  case "$arg" in
    --no-python) want_python=0 ;;
    --no-cluster) want_cluster=0 ;;
    *) echo "install-deps.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

debian_packages=(
  build-essential cmake ninja-build pkg-config git
  libtbb-dev libeigen3-dev libyaml-cpp-dev libhdf5-dev hdf5-tools
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev librandom123-dev
  pybind11-dev netcdf-bin clang-format clang-tidy clang libclang-rt-14-dev bc
  chromium
)
if [ "$want_cluster" = 1 ]; then
  debian_packages+=(openmpi-bin libopenmpi-dev slurm-wlm munge)
fi

missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: Debian packages already installed"
fi

if [ "$want_python" = 1 ]; then
  # pybind11 (>= 2.12, for NumPy 2) and scikit-build-core build the bindings (CMake and
  # `pip install .`); nbclient, nbformat and ipykernel execute the notebooks in the tests; mypy's
  # stubtest checks the stub of powershift._core (tests/python/test_stubs.py). shapely draws the
  # maps, plotly (its JavaScript embedded), tabulate (pandas to_markdown) and tqdm make the
  # report; chromium (Debian, above) opens the HTML report in the tests.
  python_packages=(
    numpy scipy h5py xarray h5netcdf pandas matplotlib pytest jsonschema pyyaml
    "pybind11>=2.12" scikit-build-core nbclient nbformat ipykernel SALib "dask[distributed]" mypy
    properscoring scikit-learn shapely plotly tabulate tqdm
  )
  # mpi4py compiles against Open MPI (libopenmpi-dev, above): only with the cluster packages.
  python_imports="numpy, scipy, h5py, xarray, h5netcdf, pandas, matplotlib, pytest, jsonschema, yaml, pybind11, scikit_build_core, nbclient, nbformat, ipykernel, SALib, dask, distributed, mypy, properscoring, sklearn, shapely, plotly, tabulate, tqdm"
  if [ "$want_cluster" = 1 ]; then
    python_packages+=(mpi4py)
    python_imports+=", mpi4py"
  fi
  if ! python3 -c "import $python_imports" 2>/dev/null \
     || ! python3 -c "import pybind11, sys; sys.exit(tuple(map(int, pybind11.__version__.split('.')[:2])) < (2, 12))"; then
    echo "install-deps: installing Python packages: ${python_packages[*]}"
    python3 -m pip install --quiet --disable-pip-version-check "${python_packages[@]}"
  else
    echo "install-deps: Python packages already installed"
  fi
fi
