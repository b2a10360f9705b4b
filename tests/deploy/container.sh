#!/usr/bin/env bash
# The container image, built and run as the DaemonSet runs it (issue 10,
# item 5). Builds deploy/docker/Dockerfile with podman (base image from
# scripts/container-base.sh), checks the runtime image's size (at most
# 40 MiB) and contents (no shell), then runs it with the manifest's args,
# all capabilities dropped but SYSLOG, uid 0, a read-only root, the host's
# tracefs at /host/sys/kernel/tracing, a published port and the test's own
# config (instance fte_test_container); sends N datagrams to a closed port
# and checks the exact counts; stops it (SIGTERM) and checks a clean stop.
# Needs root and the host's tracefs. Counts kernel events: run it alone, e.g.
#   flock /tmp/fte-host.lock bash tests/deploy/container.sh
# Takes about 50 s the first time (mmdebstrap, apt in the build stage), 12 s
# with the caches (base tag and tarball, the build stage tagged :build) and
# 25 s when only the sources changed.
. "$(dirname "$0")/../integration/lib.sh"
N=${N:-20000}
INSTANCE=fte_test_container
KPROBE_GROUP=fte_fte__test__container	# fte_ + instance, '_' written '__'
MAX_BYTES=$((40 * 1024 * 1024))
PODMAN=(podman --runtime runc --cgroup-manager=cgroupfs)
# limit RESOURCE CAP: this shell's hard limit, at most CAP. podman's own
# defaults (nofile 1048576) exceed what a process without CAP_SYS_RESOURCE
# may set, and runc then fails the container; explicit limits within ours
# always apply.
limit() {
	local hard
	hard=$(ulimit -H "$1")
	[ "$hard" = unlimited ] || [ "$hard" -gt "$2" ] && hard=$2
	echo "$hard"
}
ULIMITS=(--ulimit "nproc=$(limit -u 4096):$(limit -u 4096)"
	--ulimit "nofile=$(limit -n 65536):$(limit -n 65536)")
IMAGE=localhost/fte-test-container:run-$$	# removed at exit
CACHE_TAG=localhost/fte-test-container:build	# kept: next run's layer cache
NAME=fte-test-container-$$
MANIFEST=$ROOT/deploy/kubernetes/daemonset.yaml

container_cleanup() {
	"${PODMAN[@]}" rm -f -t 0 "$NAME" >/dev/null 2>&1
	"${PODMAN[@]}" rmi "$IMAGE" >/dev/null 2>&1
	cleanup
}
trap container_cleanup EXIT

# The container's args, as the DaemonSet's manifest lists them.
manifest_args() {
	awk '/^ *args:/ { f = 1; next }
	     f && /^ *- / { sub(/^ *- /, ""); print; next }
	     f { exit }' "$MANIFEST"
}

# podman build of deploy/docker/Dockerfile with the common flags.
image_build() {
	"${PODMAN[@]}" build -q --pull=never --network=host "${ULIMITS[@]}" \
		--ignorefile deploy/docker/Dockerfile.dockerignore \
		-f deploy/docker/Dockerfile --build-arg BASE="$BASE" \
		--build-arg VERSION="$VERSION" "$@" . >"$TMP/build.log" 2>&1
}

# Tags the build stage as the next run's cache and removes the one it
# replaces (older sources), so repeated runs do not pile up layers.
build_stage_cache() {
	local old new
	old=$("${PODMAN[@]}" image inspect --format '{{.Id}}' "$CACHE_TAG" 2>/dev/null)
	image_build --target build -t "$CACHE_TAG" || return 1
	new=$("${PODMAN[@]}" image inspect --format '{{.Id}}' "$CACHE_TAG")
	[ -z "$old" ] || [ "$old" = "$new" ] || "${PODMAN[@]}" rmi "$old" >/dev/null 2>&1
	return 0
}

image_files() { # the runtime image's files, one path a line
	local dir
	dir=$("${PODMAN[@]}" image mount "$IMAGE") || return 1
	(cd "$dir" && find . ! -type d | sed 's/^\.//' | sort)
	"${PODMAN[@]}" image umount "$IMAGE" >/dev/null
}

# Starts the image the DaemonSet's way; sets PORT once /-/ready answers.
container_start() {
	mkdir -p "$TMP/config"
	cp "$ROOT/tests/deploy/container.yaml" "$TMP/config/config.yaml"
	mapfile -t args < <(manifest_args)
	"${PODMAN[@]}" run -d --name "$NAME" "${ULIMITS[@]}" \
		--user 0:0 --cap-drop=ALL --cap-add=SYSLOG --read-only \
		--security-opt=no-new-privileges -e NODE_NAME="$(hostname)" \
		-v "$TRACEFS:/host/sys/kernel/tracing" \
		-v "$TMP/config:/etc/ftrace_exporter:ro" \
		-p 127.0.0.1::9435 "$IMAGE" "${args[@]}" >/dev/null || return 1
	PORT=$("${PODMAN[@]}" port "$NAME" 9435/tcp | sed 's/.*://')
	eventually 20 ready_or_gone
	ready && return 0
	"${PODMAN[@]}" logs "$NAME"
	return 1
}

container_state() { "${PODMAN[@]}" inspect "$NAME" --format "{{.State.$1}}"; }
ready() { curl -sf "http://127.0.0.1:$PORT/-/ready" -o /dev/null; }
ready_or_gone() { ready || [ "$(container_state Running)" != true ]; }

cd "$ROOT" || exit 1
mount_tracefs
scripts/deps.sh || exit 1
[ -x "$UDPFLOOD" ] || make -s tools || exit 1
VERSION=$(git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)

t=$SECONDS
if ! BASE=$(scripts/container-base.sh); then not_ok "base image"; exit 1; fi
ok "base image $BASE ($((SECONDS - t)) s)"
t=$SECONDS
if ! build_stage_cache || ! image_build -t "$IMAGE"; then
	not_ok "podman build deploy/docker/Dockerfile"; tail -40 "$TMP/build.log"; exit 1
fi
ok "podman build deploy/docker/Dockerfile ($((SECONDS - t)) s)"

size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
check "image size $size bytes ($((size / 1024)) KiB) <= 40 MiB" [ "$size" -le "$MAX_BYTES" ]
image_files >"$TMP/files"
sed 's/^/    /' "$TMP/files"
check "image holds the binary and the config" [ "$(grep -cx -e /usr/bin/ftrace_exporter \
	-e /etc/ftrace_exporter/config.yaml "$TMP/files")" -eq 2 ]
check "image holds no shell" bash -c '! grep -qE "/s?bin/(ba|da)?sh$" "$1"' _ "$TMP/files"
check "entrypoint runs without a shell: --version = $VERSION" \
	grep -qx "ftrace_exporter $VERSION" <("${PODMAN[@]}" run --rm "${ULIMITS[@]}" "$IMAGE" --version)

global0=$(global_state)
t=$SECONDS
container_start || { not_ok "container ready with the DaemonSet's args"; exit 1; }
ok "container ready with the DaemonSet's args: $(manifest_args | tr '\n' ' ')($((SECONDS - t)) s)"
check "instance $INSTANCE made in the host's tracefs" [ -d "$TRACEFS/instances/$INSTANCE" ]

drop='ftrace_skb_drops_total{reason="NO_SOCKET",location="__udp4_lib_rcv"}'
recv='ftrace_netif_receive_total{name="lo"}'
d0=$(value "$drop"); r0=$(value "$recv")
"$UDPFLOOD" 127.0.0.1 9 "$N" 1000 >/dev/null
dd=$(wait_delta "$drop" "$d0" "$N" 10)
dr=$(wait_delta "$recv" "$r0" "$N" 10)
check "NO_SOCKET drops at __udp4_lib_rcv rose by exactly $N (got $dd; location needs CAP_SYSLOG)" \
	[ "$dd" -eq "$N" ]
check "lo receive of 1028-byte packets rose by exactly $N (got $dr)" [ "$dr" -eq "$N" ]
check "no events lost" [ "$(sum_of ftrace_exporter_events_lost_total)" -eq 0 ]
check "no parse errors" [ "$(value ftrace_exporter_parse_errors_total)" -eq 0 ]

t=$SECONDS
"${PODMAN[@]}" stop -t 30 "$NAME" >/dev/null	# SIGTERM, SIGKILL after 30 s
check "podman stop: exited on SIGTERM in $((SECONDS - t)) s" \
	grep -q 'msg="shutting down" signal=Terminated' <("${PODMAN[@]}" logs "$NAME" 2>&1)
check "exit status 0 (got $(container_state ExitCode), OOM $(container_state OOMKilled))" \
	[ "$(container_state ExitCode)" = 0 ]
check "instance $INSTANCE removed" [ ! -d "$TRACEFS/instances/$INSTANCE" ]
check "no kprobe group $KPROBE_GROUP left" bash -c \
	'[ ! -d "$1/events/$2" ] && ! grep -qs "^[pr]:$2/" "$1/dynamic_events" "$1/kprobe_events"' \
	_ "$TRACEFS" "$KPROBE_GROUP"
check "top-level tracing state unchanged" [ "$(global_state)" = "$global0" ]
"${PODMAN[@]}" rm "$NAME" >/dev/null
check "container removed" bash -c '! "$@"' _ "${PODMAN[@]}" container exists "$NAME"
finish
