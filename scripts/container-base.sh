#!/usr/bin/env bash
# container-base.sh: makes sure podman has a Debian bookworm base image for
# the build stage of deploy/docker/Dockerfile and prints its name.
#
#   1. docker.io/library/debian:bookworm-slim, if podman has it or can pull it;
#   2. else localhost/fte-base:bookworm-minbase, made from Debian packages:
#      `mmdebstrap --variant=minbase bookworm` from the host's apt sources
#      (a machine that reaches Debian's archive but no image registry), then
#      `podman import`. Cached twice: the tag in podman's storage and the
#      tarball $CACHE/bookworm-minbase.tar (re-imported when the tag is gone).
#
# Needs root, podman, mmdebstrap (scripts/deps.sh installs them). Progress
# goes to stderr; stdout is the image name only.
set -eu
cd "$(dirname "$0")/.."
CACHE=${CACHE:-build/container}
PODMAN=${PODMAN:-podman --runtime runc --cgroup-manager=cgroupfs}
REGISTRY_BASE=docker.io/library/debian:bookworm-slim
LOCAL_BASE=localhost/fte-base:bookworm-minbase
TAR=$CACHE/bookworm-minbase.tar

# The host's Debian bookworm sources as one-line "deb URI SUITE COMPONENT"
# entries (other repositories of the host, e.g. nodesource, stay out).
host_sources() {
	apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' \
		'Identifier: Packages' |
		awk '$2 ~ /^bookworm(-updates|-security)?$/ && $3 == "main" { print "deb " $0 }' |
		sort -u
}

# Writes the minbase tarball atomically (a killed run leaves no half file).
make_tarball() {
	local -a mirrors
	mapfile -t mirrors < <(host_sources)
	[ ${#mirrors[@]} -gt 0 ] || { echo "container-base: no bookworm source in apt's lists" >&2; return 1; }
	mkdir -p "$CACHE"
	echo "container-base: mmdebstrap --variant=minbase bookworm (${mirrors[*]})" >&2
	mmdebstrap --quiet --variant=minbase --format=tar bookworm "$TAR.part" "${mirrors[@]}" >&2
	mv "$TAR.part" "$TAR"
}

if $PODMAN image exists "$REGISTRY_BASE" ||
	timeout 60 $PODMAN pull -q "$REGISTRY_BASE" >/dev/null 2>&1; then
	echo "$REGISTRY_BASE"
	exit 0
fi
if ! $PODMAN image exists "$LOCAL_BASE"; then
	[ -s "$TAR" ] || make_tarball
	echo "container-base: podman import $TAR $LOCAL_BASE" >&2
	$PODMAN import -q --change 'CMD ["/bin/bash"]' "$TAR" "$LOCAL_BASE" >/dev/null
fi
echo "$LOCAL_BASE"
