#!/bin/sh
# vm-deps.sh: everything `make vm` needs, installed idempotently.
#
#  - host packages (apt-get): qemu-system-x86, busybox-static, xz-utils, cpio,
#    zstd, kmod (depmod), iproute2, gcc, libc6-dev;
#  - a stock Debian kernel (package linux-image-amd64 -> linux-image-<ver>-amd64),
#    downloaded with `apt-get download` (never installed on the host) and unpacked into
#    $VM_CACHE (default build/vm; a relative path is taken from the repo root):
#        $VM_CACHE/vmlinuz                the kernel image
#        $VM_CACHE/kver                   its version string (uname -r in the guest)
#        $VM_CACHE/modules/*.ko           wanted modules and their dependencies, decompressed
#        $VM_CACHE/modules/order          insmod order (dependencies first), one file name a line
#
# Wanted modules: VM_MODULES (space separated base names), default "veth sch_netem".
# Set VM_KERNEL_PKG to pin a concrete package (e.g. linux-image-6.1.0-37-amd64).
set -eu

cd "$(dirname "$0")/.."
VM_CACHE=${VM_CACHE:-build/vm}
VM_MODULES=${VM_MODULES:-veth sch_netem}
say() { printf 'vm-deps: %s\n' "$*"; }

# --- host packages -----------------------------------------------------------------------
need=""
for p in qemu-system-x86 busybox-static xz-utils zstd cpio kmod iproute2 gcc libc6-dev; do
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
mkdir -p "$VM_CACHE"
stamp="$VM_CACHE/.done"
want_stamp="modules=$VM_MODULES pkg=${VM_KERNEL_PKG:-auto}"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ] && [ -f "$VM_CACHE/vmlinuz" ] \
   && [ -f "$VM_CACHE/modules/order" ]; then
    say "kernel $(cat "$VM_CACHE/kver") already in $VM_CACHE"
    exit 0
fi

pkg=${VM_KERNEL_PKG:-}
if [ -z "$pkg" ]; then
    # The meta package depends on the concrete image package (linux-image-6.1.0-NN-amd64).
    find_pkg() {
        apt-cache depends linux-image-amd64 2>/dev/null \
            | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1
    }
    pkg=$(find_pkg)
    if [ -z "$pkg" ]; then
        apt-get update -qq
        pkg=$(find_pkg)
    fi
    [ -n "$pkg" ] || { say "cannot resolve linux-image-amd64 to a concrete package"; exit 1; }
fi

dl="$VM_CACHE/dl"
mkdir -p "$dl"
deb=$(ls "$dl/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
    say "downloading $pkg"
    # apt drops privileges to _apt for downloads: let it write here (avoids a warning).
    chown _apt "$dl" 2>/dev/null || true
    (cd "$dl" && apt-get download -qq "$pkg" >/dev/null) || {
        apt-get update -qq
        (cd "$dl" && apt-get download -qq "$pkg" >/dev/null)
    }
    deb=$(ls "$dl/${pkg}_"*.deb | head -n1)
else
    say "using cached $deb"
fi

kver=${pkg#linux-image-}
tmp="$VM_CACHE/extract"
rm -rf "$tmp" "$VM_CACHE/modules"
mkdir -p "$tmp" "$VM_CACHE/modules"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "./boot/vmlinuz-$kver" "./lib/modules/$kver"
cp "$tmp/boot/vmlinuz-$kver" "$VM_CACHE/vmlinuz"
echo "$kver" > "$VM_CACHE/kver"
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
: > "$VM_CACHE/modules/order"
for p in $order; do
    f=$(basename "$p")
    case "$f" in
        *.ko.xz) xz -dc "$mdir/$p" > "$VM_CACHE/modules/${f%.xz}"; f=${f%.xz} ;;
        *.ko.zst) zstd -dqc "$mdir/$p" > "$VM_CACHE/modules/${f%.zst}"; f=${f%.zst} ;;
        *.ko.gz) gzip -dc "$mdir/$p" > "$VM_CACHE/modules/${f%.gz}"; f=${f%.gz} ;;
        *) cp "$mdir/$p" "$VM_CACHE/modules/$f" ;;
    esac
    echo "$f" >> "$VM_CACHE/modules/order"
done
rm -rf "$tmp"
echo "$want_stamp" > "$stamp"
say "kernel $kver: $VM_CACHE/vmlinuz; modules (insmod order): $(tr '\n' ' ' < "$VM_CACHE/modules/order")"
