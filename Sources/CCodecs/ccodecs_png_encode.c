// PNG encode through libpng under setjmp, into a growing memory buffer.
#include "ccodecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <zlib.h>

typedef struct {
    uint8_t *buf;
    size_t len, cap;
    char msg[CCODECS_MSG_LEN];
} ccodecs_png_sink;

static void ccodecs_enc_error_fn(png_structp png, png_const_charp text) {
    ccodecs_png_sink *s = (ccodecs_png_sink *)png_get_error_ptr(png);
    if (s != NULL) snprintf(s->msg, sizeof s->msg, "%s", text);
    png_longjmp(png, 1);
}

static void ccodecs_enc_warning_fn(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void ccodecs_enc_write_fn(png_structp png, png_bytep data, size_t n) {
    ccodecs_png_sink *s = (ccodecs_png_sink *)png_get_io_ptr(png);
    if (n > s->cap - s->len) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap - s->len < n) {
            if (cap > SIZE_MAX / 2) png_error(png, "PNG output too large");
            cap *= 2;
        }
        uint8_t *nb = realloc(s->buf, cap);
        if (nb == NULL) png_error(png, "out of memory");
        s->buf = nb;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, n);
    s->len += n;
}

static void ccodecs_enc_flush_fn(png_structp png) { (void)png; }

int ccodecs_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride,
                       int color_type, int bit_depth, const uint8_t *palette, int palette_len,
                       int level, int filters, int strategy, uint8_t **out, size_t *out_len,
                       char *msg) {
    char scratch[CCODECS_MSG_LEN];
    if (msg == NULL) msg = scratch;
    if (out == NULL || out_len == NULL || pixels == NULL || width == 0 || height == 0 ||
        (color_type == PNG_COLOR_TYPE_PALETTE && (palette == NULL || palette_len < 1 ||
                                                  palette_len > 256))) {
        snprintf(msg, CCODECS_MSG_LEN, "bad PNG encode arguments");
        return CCODECS_ERR_ARGUMENT;
    }
    *out = NULL;
    *out_len = 0;
    // The sink and row index live on the heap / as volatile so they survive the longjmp.
    ccodecs_png_sink *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(msg, CCODECS_MSG_LEN, "out of memory");
        return CCODECS_ERR_NOMEM;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, s, ccodecs_enc_error_fn,
                                              ccodecs_enc_warning_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        png_destroy_write_struct(&png, info ? &info : NULL);
        free(s);
        snprintf(msg, CCODECS_MSG_LEN, "out of memory");
        return CCODECS_ERR_NOMEM;
    }
    if (setjmp(png_jmpbuf(png))) {
        snprintf(msg, CCODECS_MSG_LEN, "PNG encode: %s", s->msg);
        png_destroy_write_struct(&png, &info);
        free(s->buf);
        free(s);
        return CCODECS_ERR_CORRUPT;
    }
    // A first guess at the size keeps reallocs rare: heatmaps compress to ~1/4 at level 1.
    size_t guess = stride * height / 4 + 1024;
    s->buf = malloc(guess);
    s->cap = s->buf ? guess : 0;
    png_set_write_fn(png, s, ccodecs_enc_write_fn, ccodecs_enc_flush_fn);
    png_set_IHDR(png, info, width, height, bit_depth, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[256];
        for (int i = 0; i < palette_len; i++) {
            pal[i].red = palette[3 * i];
            pal[i].green = palette[3 * i + 1];
            pal[i].blue = palette[3 * i + 2];
        }
        png_set_PLTE(png, info, pal, palette_len);
    }
    png_set_compression_level(png, level < 0 ? 0 : level > 9 ? 9 : level);
    if (filters != 0) png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
    if (strategy != 0) png_set_compression_strategy(png, strategy);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++) png_write_row(png, pixels + stride * y);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    *out = s->buf;
    *out_len = s->len;
    free(s);
    return CCODECS_OK;
}

void ccodecs_free(void *p) { free(p); }
