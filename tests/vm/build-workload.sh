#!/bin/sh
# build-workload.sh OUT: compile tests/vm/workload.c for the guest, statically if the C library
# allows it (else dynamically: mkinitramfs.sh --bin copies its libraries). CC overrides cc.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
src="$(cd "$(dirname "$0")" && pwd)/workload.c"
cc=${CC:-cc}
mkdir -p "$(dirname "$1")"
if ! $cc -O2 -std=gnu11 -Wall -Wextra -Werror -static -o "$1" "$src" 2>/dev/null; then
    echo "build-workload: static link failed, linking workload dynamically (its libraries go in the initramfs)"
    $cc -O2 -std=gnu11 -Wall -Wextra -Werror -o "$1" "$src"
fi
