#!/usr/bin/env bash
# Leak check of every decoder/encoder path in CCodecs (where all libjpeg/libpng allocations
# live; the Swift layer only holds ARC-managed arrays and closes handles with `defer`).
#
# Builds a small C driver against Sources/CCodecs/*.c that runs, for each fixture in
# Tests/Fixtures/imaging: open → (read) → close, the same on every truncation of it at 37
# offsets and on 20 bit-flipped copies (so most error paths run, each with its longjmp), plus a
# PNG encode of each decoded image. Then runs it under valgrind (--leak-check=full, errors are
# fatal) and, when the compiler supports it, under AddressSanitizer/LeakSanitizer.
# Usage: bash Tests/ImagingTests/leakcheck.sh        (exit 0 = no leak, no memory error)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
CC="${CC:-cc}"
command -v "$CC" >/dev/null || CC=clang

cat > "$WORK/driver.c" <<'C'
#include "ccodecs.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long ok, failed;

static void run(const uint8_t *d, size_t n) {
    char msg[CCODECS_MSG_LEN];
    uint8_t *px = NULL;
    int w = 0, h = 0, rc;
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8) {
        ccodecs_jpeg *j = NULL;
        ccodecs_jpeg_info ji;
        rc = ccodecs_jpeg_open(d, n, (n & 1) ? 0 : 16, 0, &j, &ji, msg);
        if (rc == CCODECS_OK && (long)ji.width * ji.height <= 50000000L) {
            w = ji.out_width; h = ji.out_height;
            px = malloc((size_t)w * h * 3);
            rc = ccodecs_jpeg_read_rgb(j, px, (size_t)w * h * 3, msg);
        }
        ccodecs_jpeg_close(j);
    } else {
        ccodecs_png *p = NULL;
        ccodecs_png_info pi;
        static const uint8_t bg[3] = {0, 0, 0};
        rc = ccodecs_png_open(d, n, &p, &pi, msg);
        if (rc == CCODECS_OK && (long)pi.width * pi.height <= 50000000L) {
            w = (int)pi.width; h = (int)pi.height;
            px = malloc((size_t)w * h * 3);
            rc = ccodecs_png_read_rgb(p, px, (size_t)w * h * 3, bg, msg);
        }
        ccodecs_png_close(p);
    }
    if (rc == CCODECS_OK && px != NULL) {
        uint8_t *out = NULL;
        size_t len = 0;
        if (ccodecs_png_encode(px, w, h, (size_t)w * 3, 2, 8, NULL, 0, 1, 0, 0, &out, &len, msg) == CCODECS_OK)
            ccodecs_free(out);
        ok++;
    } else {
        failed++;
    }
    free(px);
}

int main(int argc, char **argv) {
    unsigned seed = 12345;
    for (int a = 1; a < argc; a++) {
        FILE *f = fopen(argv[a], "rb");
        if (!f) { perror(argv[a]); return 2; }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *d = malloc(n > 0 ? (size_t)n : 1);
        if (fread(d, 1, (size_t)n, f) != (size_t)n) { fclose(f); free(d); continue; }
        fclose(f);
        run(d, (size_t)n);
        for (int k = 1; k < 38 && n > 0; k++) run(d, (size_t)(n * k / 38));
        uint8_t *m = malloc(n > 0 ? (size_t)n : 1);
        for (int k = 0; k < 20 && n > 8; k++) {
            memcpy(m, d, (size_t)n);
            for (int b = 0; b < 3; b++) {
                seed = seed * 1103515245u + 12345u;
                size_t pos = 2 + (seed >> 8) % (size_t)(n - 2);
                m[pos] ^= (uint8_t)(1u << ((seed >> 4) & 7));
            }
            run(m, (size_t)n);
        }
        free(m);
        free(d);
    }
    printf("leakcheck driver: %ld decodes ok, %ld rejected\n", ok, failed);
    return 0;
}
C

FIXTURES=$(ls "$ROOT"/Tests/Fixtures/imaging/*.jpg "$ROOT"/Tests/Fixtures/imaging/*.png | grep -v 'resize_\|1024x768')
SRCS=("$ROOT"/Sources/CCodecs/*.c)
CFLAGS=(-O1 -g -I"$ROOT/Sources/CCodecs/include" $(pkg-config --cflags libjpeg libpng))
LIBS=($(pkg-config --libs libjpeg libpng))

"$CC" "${CFLAGS[@]}" "$WORK/driver.c" "${SRCS[@]}" "${LIBS[@]}" -o "$WORK/driver"
status=0
if command -v valgrind >/dev/null; then
  echo "== valgrind (memcheck, leak-check=full)"
  valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
           --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
           "$WORK/driver" $FIXTURES || status=$?
  [ $status -eq 0 ] && echo "valgrind: no leaks, no memory errors"
else
  echo "valgrind not installed; skipped"
fi
if "$CC" -fsanitize=address -x c /dev/null -c -o "$WORK/probe.o" 2>/dev/null; then
  echo "== AddressSanitizer + LeakSanitizer"
  "$CC" "${CFLAGS[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer "$WORK/driver.c" "${SRCS[@]}" \
        "${LIBS[@]}" -o "$WORK/driver_asan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1 "$WORK/driver_asan" $FIXTURES || status=$?
  [ $status -eq 0 ] && echo "asan/lsan: clean"
fi
exit $status
