#!/bin/sh
# image-rootfs.sh BINARY CONFIG DEST: assembles in DEST (which must not
# exist) the whole root filesystem of the runtime image, run from the
# Dockerfile's build stage:
#   /usr/bin/ftrace_exporter              the binary
#   every shared library `ldd` lists, at the path it lists, and the loader
#   /etc/ftrace_exporter/config.yaml      the default config
#   /etc/nsswitch.conf                    host names in --web.listen-address
#                                         resolve through the runtime's
#                                         /etc/hosts, then DNS (glibc has both
#                                         built in: no libnss_*.so needed)
# Nothing else: no shell, no package manager. /proc, /sys, /dev, /etc/hosts
# and the tracefs mount come from the container runtime. Checks at the end
# that the binary runs from DEST alone (chroot) and prints what DEST holds.
set -eu
bin=$1 config=$2 dest=$3
[ ! -e "$dest" ] || { echo "image-rootfs: $dest exists" >&2; exit 1; }

# Library paths from ldd: "name => /path (addr)" and the loader "/path (addr)";
# linux-vdso has no file.
libs=$(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
[ -n "$libs" ] || { echo "image-rootfs: ldd listed no library" >&2; exit 1; }
for lib in $libs; do
	mkdir -p "$dest$(dirname "$lib")"
	cp -L "$lib" "$dest$lib"   # the file itself, under the name the loader asks for
done
install -D -m 0755 "$bin" "$dest/usr/bin/ftrace_exporter"
install -D -m 0644 "$config" "$dest/etc/ftrace_exporter/config.yaml"
printf 'hosts: files dns\n' >"$dest/etc/nsswitch.conf"
chroot "$dest" /usr/bin/ftrace_exporter --version
(cd "$dest" && find . ! -type d | sort | xargs ls -ld)
