#!/usr/bin/env bash
# Build samstat's images with buildah, without a Docker engine or a registry.
#
#   deploy/image/build.sh            # localhost/samstat:latest and localhost/samstat-report:latest
#   SAMSTAT_IMAGE=localhost/samstat:test deploy/image/build.sh
#
# - The base image python:3.11-slim is used when podman already has it or can pull it. Where
#   no registry answers, an equivalent base is made here with debootstrap from the machine's
#   own Debian mirror (Debian 12 "bookworm", Python 3.11, as python:3.11-slim) and tagged with
#   both names the Dockerfile may resolve, so `--pull=never` finds it.
# - The machine may reach the package registries through a TLS-inspecting proxy: the host's
#   CA bundle is then bind-mounted read-only over the image's for the RUN steps only (buildah's
#   -v applies to RUN), so pip and apt inside the build trust it; the image keeps Debian's own.
# - Two targets of deploy/Dockerfile: `services` (every role, no browser) and `report` (the
#   same plus Chromium, for the initiatives service's PDF report).
set -euo pipefail
cd "$(dirname "$0")/../.."

IMAGE="${SAMSTAT_IMAGE:-localhost/samstat:latest}"
REPORT_IMAGE="${SAMSTAT_REPORT_IMAGE:-${IMAGE%:*}-report:${IMAGE##*:}}"
BASE="docker.io/library/python:3.11-slim"
WORK="${SAMSTAT_IMAGE_WORKDIR:-/var/tmp/samstat-image}"
PODMAN=(podman --cgroup-manager cgroupfs --events-backend file)

need() { command -v "$1" >/dev/null || { echo "missing $1: apt-get install buildah podman debootstrap runc" >&2; exit 2; }; }
need buildah; need podman

debian_mirror() {
  # The first Debian archive this machine's apt uses (deb822 or one-line format).
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' || true
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' || true
  } | { grep -v -- '-security' || true; } | head -1
}

ensure_base() {
  if "${PODMAN[@]}" image exists "$BASE"; then return; fi
  if timeout 60 "${PODMAN[@]}" pull -q "$BASE" >/dev/null 2>&1; then return; fi
  need debootstrap
  local mirror rootfs="$WORK/rootfs"
  mirror="$(debian_mirror)"
  [ -n "$mirror" ] || { echo "no Debian mirror found in /etc/apt; set DEBIAN_MIRROR" >&2; exit 2; }
  echo "no $BASE to pull: making it with debootstrap (about 75 s)"
  rm -rf "$rootfs"; mkdir -p "$rootfs"
  debootstrap --variant=minbase \
    --include=python3.11,python3.11-venv,python3-distutils,python-is-python3,ca-certificates \
    bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
  # The slim image's conventions: no package archives or lists, no documentation, manual
  # pages or translations (the services speak Swedish through Babel, not gettext catalogues).
  # pip comes from the venv module's own wheels (python3.11-venv), not from Debian.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/usr/share/doc/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/info/*
  tar -C "$rootfs" -c . | "${PODMAN[@]}" import -q - localhost/python:3.11-slim >/dev/null
  "${PODMAN[@]}" tag localhost/python:3.11-slim "$BASE"
  rm -rf "$rootfs"
}

mkdir -p "$WORK"
ensure_base
MOUNTS=()
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  MOUNTS=(-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro)
fi
build() {  # target, tag
  buildah --storage-driver "$(podman info --format '{{.Store.GraphDriverName}}')" bud \
    --isolation chroot --layers --pull=never "${MOUNTS[@]}" \
    --ignorefile deploy/Dockerfile.dockerignore -f deploy/Dockerfile --target "$1" -t "$2" .
}
build services "$IMAGE"
build report "$REPORT_IMAGE"
"${PODMAN[@]}" images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "^(${IMAGE}|${REPORT_IMAGE}) "
