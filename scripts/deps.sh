#!/usr/bin/env bash
# Installs, with apt-get, every package the build and the test suite need
# that is missing. Idempotent; needs root (or sudo) on Debian 12.
set -eu
BUILD_PKGS="gcc make pkg-config libtracefs-dev libtraceevent-dev libmicrohttpd-dev
 libyaml-dev zlib1g-dev libgnutls28-dev libcrypt-dev libbpf-dev"
TEST_PKGS="libcmocka-dev prometheus curl iproute2 iptables nftables procps valgrind cppcheck
 nodejs npm openssl clang libclang-rt-14-dev podman runc mmdebstrap tmux jq dwarves"
[ "${1:-}" = --build-only ] && TEST_PKGS=""
[ "${1:-}" = --bench ] && TEST_PKGS="$TEST_PKGS bpftrace"   # make bench's yardstick
missing=()
for p in $BUILD_PKGS $TEST_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
# node and npm may come from outside Debian's packages: accept those.
if command -v node >/dev/null && command -v npm >/dev/null; then
	missing=("${missing[@]/nodejs/}"); missing=("${missing[@]/npm/}")
fi
read -ra missing <<<"${missing[*]}"
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
	"${missing[@]}" >/dev/null
