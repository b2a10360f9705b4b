#!/bin/sh
# mkinitramfs.sh: build a self-contained test initramfs (cpio newc, gzip) for run-guest.sh.
#
# usage: tests/vm/mkinitramfs.sh OUT.cpio.gz [options]
#   --bin SRC[:DST]     copy executable SRC (default DST /usr/local/bin/NAME) plus its ldd closure
#                       (shared libraries and the dynamic loader, at their host paths)
#   --file SRC:DST      copy a file or a directory tree to DST (absolute path in the guest)
#   --script FILE       guest test script, installed as /tests/NAME (repeatable; run in the
#                       order given unless the kernel command line says vmtest=NAME[,NAME...])
#   --modules DIR       kernel modules: DIR/order lists .ko files, insmod'ed in that order
#                       (scripts/vm-deps.sh writes such a directory: $VM_CACHE/modules)
#
# Always included: busybox-static (applets as symlinks in /bin), iproute2's ip and tc at
# /usr/sbin/ip and /usr/sbin/tc with their closure and data files, tests/vm/init as /init and
# tests/vm/lib.sh as /lib/vmtest.sh.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "mkinitramfs: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: $0 OUT.cpio.gz [--bin SRC[:DST]] [--file SRC:DST] [--script FILE] [--modules DIR]"
out=$1; shift
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

root=$(mktemp -d "${TMPDIR:-/tmp}/vm-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT INT TERM
mkdir -p "$root"/bin "$root"/sbin "$root"/usr/bin "$root"/usr/sbin "$root"/usr/local/bin \
    "$root"/lib "$root"/lib64 "$root"/etc "$root"/proc "$root"/sys "$root"/dev "$root"/tmp \
    "$root"/run "$root"/var "$root"/tests "$root"/lib/modules "$root"/root
ln -s ../run "$root"/var/run
# the kernel opens /dev/console for /init before devtmpfs is mounted
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || echo "mkinitramfs: warning: cannot mknod /dev/console (not root?)" >&2

put() { # put SRC DST: copy one file (dereferencing symlinks), creating parent directories
    mkdir -p "$root$(dirname "$2")"
    cp -L "$1" "$root$2"
}
closure() { # copy the shared libraries and loader an ELF executable needs
    # "libx.so => /path (addr)", "/lib64/ld-linux-x86-64.so.2 (addr)"; skip vdso / static
    ldd "$1" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
    while read -r lib; do
        [ -e "$root$lib" ] || put "$lib" "$lib"
    done
}
add_bin() { # add_bin SRC DST
    [ -f "$1" ] || die "no such binary: $1"
    put "$1" "$2"
    chmod 0755 "$root$2"
    closure "$1"
}

# busybox, one symlink per applet, all in /bin (the shell runs applets first anyway)
bb=$(command -v busybox) || die "busybox not found (scripts/vm-deps.sh installs busybox-static)"
ldd "$bb" >/dev/null 2>&1 && die "$bb is dynamically linked: install busybox-static"
cp "$bb" "$root/bin/busybox"
for a in $("$bb" --list); do
    [ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
done

# iproute2 (busybox's ip has no netns and its tc no netem: call /usr/sbin/ip, /usr/sbin/tc)
for t in ip tc; do
    src=$(PATH=/usr/sbin:/sbin:/usr/bin:/bin command -v "$t") || die "$t not found (apt-get install iproute2)"
    add_bin "$src" "/usr/sbin/$t"
done
if [ -d /etc/iproute2 ]; then cp -a /etc/iproute2 "$root/etc/"; fi
for d in /usr/lib/x86_64-linux-gnu/tc /usr/lib/tc; do # netem distribution tables
    if [ -d "$d" ]; then mkdir -p "$root$d" && cp -a "$d/." "$root$d/"; fi
done

cp "$here/init" "$root/init"
chmod 0755 "$root/init"
cp "$here/lib.sh" "$root/lib/vmtest.sh"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
printf '127.0.0.1 localhost\n' > "$root/etc/hosts"

: > "$root/tests/order"
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || die "$1 needs an argument"
    case "$1" in
        --bin)
            src=${2%%:*}; dst=${2#*:}
            [ "$dst" != "$2" ] || dst="/usr/local/bin/$(basename "$src")"
            add_bin "$src" "$dst" ;;
        --file)
            src=${2%%:*}; dst=${2#*:}
            [ "$dst" != "$2" ] && [ -n "$dst" ] || die "--file wants SRC:DST, got $2"
            [ -e "$src" ] || die "no such file: $src"
            if [ -d "$src" ]; then mkdir -p "$root$dst" && cp -a "$src/." "$root$dst/"
            else put "$src" "$dst"; fi ;;
        --script)
            [ -f "$2" ] || die "no such script: $2"
            name=$(basename "$2")
            cp "$2" "$root/tests/$name"
            chmod 0755 "$root/tests/$name"
            echo "$name" >> "$root/tests/order" ;;
        --modules)
            [ -f "$2/order" ] || die "$2/order missing (run scripts/vm-deps.sh)"
            while read -r ko; do
                [ -n "$ko" ] && cp "$2/$ko" "$root/lib/modules/$ko"
            done < "$2/order"
            cp "$2/order" "$root/lib/modules/order" ;;
        *) die "unknown option $1" ;;
    esac
    shift 2
done
[ -s "$root/tests/order" ] || die "no --script given"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 > "$out"
echo "mkinitramfs: $out ($(du -k "$out" | cut -f1) KiB; tests: $(tr '\n' ' ' < "$root/tests/order"))"
