#!/usr/bin/env bash
# Prints a directory holding a glibc whose getrandom() is served by the
# kernel's vDSO (glibc >= 2.41), fetched once from Debian 13's archive into
# target/glibc-vdso: the dynamic loader and libc.so.6 of the current libc6
# package, found through the archive's package index (a pinned file name
# would vanish at the next point release). Used by the vDSO nonce test in
# tests/nonce_pid_reuse.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
dest="target/glibc-vdso"
lib="$dest/root/usr/lib/x86_64-linux-gnu"
if [ ! -f "$lib/libc.so.6" ]; then
    mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
    mkdir -p "$dest"
    curl -fsS -m 120 -o "$dest/Packages.xz" "$mirror/dists/trixie/main/binary-amd64/Packages.xz"
    fields=$(xz -dc "$dest/Packages.xz" | awk '
        /^Package: / { p = ($2 == "libc6") }
        p && /^Filename: / { f = $2 }
        p && /^SHA256: / { h = $2 }
        /^$/ && p && f && !done { print f, h; done = 1 }')
    read -r file sha256 <<<"$fields"
    [ -n "$file" ] || { echo "libc6 not found in the trixie index" >&2; exit 1; }
    curl -fsS -m 300 -o "$dest/libc6.deb" "$mirror/$file"
    echo "$sha256  $dest/libc6.deb" | sha256sum -c --quiet
    rm -rf "$dest/root"
    dpkg-deb -x "$dest/libc6.deb" "$dest/root"
fi
realpath "$lib"
