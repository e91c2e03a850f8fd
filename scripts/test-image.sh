#!/usr/bin/env bash
# Builds the image the engine tests run, without a registry: Debian's statically linked busybox
# (package busybox-static) imported as a root filesystem. Idempotent.
#   usage: scripts/test-image.sh [IMAGE]   (default berth-test/busybox:latest)
set -euo pipefail
image="${1:-berth-test/busybox:latest}"
if docker image inspect "$image" >/dev/null 2>&1; then
  exit 0
fi
# /bin/busybox is the static build of the busybox-static package.
busybox=/bin/busybox
if [ ! -x "$busybox" ]; then
  echo "busybox-static is not installed (apt-get install busybox-static)" >&2
  exit 1
fi
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/data" "$root/run" "$root/www"
cp "$busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
tar -C "$root" -c . | docker import -c 'CMD ["sh"]' -c 'ENV PATH=/bin' - "$image" >/dev/null
echo "built $image"
