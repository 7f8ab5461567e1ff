// JPEG decode through libjpeg(-turbo) under setjmp. See include/ccodecs.h for the contract.
#include "ccodecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

// Progressive files may hold any number of scans, each a full pass over the coefficient
// buffer; a hostile file with thousands of tiny scans is a CPU bomb. Real encoders write ~10.
#define CCODECS_JPEG_MAX_SCANS 500

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int code;
    char msg[CCODECS_MSG_LEN];
} ccodecs_jpeg_error;

struct ccodecs_jpeg {
    struct jpeg_decompress_struct cinfo;
    ccodecs_jpeg_error err;
    struct jpeg_progress_mgr progress;
    unsigned char *row;  // CMYK scratch row, owned here so an error path cannot leak it
};

static void ccodecs_copy_msg(char *dst, const char *src) {
    if (dst == NULL) return;
    snprintf(dst, CCODECS_MSG_LEN, "%s", src);
}

static void ccodecs_jpeg_fail(j_common_ptr cinfo, int code) {
    ccodecs_jpeg_error *e = (ccodecs_jpeg_error *)cinfo->err;
    char buf[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buf);
    e->code = code;
    snprintf(e->msg, sizeof e->msg, "%s", buf);
    longjmp(e->jump, 1);
}

static int ccodecs_jpeg_error_code(int msg_code) {
    switch (msg_code) {
    case JERR_IMAGE_TOO_BIG:
    case JERR_WIDTH_OVERFLOW:
        return CCODECS_ERR_TOO_LARGE;
    case JERR_OUT_OF_MEMORY:
        return CCODECS_ERR_NOMEM;
    case JERR_BAD_PRECISION:
    case JERR_NOT_COMPILED:
    case JERR_CONVERSION_NOTIMPL:
        return CCODECS_ERR_UNSUPPORTED;
    case JERR_INPUT_EOF:
    case JERR_INPUT_EMPTY:
        return CCODECS_ERR_TRUNCATED;
    default:
        return CCODECS_ERR_CORRUPT;
    }
}

static void ccodecs_jpeg_error_exit(j_common_ptr cinfo) {
    ccodecs_jpeg_fail(cinfo, ccodecs_jpeg_error_code(cinfo->err->msg_code));
}

// Warnings (level -1) policy; trace messages (level >= 0) are dropped.
static void ccodecs_jpeg_emit(j_common_ptr cinfo, int level) {
    if (level >= 0) return;
    cinfo->err->num_warnings++;
    switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
        ccodecs_jpeg_fail(cinfo, CCODECS_ERR_TRUNCATED);
        break;
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
        ccodecs_jpeg_fail(cinfo, CCODECS_ERR_CORRUPT);
        break;
    default:  // extraneous bytes before a marker, JFIF revision, bad ICC: image still whole
        break;
    }
}

static void ccodecs_jpeg_silent(j_common_ptr cinfo) { (void)cinfo; }

static void ccodecs_jpeg_progress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > CCODECS_JPEG_MAX_SCANS) {
        ccodecs_jpeg_error *e = (ccodecs_jpeg_error *)cinfo->err;
        e->code = CCODECS_ERR_CORRUPT;
        snprintf(e->msg, sizeof e->msg, "more than %d progressive scans", CCODECS_JPEG_MAX_SCANS);
        longjmp(e->jump, 1);
    }
}

static int ccodecs_color_model(J_COLOR_SPACE cs) {
    switch (cs) {
    case JCS_GRAYSCALE: return CCODECS_JPEG_GRAY;
    case JCS_RGB: return CCODECS_JPEG_RGB;
    case JCS_YCbCr: return CCODECS_JPEG_YCC;
    case JCS_CMYK: return CCODECS_JPEG_CMYK;
    case JCS_YCCK: return CCODECS_JPEG_YCCK;
    default: return CCODECS_JPEG_OTHER;
    }
}

// ceil(side * m / 8), as libjpeg computes scaled output sizes.
static long ccodecs_scaled(long side, int m) { return (side * m + 7) / 8; }

int ccodecs_jpeg_open(const uint8_t *data, size_t len, int min_side, int flags,
                      ccodecs_jpeg **out, ccodecs_jpeg_info *info, char *msg) {
    char scratch[CCODECS_MSG_LEN];
    if (msg == NULL) msg = scratch;
    if (out == NULL || info == NULL || data == NULL) return CCODECS_ERR_ARGUMENT;
    *out = NULL;
    memset(info, 0, sizeof *info);
    if (len < 4) {
        ccodecs_copy_msg(msg, "JPEG shorter than its header");
        return CCODECS_ERR_TRUNCATED;
    }
    ccodecs_jpeg *h = calloc(1, sizeof *h);
    if (h == NULL) {
        ccodecs_copy_msg(msg, "out of memory");
        return CCODECS_ERR_NOMEM;
    }
    h->cinfo.err = jpeg_std_error(&h->err.pub);
    h->err.pub.error_exit = ccodecs_jpeg_error_exit;
    h->err.pub.emit_message = ccodecs_jpeg_emit;
    h->err.pub.output_message = ccodecs_jpeg_silent;
    if (setjmp(h->err.jump)) {
        int code = h->err.code;
        ccodecs_copy_msg(msg, h->err.msg);
        ccodecs_jpeg_close(h);
        return code;
    }
    jpeg_create_decompress(&h->cinfo);
    h->progress.progress_monitor = ccodecs_jpeg_progress;
    h->cinfo.progress = &h->progress;
    jpeg_mem_src(&h->cinfo, data, (unsigned long)len);
    jpeg_read_header(&h->cinfo, TRUE);

    struct jpeg_decompress_struct *c = &h->cinfo;
    if (c->image_width == 0 || c->image_height == 0) {
        ccodecs_copy_msg(msg, "JPEG frame has a zero dimension");
        ccodecs_jpeg_close(h);
        return CCODECS_ERR_CORRUPT;
    }
    if (c->image_width > CCODECS_MAX_DIMENSION || c->image_height > CCODECS_MAX_DIMENSION) {
        snprintf(msg, CCODECS_MSG_LEN, "JPEG frame %ux%u exceeds %d pixels per side",
                 c->image_width, c->image_height, CCODECS_MAX_DIMENSION);
        ccodecs_jpeg_close(h);
        return CCODECS_ERR_TOO_LARGE;
    }
    switch (c->jpeg_color_space) {
    case JCS_CMYK:
    case JCS_YCCK:
        c->out_color_space = JCS_CMYK;
        break;
    case JCS_GRAYSCALE:
    case JCS_RGB:
    case JCS_YCbCr:
        c->out_color_space = JCS_RGB;  // libjpeg-turbo expands gray to RGB itself
        break;
    default:
        snprintf(msg, CCODECS_MSG_LEN, "JPEG colour space %d with %d components is not supported",
                 (int)c->jpeg_color_space, c->num_components);
        ccodecs_jpeg_close(h);
        return CCODECS_ERR_UNSUPPORTED;
    }
    int m = 8;
    if (min_side > 0) {
        long shorter = c->image_width < c->image_height ? c->image_width : c->image_height;
        for (int k = 1; k <= 8; k++) {
            if ((flags & CCODECS_JPEG_POW2_ONLY) && (k & (k - 1)) != 0) continue;
            if (ccodecs_scaled(shorter, k) >= min_side) { m = k; break; }
        }
    }
    c->scale_num = (unsigned)m;
    c->scale_denom = 8;
    if (m < 8 && (flags & CCODECS_JPEG_FAST_SCALED)) c->do_fancy_upsampling = FALSE;
    jpeg_calc_output_dimensions(c);

    info->width = (int)c->image_width;
    info->height = (int)c->image_height;
    info->out_width = (int)c->output_width;
    info->out_height = (int)c->output_height;
    info->scale_num = m;
    info->components = c->num_components;
    info->color_model = ccodecs_color_model(c->jpeg_color_space);
    info->progressive = c->progressive_mode ? 1 : 0;
    info->adobe_inverted = (c->out_color_space == JCS_CMYK && c->saw_Adobe_marker) ? 1 : 0;
    *out = h;
    return CCODECS_OK;
}

// CMYK (as libjpeg returns it, YCCK already converted) to RGB, the way Pillow does:
// R = (255 - C)(255 - K)/255. Adobe files store every channel inverted (s = 255 - c).
static void ccodecs_cmyk_row(const unsigned char *src, uint8_t *dst, unsigned width, int inverted) {
    for (unsigned x = 0; x < width; x++) {
        unsigned c = src[0], mg = src[1], y = src[2], k = src[3];
        if (!inverted) { c = 255 - c; mg = 255 - mg; y = 255 - y; k = 255 - k; }
        dst[0] = (uint8_t)((c * k + 127) / 255);
        dst[1] = (uint8_t)((mg * k + 127) / 255);
        dst[2] = (uint8_t)((y * k + 127) / 255);
        src += 4;
        dst += 3;
    }
}

int ccodecs_jpeg_read_rgb(ccodecs_jpeg *h, uint8_t *dst, size_t dst_len, char *msg) {
    char scratch[CCODECS_MSG_LEN];
    if (msg == NULL) msg = scratch;
    if (h == NULL || dst == NULL) return CCODECS_ERR_ARGUMENT;
    struct jpeg_decompress_struct *c = &h->cinfo;
    if (setjmp(h->err.jump)) {
        ccodecs_copy_msg(msg, h->err.msg);
        return h->err.code;  // caller closes the handle, which frees h->row
    }
    jpeg_start_decompress(c);
    size_t stride = (size_t)c->output_width * 3;
    if (c->output_components != (c->out_color_space == JCS_CMYK ? 4 : 3) ||
        dst_len < stride * c->output_height) {
        ccodecs_copy_msg(msg, "output buffer does not match the decoded size");
        return CCODECS_ERR_ARGUMENT;
    }
    int inverted = c->saw_Adobe_marker ? 1 : 0;
    if (c->out_color_space == JCS_CMYK) {
        h->row = malloc((size_t)c->output_width * 4);
        if (h->row == NULL) {
            ccodecs_copy_msg(msg, "out of memory");
            return CCODECS_ERR_NOMEM;
        }
        while (c->output_scanline < c->output_height) {
            JSAMPROW r = h->row;
            uint8_t *out = dst + stride * c->output_scanline;
            if (jpeg_read_scanlines(c, &r, 1) != 1) break;
            ccodecs_cmyk_row(h->row, out, c->output_width, inverted);
        }
    } else {
        JSAMPROW rows[16];
        while (c->output_scanline < c->output_height) {
            JDIMENSION n = c->output_height - c->output_scanline;
            if (n > 16) n = 16;
            for (JDIMENSION i = 0; i < n; i++)
                rows[i] = dst + stride * (c->output_scanline + i);
            if (jpeg_read_scanlines(c, rows, n) == 0) break;
        }
    }
    if (c->output_scanline < c->output_height) {
        ccodecs_copy_msg(msg, "JPEG decoder stopped before the last scanline");
        return CCODECS_ERR_TRUNCATED;
    }
    // No jpeg_finish_decompress: the frame is complete; trailing data (or a missing EOI)
    // does not change the pixels, and jpeg_destroy releases everything.
    return CCODECS_OK;
}

void ccodecs_jpeg_close(ccodecs_jpeg *h) {
    if (h == NULL) return;
    jpeg_destroy_decompress(&h->cinfo);
    free(h->row);
    free(h);
}
