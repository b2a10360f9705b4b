#!/bin/sh
# vm-deps.sh: everything `make vm` needs, installed idempotently.
#
#  - host packages (apt-get): qemu-system-x86, busybox-static, xz-utils, cpio,
#    zstd, kmod (depmod), iproute2, nftables, gcc, libc6-dev;
#  - a stock Debian kernel of suite VM_SUITE (package linux-image-amd64 of that suite ->
#    linux-image-<ver>-amd64), downloaded with `apt-get download` (never installed on the host)
#    and unpacked into $VM_CACHE (a relative path is taken from the repo root):
#        $VM_CACHE/vmlinuz                the kernel image
#        $VM_CACHE/kver                   its version string (uname -r in the guest)
#        $VM_MODULES_DIR/*.ko             wanted modules and their dependencies, decompressed
#        $VM_MODULES_DIR/order            insmod order (dependencies first), one file name a line
#
# VM_SUITE: bookworm (default: 6.1, from the host's own apt sources), bullseye (5.10) or
# trixie (6.12). Another suite than the host's is read with a private apt state under
# build/vm-apt/<suite> (own Dir::Etc, Dir::State, Dir::Cache; sources name the host's Debian
# mirror, VM_MIRROR overrides it; signatures checked against the host's Debian archive keyring).
# VM_CACHE defaults to the suite's directory in tests/vm/kernels (build/vm, build/vm-5.10,
# build/vm-6.12). Once the kernel is there, a second run needs no network.
# Wanted modules: VM_MODULES (space separated base names), default "veth sch_netem crc32c_generic nf_tables
# nft_counter" (guest-locations.sh drops with an nftables rule and counts its drops; libcrc32c,
# which nf_tables needs, wants crc32c_generic first: a soft dependency modules.dep does not list).
# VM_MODULES_DIR (default $VM_CACHE/modules): where they go. Boots that need other modules
# use their own directory (e.g. $VM_CACHE/modules-live with e1000) and share the kernel.
# Set VM_KERNEL_PKG to pin a concrete package (e.g. linux-image-6.1.0-37-amd64).
set -eu

cd "$(dirname "$0")/.."
VM_SUITE=${VM_SUITE:-bookworm}
if [ -z "${VM_CACHE:-}" ]; then
    VM_CACHE=$(awk -v s="$VM_SUITE" '$1 !~ /^#/ && $2 == s { print $3; exit }' tests/vm/kernels)
    [ -n "$VM_CACHE" ] || { echo "vm-deps: suite $VM_SUITE not in tests/vm/kernels" >&2; exit 1; }
fi
VM_MODULES=${VM_MODULES:-veth sch_netem crc32c_generic nf_tables nft_counter}
VM_MODULES_DIR=${VM_MODULES_DIR:-$VM_CACHE/modules}
say() { printf 'vm-deps: %s\n' "$*"; }

# --- host packages -----------------------------------------------------------------------
need=""
for p in qemu-system-x86 busybox-static xz-utils zstd cpio kmod iproute2 nftables gcc libc6-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need="$need $p"
done
if [ -n "$need" ]; then
    say "installing:$need"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $need >/dev/null
else
    say "host packages already installed"
fi

# --- kernel ------------------------------------------------------------------------------
mkdir -p "$VM_CACHE" "$VM_MODULES_DIR"
kstamp="$VM_CACHE/.kernel"            # the kernel image: "suite=... pkg=..."
mstamp="$VM_MODULES_DIR/.done"        # one modules directory: "modules=... kver=..."
want_kstamp="suite=$VM_SUITE pkg=${VM_KERNEL_PKG:-auto}"
kernel_ok() {
    [ -f "$kstamp" ] && [ "$(cat "$kstamp")" = "$want_kstamp" ] && [ -f "$VM_CACHE/vmlinuz" ] \
        && [ -s "$VM_CACHE/kver" ]
}
modules_ok() {
    [ -f "$mstamp" ] && [ "$(cat "$mstamp")" = "modules=$VM_MODULES kver=$(cat "$VM_CACHE/kver")" ] \
        && [ -f "$VM_MODULES_DIR/order" ]
}
if kernel_ok && modules_ok; then
    say "kernel $(cat "$VM_CACHE/kver") already in $VM_CACHE, modules in $VM_MODULES_DIR"
    exit 0
fi

# kapt CMD ARGS...: apt-get/apt-cache for $VM_SUITE. The host's own suite uses the host's apt;
# another suite a private state under build/vm-apt/$VM_SUITE (made by apt_private).
host_suite=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
apt_dir="$PWD/build/vm-apt/$VM_SUITE"
kapt() {
    if [ "$VM_SUITE" = "$host_suite" ]; then "$@"; return; fi
    "$@" -o Dir::Etc="$apt_dir/etc" -o Dir::State="$apt_dir/state" -o Dir::Cache="$apt_dir/cache" \
        -o Dir::State::status=/dev/null
}
# host_mirror: the Debian mirror the host's sources name (deb822 "URIs:" or one-line "deb"),
# else deb.debian.org
host_mirror() {
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
        2>/dev/null | awk '$1 == "URIs:" || $1 == "deb" { for (i = 2; i <= NF; i++)
            if ($i ~ /^https?:\/\/.*\/debian\/?$/) { sub(/\/$/, "", $i); print $i; exit } }'
}
# apt_private: the private apt state's directories and its sources list (suite's main only)
apt_private() {
    [ "$VM_SUITE" != "$host_suite" ] || return 0
    mirror=${VM_MIRROR:-$(host_mirror)}
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    [ -f "$keyring" ] || { say "no $keyring: apt-get install debian-archive-keyring"; exit 1; }
    mkdir -p "$apt_dir/etc/apt.conf.d" "$apt_dir/etc/preferences.d" "$apt_dir/etc/trusted.gpg.d" \
        "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial"
    echo "deb [signed-by=$keyring] ${mirror:-http://deb.debian.org/debian} $VM_SUITE main" \
        > "$apt_dir/etc/sources.list"
}
# kapt_update: refresh the package lists of $VM_SUITE; a bad signature fails here
kapt_update() {
    say "apt-get update ($VM_SUITE${host_suite:+, host $host_suite})"
    kapt apt-get update -qq
}

pkg=${VM_KERNEL_PKG:-}
if [ -z "$pkg" ] && kernel_ok; then
    pkg=linux-image-$(cat "$VM_CACHE/kver")   # only the modules change: same kernel
fi
apt_private
if [ -z "$pkg" ]; then
    # The meta package depends on the concrete image package (linux-image-6.1.0-NN-amd64).
    find_pkg() {
        kapt apt-cache depends linux-image-amd64 2>/dev/null \
            | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1
    }
    pkg=$(find_pkg)
    if [ -z "$pkg" ]; then
        kapt_update
        pkg=$(find_pkg)
    fi
    [ -n "$pkg" ] || { say "cannot resolve linux-image-amd64 of $VM_SUITE to a concrete package"; exit 1; }
fi

dl="$VM_CACHE/dl"
mkdir -p "$dl"
deb=$(ls "$dl/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
    say "downloading $pkg ($VM_SUITE)"
    # apt drops privileges to _apt for downloads: let it write here (avoids a warning).
    chown _apt "$dl" 2>/dev/null || true
    (cd "$dl" && kapt apt-get download -qq "$pkg" >/dev/null) || {
        kapt_update
        (cd "$dl" && kapt apt-get download -qq "$pkg" >/dev/null)
    }
    deb=$(ls "$dl/${pkg}_"*.deb | head -n1)
else
    say "using cached $deb"
fi

kver=${pkg#linux-image-}
# a private scratch directory: two boots may prepare their modules at the same time
tmp=$(mktemp -d "$VM_CACHE/extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# trixie's packages put the modules under /usr/lib/modules (merged /usr), older ones /lib/modules
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards "./boot/vmlinuz-$kver" "*/modules/$kver/*"
if [ ! -d "$tmp/lib/modules/$kver" ]; then
    mkdir -p "$tmp/lib/modules" && mv "$tmp/usr/lib/modules/$kver" "$tmp/lib/modules/$kver"
fi
if ! kernel_ok || [ "$(cat "$VM_CACHE/kver")" != "$kver" ]; then
    cp "$tmp/boot/vmlinuz-$kver" "$VM_CACHE/vmlinuz.new" && mv "$VM_CACHE/vmlinuz.new" "$VM_CACHE/vmlinuz"
    echo "$kver" > "$VM_CACHE/kver"
    echo "$want_kstamp" > "$kstamp"
fi
mdir="$tmp/lib/modules/$kver"
# The package ships no modules.dep (postinst runs depmod): generate it in the scratch tree.
[ -f "$mdir/modules.dep" ] || depmod -b "$tmp" "$kver"

# Resolve dependencies (depth first, dependencies before dependents) from modules.dep.
# modules.dep lines: "kernel/path/a.ko.xz: kernel/path/b.ko.xz kernel/path/c.ko.xz"
order=""
path_of() {
    awk -F: -v m="$1" '{ n=$1; sub(/.*\//, "", n); sub(/\.ko(\.xz|\.zst|\.gz)?$/, "", n);
        gsub(/-/, "_", n); mm=m; gsub(/-/, "_", mm); if (n == mm) { print $1; exit } }' "$mdir/modules.dep"
}
deps_of() { awk -F: -v p="$1" '$1 == p { print $2; exit }' "$mdir/modules.dep"; }
add() { # $1 = path inside lib/modules/kver
    case " $order " in *" $1 "*) return ;; esac
    for d in $(deps_of "$1"); do add "$d"; done
    order="$order $1"
}
for m in $VM_MODULES; do
    p=$(path_of "$m")
    [ -n "$p" ] || { say "module $m not in $pkg (built in?)"; continue; }
    add "$p"
done
rm -f "$mstamp" "$VM_MODULES_DIR"/*.ko
: > "$VM_MODULES_DIR/order"
for p in $order; do
    f=$(basename "$p")
    case "$f" in
        *.ko.xz) xz -dc "$mdir/$p" > "$VM_MODULES_DIR/${f%.xz}"; f=${f%.xz} ;;
        *.ko.zst) zstd -dqc "$mdir/$p" > "$VM_MODULES_DIR/${f%.zst}"; f=${f%.zst} ;;
        *.ko.gz) gzip -dc "$mdir/$p" > "$VM_MODULES_DIR/${f%.gz}"; f=${f%.gz} ;;
        *) cp "$mdir/$p" "$VM_MODULES_DIR/$f" ;;
    esac
    echo "$f" >> "$VM_MODULES_DIR/order"
done
echo "modules=$VM_MODULES kver=$kver" > "$mstamp"
say "kernel $kver: $VM_CACHE/vmlinuz; modules in $VM_MODULES_DIR (insmod order): $(tr '\n' ' ' < "$VM_MODULES_DIR/order")"
