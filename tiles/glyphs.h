/* glyphs.h — font glyphs for map labels, as MapLibre's glyph ranges
 * (`/fonts/{fontstack}/{start}-{end}.pbf` in a style's "glyphs" URL).
 *
 * A fontstack is a comma-separated list of font names ("Noto Sans Regular,
 * Arial Unicode MS Regular"). Each name is resolved through fontconfig to a
 * font installed on the machine (its best match: Debian maps "Noto Sans" or
 * "Arial" to DejaVu Sans when those are not installed); a code point is drawn
 * with the first font of the stack that has it, then with fontconfig's
 * Chinese sans-serif (WenQuanYi Micro Hei on Debian) so that every standard
 * name can be labelled. Glyphs are rendered by FreeType at 24 px and turned
 * into signed distance fields (3-pixel border, radius 8, cutoff 0.25: the
 * values every MapLibre client expects) with an exact Euclidean distance
 * transform; see docs/tiles.md.
 *
 * This module knows nothing of HTTP. Ownership: glyphs_open returns a set
 * the caller frees with glyphs_close; glyphs_range returns a malloc'd buffer
 * the caller frees. A set is thread-safe: FreeType is used under its lock,
 * and rendered ranges are kept (up to a byte budget) and copied out. */
#ifndef DIMING_GLYPHS_H
#define DIMING_GLYPHS_H

#include <stddef.h>

#include "gis/error.h"

#define GLYPHS_SIZE 24       /* px, the size MapLibre lays glyphs out at */
#define GLYPHS_BORDER 3      /* px of SDF around each glyph */
#define GLYPHS_RADIUS 8.0    /* px of distance the 0..255 scale spans */
#define GLYPHS_CUTOFF 0.25   /* share of the scale inside the glyph: the edge is 191 */
#define GLYPHS_MAX_FONTS 8   /* names in one fontstack */
#define GLYPHS_MAX_NAME 96   /* bytes of one font name */

typedef struct glyphs glyphs_t;

/* Starts FreeType and fontconfig; keeps at most cache_bytes of rendered
 * ranges. DM_ENOTFOUND when fontconfig knows no font at all. */
int glyphs_open(size_t cache_bytes, glyphs_t **out, dm_error *err);
void glyphs_close(glyphs_t *g);

/* Parses "START-END" (END = START + 255, START a multiple of 256, at most
 * 65280) into *start; DM_EINVAL naming `param` otherwise. */
int glyphs_parse_range(const char *text, const char *param, unsigned *start, dm_error *err);

/* The glyph range [start, start + 255] of `fontstack` as an uncompressed
 * Glyphs protobuf message in *pbf (malloc'd, *len bytes). Code points no
 * font has are left out. DM_EINVAL (param "fontstack") for an empty stack,
 * more than GLYPHS_MAX_FONTS names, a name longer than GLYPHS_MAX_NAME or
 * with control characters. */
int glyphs_range(glyphs_t *g, const char *fontstack, unsigned start, unsigned char **pbf, size_t *len,
                 dm_error *err);

/* The file fontconfig resolves a font name to (for `diming tiles fonts` and
 * tests); writes at most cap bytes. DM_ENOTFOUND when nothing matches. */
int glyphs_resolve(glyphs_t *g, const char *name, char *path, size_t cap, dm_error *err);

/* Signed distance field of an 8-bit coverage bitmap (w x h, row stride
 * `pitch`), written to out ((w + 2 * GLYPHS_BORDER) x (h + 2 * GLYPHS_BORDER)
 * bytes). Exposed for tests. */
void glyphs_sdf(const unsigned char *coverage, int w, int h, int pitch, unsigned char *out);

#endif
