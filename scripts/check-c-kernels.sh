#!/usr/bin/env bash
# Tests the C kernels (Sources/CKernels) outside SwiftPM with scripts/ckernels_test.c: every SIMD path
# against the portable path, bit-identical for 1, 2 and 3 threads.
#   1. native: builds and runs it (on x86-64 the test itself forces REK_ISA=portable, the widest
#      path, and avx2 on an AVX-512 machine);
#   2. aarch64: cross-compiles the C target and the test with `clang --target=aarch64-linux-gnu`
#      (Debian: apt-get install libc6-dev-arm64-cross libgcc-12-dev-arm64-cross) and runs it under
#      `qemu-aarch64` (apt-get install qemu-user): the NEON path against the portable one.
# A missing tool skips its step with a note; a failing build or test fails the script.
#   scripts/check-c-kernels.sh             # both steps
#   REK_CKERNELS_SKIP_ARM=1 scripts/check-c-kernels.sh
set -euo pipefail
cd "$(dirname "$0")/.."

out="$(mktemp -d "${TMPDIR:-/tmp}/rek-ckernels.XXXXXX")"
trap 'rm -rf "$out"' EXIT
sources=(scripts/ckernels_test.c Sources/CKernels/*.c)
flags=(-O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -ISources/CKernels/include)

# The toolchain's clang (next to swift), else any clang or cc.
cc=""
for candidate in "$(dirname "$(command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)")/clang" clang cc; do
  if command -v "$candidate" >/dev/null 2>&1; then cc="$candidate"; break; fi
done
if [ -z "$cc" ]; then
  echo "check-c-kernels: skipped: no C compiler (clang or cc) found"
  exit 0
fi

echo "== native ($(uname -m), $cc)"
"$cc" "${flags[@]}" "${sources[@]}" -lm -lpthread -o "$out/native"
timeout 120 "$out/native"

if [ "${REK_CKERNELS_SKIP_ARM:-0}" = 1 ] || [ "$(uname -m)" = aarch64 ]; then exit 0; fi

echo "== aarch64 (cross-compiled with $cc --target=aarch64-linux-gnu)"
if ! "$cc" --version 2>/dev/null | grep -qi clang; then
  echo "check-c-kernels: aarch64 skipped: $cc is not clang (cross-compiling needs clang --target)"
  exit 0
fi
sysroot=/usr/aarch64-linux-gnu
if [ ! -f "$sysroot/include/stdio.h" ]; then
  echo "check-c-kernels: aarch64 skipped: no aarch64 C library headers in $sysroot" \
    "(apt-get install libc6-dev-arm64-cross libgcc-12-dev-arm64-cross)"
  exit 0
fi
linker=()
if "$cc" -fuse-ld=lld --version >/dev/null 2>&1 || command -v ld.lld >/dev/null 2>&1; then linker=(-fuse-ld=lld); fi
arm=(--target=aarch64-linux-gnu)
# Compiling alone needs only the headers: a compile error in the NEON code fails here.
for file in Sources/CKernels/*.c; do "$cc" "${arm[@]}" "${flags[@]}" -c "$file" -o "$out/$(basename "$file").o"; done
echo "compiled Sources/CKernels for aarch64"
if ! "$cc" "${arm[@]}" "${linker[@]}" "${flags[@]}" "${sources[@]}" -lm -lpthread -o "$out/aarch64" 2>"$out/link.log"; then
  if grep -qE "cannot find|unable to find|No such file" "$out/link.log"; then
    echo "check-c-kernels: aarch64 run skipped: the aarch64 libraries are missing (libgcc-12-dev-arm64-cross):"
    head -3 "$out/link.log"
    exit 0
  fi
  cat "$out/link.log" >&2
  exit 1
fi
if ! command -v qemu-aarch64 >/dev/null 2>&1; then
  echo "check-c-kernels: aarch64 run skipped: qemu-aarch64 not found (apt-get install qemu-user)"
  exit 0
fi
# Emulated: a few times slower than native, and the machine may be busy; the test takes ~10 s of CPU.
timeout 180 qemu-aarch64 -L "$sysroot" "$out/aarch64"
