#!/usr/bin/env bash
# Builds the gateway's measured VM image and its launch inputs (docs/provenance.md):
#   image-out/OVMF.fd  vmlinuz  initrd.img  cmdline.txt  confidant-gateway.raw
# then prints their SHA-256 and the measurements for gateway/release.json's shapes.
#
#   OVMF_FD=/path/to/OVMF.amdsev.fd scripts/build-image.sh
#
# Needs mkosi ≥ 25 (and what it needs: systemd-repart, erofs-utils, veritysetup) and an OVMF
# built from edk2's OvmfPkg/AmdSev/AmdSevX64.dsc, the firmware that measures the kernel, initrd and
# command line. Packages come from the snapshot.debian.org point in time in gateway/image/mkosi.snapshot
# and SOURCE_DATE_EPOCH is the commit's time, so a rebuild of the same commit gives the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${OVMF_FD:?set OVMF_FD to an OVMF AmdSev build (edk2 OvmfPkg/AmdSev/AmdSevX64.dsc)}"
[ -r "$OVMF_FD" ] || { echo "build-image: cannot read OVMF_FD=$OVMF_FD" >&2; exit 2; }
command -v mkosi >/dev/null || { echo "build-image: mkosi (≥ 25) is not installed" >&2; exit 2; }

export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}"
out="$PWD/image-out"
rm -rf "$out" && mkdir -p "$out"

node scripts/bundle-gateway.mjs
(cd gateway/image && mkosi --output-directory="$out" --force build)

cp "$out/confidant-gateway.vmlinuz" "$out/vmlinuz"
cp "$out/confidant-gateway.initrd" "$out/initrd.img"
cp "$OVMF_FD" "$out/OVMF.fd"
# The command line QEMU passes (-append) and OVMF measures: the image's, plus the root hash.
printf '%s roothash=%s\n' "$(sed -n 's/^KernelCommandLine=//p' gateway/image/mkosi.conf)" "$(cat "$out/confidant-gateway.roothash")" > "$out/cmdline.txt"

(cd "$out" && sha256sum OVMF.fd vmlinuz initrd.img cmdline.txt confidant-gateway.raw)
npm run --silent measure -- --ovmf "$out/OVMF.fd" --kernel "$out/vmlinuz" --initrd "$out/initrd.img" \
  --append-file "$out/cmdline.txt" --config gateway/release.json --out "$out/confidant-gateway.predicate.json"
