#ifndef CCODECS_H
#define CCODECS_H
// C entry points that run libjpeg / libpng under setjmp.
//
// libjpeg and libpng report fatal errors by longjmp. A longjmp must never cross a Swift frame, so
// every setjmp lives in these functions: each one re-arms its own jump buffer, calls the library,
// and turns any error into a return code plus a message in the caller's buffer
// (CCODECS_MSG_LEN bytes, always NUL-terminated). All memory the libraries allocate is owned by a
// handle that `*_close` releases on every path, error or not.
#include <stddef.h>
#include <stdint.h>

#define CCODECS_MSG_LEN 200

/// Result codes; 0 is success.
enum {
    CCODECS_OK = 0,
    CCODECS_ERR_CORRUPT = 1,      ///< malformed data (bad marker, bad Huffman code, CRC, zlib)
    CCODECS_ERR_TRUNCATED = 2,    ///< the data ends before the image does
    CCODECS_ERR_TOO_LARGE = 3,    ///< a dimension beyond the limit (65500)
    CCODECS_ERR_UNSUPPORTED = 4,  ///< a valid file the decoder does not handle (e.g. 12-bit JPEG)
    CCODECS_ERR_NOMEM = 5,        ///< allocation failed
    CCODECS_ERR_ARGUMENT = 6,     ///< programmer error: bad buffer size or call order
};

/// Largest width or height accepted by either decoder (libjpeg's JPEG_MAX_DIMENSION).
#define CCODECS_MAX_DIMENSION 65500

// MARK: JPEG decode

typedef struct ccodecs_jpeg ccodecs_jpeg;

/// Colour model of the JPEG frame as libjpeg reads it.
enum { CCODECS_JPEG_GRAY = 1, CCODECS_JPEG_RGB = 2, CCODECS_JPEG_YCC = 3, CCODECS_JPEG_CMYK = 4,
       CCODECS_JPEG_YCCK = 5, CCODECS_JPEG_OTHER = 0 };

typedef struct {
    int width, height;          ///< frame size from the SOF header
    int out_width, out_height;  ///< size that `ccodecs_jpeg_read_rgb` will write (after DCT scaling)
    int scale_num;              ///< DCT scale numerator over 8 (8 = full size)
    int components;
    int color_model;            ///< CCODECS_JPEG_*
    int progressive;
    int adobe_inverted;         ///< CMYK/YCCK with an Adobe APP14 marker: stored inverted
} ccodecs_jpeg_info;

/// Flags for `ccodecs_jpeg_open`.
enum {
    CCODECS_JPEG_POW2_ONLY = 1,     ///< restrict the DCT scale to 1/8, 2/8, 4/8, 8/8 (SIMD IDCTs)
    CCODECS_JPEG_FAST_SCALED = 2,   ///< when scaled (M < 8): no fancy chroma upsampling, as
                                    ///< Pillow's draft mode (blockier chroma, faster)
};

/// Reads the JPEG header and chooses the DCT scale: the smallest M/8 (M in 1...8) for which
/// both output sides stay >= `min_side` (0: full size). `flags`: CCODECS_JPEG_* bits.
/// Allocates nothing proportional to the image.
/// On success `*out` is a handle for `ccodecs_jpeg_read_rgb` / `ccodecs_jpeg_close`.
int ccodecs_jpeg_open(const uint8_t *data, size_t len, int min_side, int flags,
                      ccodecs_jpeg **out, ccodecs_jpeg_info *info, char *msg);

/// Decodes the whole frame as interleaved RGB into `dst` (`out_width*out_height*3` bytes).
/// Warnings policy: "premature end of JPEG file" -> CCODECS_ERR_TRUNCATED and corrupt-entropy
/// warnings (bad Huffman/arithmetic code, hit marker, resync, bad progression) ->
/// CCODECS_ERR_CORRUPT, because a partially grey frame would score wrongly. Other warnings
/// (extraneous bytes, unknown JFIF revision, bad ICC) are tolerated. More than 500 scans -> corrupt.
int ccodecs_jpeg_read_rgb(ccodecs_jpeg *h, uint8_t *dst, size_t dst_len, char *msg);

/// Releases the handle and everything libjpeg allocated. NULL is ignored.
void ccodecs_jpeg_close(ccodecs_jpeg *h);

// MARK: PNG decode

typedef struct ccodecs_png ccodecs_png;

typedef struct {
    uint32_t width, height;
    int bit_depth;      ///< as stored: 1, 2, 4, 8, 16
    int color_type;     ///< PNG colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
    int interlaced;     ///< Adam7
    int has_alpha;      ///< an alpha channel or tRNS chunk: composited on the background
} ccodecs_png_info;

/// Reads the PNG signature and every chunk up to the first IDAT, checks the dimensions
/// (<= CCODECS_MAX_DIMENSION, non-zero) and sets up the transforms to 8-bit RGB(A).
int ccodecs_png_open(const uint8_t *data, size_t len, ccodecs_png **out, ccodecs_png_info *info,
                     char *msg);

/// Decodes to interleaved 8-bit RGB in `dst` (`width*height*3` bytes): 16-bit samples are
/// scaled with rounding (png_set_scale_16), palettes and low bit depths expanded, gray
/// replicated, and alpha (incl. tRNS) composited over `bg` (3 bytes, RGB).
int ccodecs_png_read_rgb(ccodecs_png *h, uint8_t *dst, size_t dst_len, const uint8_t *bg,
                         char *msg);

/// Called once per decoded row, top to bottom, with `width*3` bytes of RGB valid only during
/// the call. It runs between libpng calls, so it must not call back into libpng; a libpng
/// error never unwinds through it.
typedef void (*ccodecs_row_fn)(void *ctx, uint32_t y, const uint8_t *rgb);

/// Like `ccodecs_png_read_rgb`, but streams rows to `fn` instead of filling an image buffer:
/// for a caller that resamples on the fly and never needs the full image (interlaced files are
/// decoded whole first, into memory the handle owns).
int ccodecs_png_read_rows(ccodecs_png *h, const uint8_t *bg, ccodecs_row_fn fn, void *ctx,
                          char *msg);

void ccodecs_png_close(ccodecs_png *h);

// MARK: PNG encode

/// Encodes rows of `pixels` (`stride` bytes apart) as a PNG.
/// color_type: 0 gray, 2 RGB, 3 palette (then `palette` holds `palette_len` RGB triples);
/// bit_depth 8, or 1/2/4 for gray/palette with rows already packed MSB first.
/// filters: a PNG_FILTER_* mask (0 = libpng default); strategy: a zlib strategy (0 = default).
/// On success `*out` is a malloc'd buffer of `*out_len` bytes for `ccodecs_free`.
int ccodecs_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride,
                       int color_type, int bit_depth, const uint8_t *palette, int palette_len,
                       int level, int filters, int strategy, uint8_t **out, size_t *out_len,
                       char *msg);

void ccodecs_free(void *p);

#endif
