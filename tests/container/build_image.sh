#!/usr/bin/env bash
# Build the interview-bot image on a machine with no Docker engine and no Docker Hub:
#
#  1. installs buildah and debootstrap with apt-get, if missing;
#  2. makes a Debian base image (bookworm minbase + python3, python3-venv, ca-certificates)
#     with debootstrap from the Debian mirror apt uses here, cached as a tarball in
#     $BASE_CACHE (second runs skip debootstrap and, if the image is still in buildah's
#     storage, the import too);
#  3. builds the project's Dockerfile on it with buildah (vfs storage, chroot isolation),
#     pip reaching PyPI as on this machine (host CA bundle mounted, index URL passed on);
#  4. prints the image's name and size.
#
# Usage: tests/container/build_image.sh            (as root)
# Environment: IMAGE (localhost/interview-bot:latest), BUILDER_IMAGE (its builder stage,
#   localhost/interview-bot-builder:latest), BASE_CACHE (/var/tmp/interview-bot-base),
#   DEBIAN_MIRROR (read from /etc/apt/sources.list* by default).
# Every buildah call on this image must use the same storage: buildah --storage-driver vfs.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IMAGE=${IMAGE:-localhost/interview-bot:latest}
BUILDER_IMAGE=${BUILDER_IMAGE:-localhost/interview-bot-builder:latest}
BASE_CACHE=${BASE_CACHE:-/var/tmp/interview-bot-base}
SUITE=bookworm
PACKAGES=python3,python3-venv,ca-certificates
BASE_NAME=localhost/interview-bot-base
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
RECIPE=1 # bump when the way the base is made changes: the cached tarball is then rebuilt
BUILDAH=(buildah --storage-driver vfs)

log() { printf '[build_image] %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}
seconds() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(seconds)" 'BEGIN { printf "%.1f", b - a }'; }

[ "$(id -u)" = 0 ] || die "run as root (debootstrap and buildah's vfs storage need it)"
START=$(seconds)

# 1. Tools ----------------------------------------------------------------------------------
missing=()
command -v buildah >/dev/null || missing+=(buildah)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. Base image -----------------------------------------------------------------------------
# The first URI of an enabled "deb" source for suite $1, in deb822 (*.sources) or one-line
# (*.list) format.
apt_uri() {
    local suite=$1 file
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -f "$file" ] || continue
        awk -v suite="$suite" '
            BEGIN { RS = ""; FS = "\n" }
            {
                uris = ""; suites = ""; types = ""; enabled = "yes"
                for (i = 1; i <= NF; i++) {
                    line = $i
                    if (line ~ /^[ \t]*#/) continue
                    key = tolower(line); sub(/:.*/, "", key)
                    sub(/^[^:]*:[ \t]*/, "", line); gsub(/\t/, " ", line)
                    if (key == "uris") uris = line
                    else if (key == "suites") suites = " " line " "
                    else if (key == "types") types = " " line " "
                    else if (key == "enabled") enabled = tolower(line)
                }
                if (enabled != "no" && types ~ / deb / && index(suites, " " suite " ")) {
                    split(uris, u, / +/); print u[1]; exit
                }
            }' "$file"
    done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$file" ] || continue
        awk -v suite="$suite" '
            /^[ \t]*deb[ \t]/ { sub(/\[[^]]*\]/, ""); if ($3 == suite) { print $2; exit } }' "$file"
    done
}

MIRROR=${DEBIAN_MIRROR:-$(apt_uri "$SUITE" | head -n 1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
mkdir -p "$BASE_CACHE"
exec 9>"$BASE_CACHE/lock"
flock 9 # one build at a time: they share the cache and buildah's storage
KEY=$(printf '%s\n' "$RECIPE" "$SUITE" "$MIRROR" "$PACKAGES" | sha256sum | cut -c1-16)
TARBALL=$BASE_CACHE/rootfs.tar

if [ -f "$TARBALL" ] && [ "$(cat "$BASE_CACHE/key" 2>/dev/null)" = "$KEY" ]; then
    log "base rootfs: cached in $TARBALL"
else
    log "base rootfs: debootstrap $SUITE (minbase + $PACKAGES) from $MIRROR"
    t=$(seconds)
    rm -rf "$TARBALL" "$BASE_CACHE/key" "$BASE_CACHE/rootfs.sha256" "$BASE_CACHE"/work.*
    WORK=$(mktemp -d "$BASE_CACHE/work.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT
    if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$WORK/rootfs" "$MIRROR" \
        >"$WORK/debootstrap.log" 2>&1; then
        tail -n 30 "$WORK/debootstrap.log" >&2
        die "debootstrap failed"
    fi
    # What an image does not need: downloaded packages, package lists, documentation
    # (the copyright files stay), man pages, translations, logs.
    root=$WORK/rootfs
    rm -rf "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
        "$root"/var/lib/apt/lists/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
        "$root"/usr/share/locale/* "$root"/var/log/*.log "$root"/var/log/apt/* \
        "$root"/debootstrap "$root"/etc/hostname
    find "$root"/usr/share/doc -type f ! -name copyright -delete
    find "$root"/usr/share/doc -mindepth 1 -type d -empty -delete
    : >"$root"/etc/resolv.conf # the host's, as debootstrap copied it: the runtime sets its own
    tar --numeric-owner --xattrs -C "$root" \
        --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' --exclude='./tmp/*' \
        -cf "$TARBALL.part" .
    mv "$TARBALL.part" "$TARBALL"
    sha256sum "$TARBALL" | cut -c1-64 >"$BASE_CACHE/rootfs.sha256"
    echo "$KEY" >"$BASE_CACHE/key"
    rm -rf "$WORK"
    trap - EXIT
    log "base rootfs: made in $(elapsed "$t") s"
fi

[ -f "$BASE_CACHE/rootfs.sha256" ] || sha256sum "$TARBALL" | cut -c1-64 >"$BASE_CACHE/rootfs.sha256"
BASE_IMAGE=$BASE_NAME:$SUITE-$(cut -c1-12 "$BASE_CACHE/rootfs.sha256")
if "${BUILDAH[@]}" inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
    log "base image: $BASE_IMAGE (in storage)"
else
    log "base image: importing $BASE_IMAGE"
    t=$(seconds)
    cat >"$BASE_CACHE/Containerfile" <<'EOF'
FROM scratch
ADD rootfs.tar /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
CMD ["/bin/bash"]
EOF
    printf '*\n!rootfs.tar\n' >"$BASE_CACHE/.dockerignore"
    "${BUILDAH[@]}" bud --isolation chroot --quiet --layers=false \
        -f "$BASE_CACHE/Containerfile" -t "$BASE_IMAGE" "$BASE_CACHE" >/dev/null
    log "base image: imported in $(elapsed "$t") s"
    # Bases made by earlier recipes go, unless an image still uses them.
    for old in $("${BUILDAH[@]}" images --format '{{.Name}}:{{.Tag}}' | grep "^$BASE_NAME:" || true); do
        [ "$old" = "$BASE_IMAGE" ] || "${BUILDAH[@]}" rmi "$old" >/dev/null 2>&1 || true
    done
fi

# 3. The project's image --------------------------------------------------------------------
# Docker's image format: OCI's has no HEALTHCHECK (buildah drops it with a warning).
build=(bud --isolation chroot --layers --format docker --build-arg "BASE_IMAGE=$BASE_IMAGE"
    -f "$REPO/Dockerfile")
# pip in the build trusts the same CAs as pip here (the host bundle, mounted over the
# image's) and uses the same index, if this machine's pip is told of one.
[ -f "$CA_BUNDLE" ] && build+=(--volume "$CA_BUNDLE:$CA_BUNDLE:ro")
index_url=${PIP_INDEX_URL:-}
if [ -z "$index_url" ] && command -v python3 >/dev/null; then
    index_url=$(python3 -m pip config get global.index-url 2>/dev/null || true)
fi
case $index_url in
    http://* | https://*) build+=(--build-arg "PIP_INDEX_URL=$index_url") ;;
esac

# What the image is made of: the base, the build arguments, the Dockerfile and the files
# its COPY lines take from the context (flags and --from copies aside).
inputs_digest() {
    (
        cd "$REPO"
        printf '%s\n' "$BASE_IMAGE" "${build[@]}"
        sources=$(awk 'toupper($1) == "COPY" && !/--from/ {
                for (i = 2; i < NF; i++) if ($i !~ /^--/) print $i }' Dockerfile)
        # shellcheck disable=SC2086 # one path a word
        find Dockerfile .dockerignore $sources -type f ! -path '*/__pycache__/*' ! -name '*.py[co]' \
            -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    ) | sha256sum | cut -c1-32
}
DIGEST=$(inputs_digest)
LABEL=interview-bot.inputs
built=$("${BUILDAH[@]}" inspect --type image --format "{{index .OCIv1.Config.Labels \"$LABEL\"}}" \
    "$IMAGE" 2>/dev/null || true)

if [ "$built" = "$DIGEST" ] && [ -z "${REBUILD:-}" ]; then
    log "image: $IMAGE is up to date (inputs $DIGEST; REBUILD=1 builds it anyway)"
else
    log "image: building $IMAGE from $REPO/Dockerfile"
    t=$(seconds)
    BUILD_LOG=$(mktemp)
    trap 'rm -f "$BUILD_LOG"' EXIT
    "${BUILDAH[@]}" "${build[@]}" --label "$LABEL=$DIGEST" -t "$IMAGE" "$REPO" 2>&1 |
        tee "$BUILD_LOG"
    # With vfs storage every layer is a full copy of the tree, so the images that earlier
    # builds left are pruned. The builder stage's last image is tagged first: it and the
    # layers under it (the dependencies above all) are then no dangling images, and stay
    # as the cache of the next build.
    stage=$(awk '/^\[2\/2\] STEP 1\//{ print last; exit } /^--> [0-9a-f]+$/{ last = $2 }' "$BUILD_LOG")
    if [ -n "$stage" ] && "${BUILDAH[@]}" tag "$stage" "$BUILDER_IMAGE" 2>/dev/null; then
        "${BUILDAH[@]}" rmi --prune >/dev/null 2>&1 || true
    fi
    rm -f "$BUILD_LOG"
    trap - EXIT
    log "image: built in $(elapsed "$t") s"
fi

# 4. Size -----------------------------------------------------------------------------------
size=$("${BUILDAH[@]}" images --format '{{.Size}}' "$IMAGE" | head -n 1)
log "done in $(elapsed "$START") s"
echo "image $IMAGE (base $BASE_IMAGE): $size"
