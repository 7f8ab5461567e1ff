// PNG decode through libpng under setjmp. See include/ccodecs.h for the contract.
#include "ccodecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

// Ancillary chunks (iCCP, zTXt, iTXt) are decompressed into memory: cap each one.
#define CCODECS_PNG_CHUNK_MAX (8u << 20)

struct ccodecs_png {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t len, pos;
    int eof;              // the reader ran past the end: report "truncated", not "corrupt"
    int has_alpha;
    char msg[CCODECS_MSG_LEN];
    char warning[CCODECS_MSG_LEN];  // the last warning: libpng explains some errors only there
    // Scratch owned by the handle so that a longjmp out of libpng cannot leak it.
    png_bytep rgba;       // one RGBA row, or the whole RGBA image when interlaced
    png_bytepp rows;      // row pointers for png_read_image (interlaced)
    png_bytep rgb;        // one RGB row, or the whole RGB image (interlaced), when streaming
};

static void ccodecs_png_set_msg(char *dst, const char *src) {
    snprintf(dst, CCODECS_MSG_LEN, "%s", src);
}

static void ccodecs_png_error_fn(png_structp png, png_const_charp text) {
    ccodecs_png *h = (ccodecs_png *)png_get_error_ptr(png);
    if (h != NULL) ccodecs_png_set_msg(h->msg, text);
    png_longjmp(png, 1);
}

// Ancillary-chunk problems (bad CRC in tEXt, iCCP profile) do not touch pixels: keep the
// text only, for an error that may follow ("Invalid IHDR data" after "exceeds user limit").
static void ccodecs_png_warning_fn(png_structp png, png_const_charp text) {
    ccodecs_png *h = (ccodecs_png *)png_get_error_ptr(png);
    if (h != NULL) ccodecs_png_set_msg(h->warning, text);
}

static void ccodecs_png_read_fn(png_structp png, png_bytep out, size_t n) {
    ccodecs_png *h = (ccodecs_png *)png_get_io_ptr(png);
    if (n > h->len - h->pos) {
        h->eof = 1;
        png_error(png, "unexpected end of PNG data");
    }
    memcpy(out, h->data + h->pos, n);
    h->pos += n;
}

static int ccodecs_png_code(ccodecs_png *h) {
    if (h->eof) return CCODECS_ERR_TRUNCATED;
    if (strstr(h->msg, "Invalid IHDR") != NULL && h->warning[0] != 0) {
        char both[CCODECS_MSG_LEN];
        snprintf(both, sizeof both, "%s (%s)", h->msg, h->warning);
        ccodecs_png_set_msg(h->msg, both);
    }
    if (strstr(h->msg, "exceeds user limit") != NULL || strstr(h->msg, "too large") != NULL)
        return CCODECS_ERR_TOO_LARGE;
    if (strstr(h->msg, "Not enough image data") != NULL) return CCODECS_ERR_TRUNCATED;
    if (strstr(h->msg, "out of memory") != NULL || strstr(h->msg, "Out of memory") != NULL)
        return CCODECS_ERR_NOMEM;
    return CCODECS_ERR_CORRUPT;
}

int ccodecs_png_open(const uint8_t *data, size_t len, ccodecs_png **out, ccodecs_png_info *info,
                     char *msg) {
    char scratch[CCODECS_MSG_LEN];
    if (msg == NULL) msg = scratch;
    if (out == NULL || info == NULL || data == NULL) return CCODECS_ERR_ARGUMENT;
    *out = NULL;
    memset(info, 0, sizeof *info);
    if (len < 8 || png_sig_cmp(data, 0, 8) != 0) {
        ccodecs_png_set_msg(msg, len < 8 ? "PNG shorter than its signature" : "bad PNG signature");
        return len < 8 ? CCODECS_ERR_TRUNCATED : CCODECS_ERR_CORRUPT;
    }
    ccodecs_png *h = calloc(1, sizeof *h);
    if (h == NULL) {
        ccodecs_png_set_msg(msg, "out of memory");
        return CCODECS_ERR_NOMEM;
    }
    h->data = data;
    h->len = len;
    h->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, h, ccodecs_png_error_fn,
                                    ccodecs_png_warning_fn);
    if (h->png != NULL) h->info = png_create_info_struct(h->png);
    if (h->png == NULL || h->info == NULL) {
        ccodecs_png_close(h);
        ccodecs_png_set_msg(msg, "out of memory");
        return CCODECS_ERR_NOMEM;
    }
    if (setjmp(png_jmpbuf(h->png))) {
        int code = ccodecs_png_code(h);
        ccodecs_png_set_msg(msg, h->msg);
        ccodecs_png_close(h);
        return code;
    }
    png_set_read_fn(h->png, h, ccodecs_png_read_fn);
    png_set_user_limits(h->png, CCODECS_MAX_DIMENSION, CCODECS_MAX_DIMENSION);
    png_set_chunk_malloc_max(h->png, CCODECS_PNG_CHUNK_MAX);
    png_read_info(h->png, h->info);

    png_uint_32 w = 0, ht = 0;
    int depth = 0, ctype = 0, interlace = 0;
    png_get_IHDR(h->png, h->info, &w, &ht, &depth, &ctype, &interlace, NULL, NULL);
    int has_trns = png_get_valid(h->png, h->info, PNG_INFO_tRNS) != 0;
    h->has_alpha = (ctype & PNG_COLOR_MASK_ALPHA) != 0 || has_trns;

    if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(h->png);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(h->png);
    if (has_trns) png_set_tRNS_to_alpha(h->png);
    if (depth == 16) png_set_scale_16(h->png);  // rounds; png_set_strip_16 would truncate
    if ((ctype & PNG_COLOR_MASK_COLOR) == 0) png_set_gray_to_rgb(h->png);
    if (interlace != PNG_INTERLACE_NONE) png_set_interlace_handling(h->png);
    png_read_update_info(h->png, h->info);

    size_t want = (size_t)w * (h->has_alpha ? 4 : 3);
    if (png_get_rowbytes(h->png, h->info) != want) {
        ccodecs_png_set_msg(msg, "PNG transforms did not give 8-bit RGB(A)");
        ccodecs_png_close(h);
        return CCODECS_ERR_UNSUPPORTED;
    }
    info->width = w;
    info->height = ht;
    info->bit_depth = depth;
    info->color_type = ctype;
    info->interlaced = interlace != PNG_INTERLACE_NONE;
    info->has_alpha = h->has_alpha;
    *out = h;
    return CCODECS_OK;
}

// out = a*c + (1-a)*bg, rounded, per channel.
static void ccodecs_composite_row(const uint8_t *rgba, uint8_t *rgb, png_uint_32 width,
                                  const uint8_t *bg) {
    for (png_uint_32 x = 0; x < width; x++) {
        unsigned a = rgba[3], na = 255 - a;
        rgb[0] = (uint8_t)((rgba[0] * a + bg[0] * na + 127) / 255);
        rgb[1] = (uint8_t)((rgba[1] * a + bg[1] * na + 127) / 255);
        rgb[2] = (uint8_t)((rgba[2] * a + bg[2] * na + 127) / 255);
        rgba += 4;
        rgb += 3;
    }
}

int ccodecs_png_read_rgb(ccodecs_png *h, uint8_t *dst, size_t dst_len, const uint8_t *bg,
                         char *msg) {
    char scratch[CCODECS_MSG_LEN];
    if (msg == NULL) msg = scratch;
    if (h == NULL || dst == NULL || bg == NULL) return CCODECS_ERR_ARGUMENT;
    png_uint_32 w = png_get_image_width(h->png, h->info);
    png_uint_32 ht = png_get_image_height(h->png, h->info);
    size_t stride = (size_t)w * 3;
    if (dst_len < stride * ht) {
        ccodecs_png_set_msg(msg, "output buffer smaller than the image");
        return CCODECS_ERR_ARGUMENT;
    }
    int interlaced = png_get_interlace_type(h->png, h->info) != PNG_INTERLACE_NONE;
    if (setjmp(png_jmpbuf(h->png))) {
        int code = ccodecs_png_code(h);
        ccodecs_png_set_msg(msg, h->msg);
        return code;  // caller closes the handle, which frees the scratch
    }
    if (!h->has_alpha && !interlaced) {
        for (png_uint_32 y = 0; y < ht; y++) png_read_row(h->png, dst + stride * y, NULL);
    } else if (!interlaced) {
        h->rgba = malloc((size_t)w * 4);
        if (h->rgba == NULL) png_error(h->png, "out of memory");
        for (png_uint_32 y = 0; y < ht; y++) {
            png_read_row(h->png, h->rgba, NULL);
            ccodecs_composite_row(h->rgba, dst + stride * y, w, bg);
        }
    } else {
        size_t rs = (size_t)w * (h->has_alpha ? 4 : 3);
        png_bytep base = dst;
        if (h->has_alpha) {
            h->rgba = malloc(rs * ht);
            if (h->rgba == NULL) png_error(h->png, "out of memory");
            base = h->rgba;
        }
        h->rows = malloc(sizeof(png_bytep) * ht);
        if (h->rows == NULL) png_error(h->png, "out of memory");
        for (png_uint_32 y = 0; y < ht; y++) h->rows[y] = base + rs * y;
        png_read_image(h->png, h->rows);
        if (h->has_alpha)
            for (png_uint_32 y = 0; y < ht; y++)
                ccodecs_composite_row(h->rows[y], dst + stride * y, w, bg);
    }
    // No png_read_end: the pixels are complete; a missing IEND does not change them.
    return CCODECS_OK;
}

int ccodecs_png_read_rows(ccodecs_png *h, const uint8_t *bg, ccodecs_row_fn fn, void *ctx,
                          char *msg) {
    char scratch[CCODECS_MSG_LEN];
    if (msg == NULL) msg = scratch;
    if (h == NULL || bg == NULL || fn == NULL) return CCODECS_ERR_ARGUMENT;
    png_uint_32 w = png_get_image_width(h->png, h->info);
    png_uint_32 ht = png_get_image_height(h->png, h->info);
    size_t stride = (size_t)w * 3;
    if (png_get_interlace_type(h->png, h->info) != PNG_INTERLACE_NONE) {
        // Adam7 needs every pass before any row is final: decode the whole image, then stream.
        h->rgb = malloc(stride * ht);
        if (h->rgb == NULL) {
            ccodecs_png_set_msg(msg, "out of memory");
            return CCODECS_ERR_NOMEM;
        }
        int rc = ccodecs_png_read_rgb(h, h->rgb, stride * ht, bg, msg);
        if (rc != CCODECS_OK) return rc;
        for (png_uint_32 y = 0; y < ht; y++) fn(ctx, y, h->rgb + stride * y);
        return CCODECS_OK;
    }
    if (setjmp(png_jmpbuf(h->png))) {
        int code = ccodecs_png_code(h);
        ccodecs_png_set_msg(msg, h->msg);
        return code;
    }
    h->rgb = malloc(stride);
    if (h->rgb == NULL) png_error(h->png, "out of memory");
    if (h->has_alpha) {
        h->rgba = malloc((size_t)w * 4);
        if (h->rgba == NULL) png_error(h->png, "out of memory");
    }
    for (png_uint_32 y = 0; y < ht; y++) {
        if (h->has_alpha) {
            png_read_row(h->png, h->rgba, NULL);
            ccodecs_composite_row(h->rgba, h->rgb, w, bg);
        } else {
            png_read_row(h->png, h->rgb, NULL);
        }
        fn(ctx, y, h->rgb);
    }
    return CCODECS_OK;
}

void ccodecs_png_close(ccodecs_png *h) {
    if (h == NULL) return;
    if (h->png != NULL) png_destroy_read_struct(&h->png, h->info ? &h->info : NULL, NULL);
    free(h->rgba);
    free(h->rows);
    free(h->rgb);
    free(h);
}
