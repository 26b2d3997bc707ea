/* glyphs.c — font glyph ranges for map labels; see glyphs.h.
 *
 * Resolution: each font name of a stack goes through fontconfig (the
 * machine's own font configuration, so an operator adds fonts the usual way,
 * by installing them), then FreeType renders at GLYPHS_SIZE px. The signed
 * distance field is computed from the anti-aliased coverage as two squared
 * Euclidean distance transforms (to the outside and to the inside of the
 * glyph) with sub-pixel edges taken from coverage: a pixel of coverage a
 * lies (0.5 - a) px outside the edge. The transform is the separable
 * lower-envelope-of-parabolas method of Felzenszwalb and Huttenlocher
 * ("Distance Transforms of Sampled Functions", 2012), exact for squared
 * distances, linear in the number of pixels. */
#include "tiles/glyphs.h"

#include <ctype.h>
#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glyphs.pb-c.h"

typedef struct {
    char *path;
    int index;
    FT_Face face;
} face_t;

typedef struct {
    char *key; /* "fontstack\nstart" */
    unsigned char *pbf;
    size_t len;
    uint64_t used;
} cached_t;

struct glyphs {
    pthread_mutex_t lock; /* FreeType, fontconfig and the tables below */
    FT_Library ft;
    FcConfig *fc;
    face_t *faces;
    size_t nfaces, capfaces;
    int fallback; /* index into faces of the Chinese sans-serif, -1 if none */
    cached_t *cache;
    size_t ncache, capcache, cache_bytes, budget;
    uint64_t clock;
};

/* ---- fontconfig ----------------------------------------------------------------------- */

/* Words that end a font name and name its style ("Noto Sans CJK SC Bold
 * Italic" is family "Noto Sans CJK SC", style "Bold Italic"), as the names
 * in MapLibre styles are written. */
static int is_style_word(const char *w, size_t n)
{
    static const char *const words[] = {"Regular", "Bold",      "Italic",    "Oblique", "Medium",   "Light",
                                        "Thin",    "Black",     "Heavy",     "Book",    "SemiBold", "Semibold",
                                        "DemiBold", "ExtraBold", "ExtraLight", "UltraLight", "Condensed", NULL};
    for (int i = 0; words[i]; i++)
        if (strlen(words[i]) == n && strncmp(words[i], w, n) == 0)
            return 1;
    return 0;
}

/* The file and face index fontconfig picks for a pattern; 0 on success. */
static int match_file(glyphs_t *g, FcPattern *pat, char *path, size_t cap, int *index)
{
    FcConfigSubstitute(g->fc, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult r;
    FcPattern *m = FcFontMatch(g->fc, pat, &r);
    if (!m)
        return -1;
    FcChar8 *file = NULL;
    int idx = 0, rc = -1;
    if (FcPatternGetString(m, FC_FILE, 0, &file) == FcResultMatch && file) {
        FcPatternGetInteger(m, FC_INDEX, 0, &idx);
        snprintf(path, cap, "%s", (const char *)file);
        *index = idx;
        rc = 0;
    }
    FcPatternDestroy(m);
    return rc;
}

static int resolve_name(glyphs_t *g, const char *name, char *path, size_t cap, int *index)
{
    size_t n = strlen(name);
    /* Peel style words off the end. */
    size_t fam_end = n;
    for (;;) {
        size_t e = fam_end;
        while (e > 0 && name[e - 1] == ' ')
            e--;
        size_t b = e;
        while (b > 0 && name[b - 1] != ' ')
            b--;
        if (b == 0 || !is_style_word(name + b, e - b))
            break;
        fam_end = b;
    }
    char family[GLYPHS_MAX_NAME + 1], style[GLYPHS_MAX_NAME + 1];
    size_t fl = fam_end;
    while (fl > 0 && name[fl - 1] == ' ')
        fl--;
    snprintf(family, sizeof family, "%.*s", (int)fl, name);
    const char *st = name + fam_end;
    while (*st == ' ')
        st++;
    snprintf(style, sizeof style, "%s", st);
    FcPattern *pat = FcPatternCreate();
    if (!pat)
        return -1;
    FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)(family[0] ? family : name));
    if (style[0] && strcmp(style, "Regular") != 0)
        FcPatternAddString(pat, FC_STYLE, (const FcChar8 *)style);
    int rc = match_file(g, pat, path, cap, index);
    FcPatternDestroy(pat);
    return rc;
}

/* The face for a file, opened once; its position in g->faces or -1. */
static int face_for(glyphs_t *g, const char *path, int index)
{
    for (size_t i = 0; i < g->nfaces; i++)
        if (g->faces[i].index == index && strcmp(g->faces[i].path, path) == 0)
            return (int)i;
    if (g->nfaces == g->capfaces) {
        size_t cap = g->capfaces ? 2 * g->capfaces : 8;
        face_t *f = realloc(g->faces, cap * sizeof *f);
        if (!f)
            return -1;
        g->faces = f, g->capfaces = cap;
    }
    FT_Face face;
    if (FT_New_Face(g->ft, path, index, &face))
        return -1;
    if (FT_Set_Pixel_Sizes(face, 0, GLYPHS_SIZE)) {
        FT_Done_Face(face);
        return -1;
    }
    char *p = strdup(path);
    if (!p) {
        FT_Done_Face(face);
        return -1;
    }
    g->faces[g->nfaces] = (face_t){p, index, face};
    return (int)g->nfaces++;
}

int glyphs_open(size_t cache_bytes, glyphs_t **out, dm_error *err)
{
    *out = NULL;
    glyphs_t *g = calloc(1, sizeof *g);
    if (!g)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    pthread_mutex_init(&g->lock, NULL);
    g->budget = cache_bytes;
    g->fallback = -1;
    if (FT_Init_FreeType(&g->ft)) {
        glyphs_close(g);
        return dm_error_set(err, DM_EINTERNAL, NULL, "FreeType did not start");
    }
    if (!(g->fc = FcInitLoadConfigAndFonts())) {
        glyphs_close(g);
        return dm_error_set(err, DM_EINTERNAL, NULL, "fontconfig did not start");
    }
    /* The last resort of every stack: a sans-serif that has Chinese. */
    FcPattern *pat = FcNameParse((const FcChar8 *)"sans-serif:lang=zh-cn");
    char path[4096];
    int index = 0;
    if (pat && match_file(g, pat, path, sizeof path, &index) == 0)
        g->fallback = face_for(g, path, index);
    if (pat)
        FcPatternDestroy(pat);
    if (g->fallback < 0) {
        glyphs_close(g);
        return dm_error_set(err, DM_ENOTFOUND, "fonts",
                            "no font found through fontconfig (Debian: apt-get install fonts-wqy-microhei)");
    }
    *out = g;
    return 0;
}

void glyphs_close(glyphs_t *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nfaces; i++) {
        FT_Done_Face(g->faces[i].face);
        free(g->faces[i].path);
    }
    free(g->faces);
    for (size_t i = 0; i < g->ncache; i++) {
        free(g->cache[i].key);
        free(g->cache[i].pbf);
    }
    free(g->cache);
    if (g->ft)
        FT_Done_FreeType(g->ft);
    if (g->fc)
        FcConfigDestroy(g->fc);
    pthread_mutex_destroy(&g->lock);
    free(g);
}

int glyphs_resolve(glyphs_t *g, const char *name, char *path, size_t cap, dm_error *err)
{
    int index = 0;
    pthread_mutex_lock(&g->lock);
    int rc = resolve_name(g, name, path, cap, &index);
    pthread_mutex_unlock(&g->lock);
    return rc ? dm_error_set(err, DM_ENOTFOUND, "fontstack", "no font matches '%s'", name) : 0;
}

/* ---- distance field ------------------------------------------------------------------- */

#define EDT_INF 1e20

/* In place: f[i] (squared distances along one line, n values, stride s)
 * becomes min over j of f[j] + (i - j)². v, z, d are scratch of n, n+1, n. */
static void edt_1d(double *f, int n, int s, int *v, double *z, double *d)
{
    /* The lower envelope of the parabolas y = f[p] + (x - p)²: v holds
     * their apexes, z the boundaries between them. EDT_INF is finite, so a
     * new boundary is always above z[0] and the loop below stops. */
    int k = 0;
    v[0] = 0;
    z[0] = -EDT_INF, z[1] = EDT_INF;
    for (int q = 1; q < n; q++) {
        double fq = f[q * s] + (double)q * q, sp;
        for (;;) {
            int p = v[k];
            sp = (fq - (f[p * s] + (double)p * p)) / (2.0 * (q - p));
            if (sp > z[k])
                break;
            k--;
        }
        k++;
        v[k] = q;
        z[k] = sp;
        z[k + 1] = EDT_INF;
    }
    k = 0;
    for (int q = 0; q < n; q++) {
        while (z[k + 1] < q)
            k++;
        double dq = q - v[k];
        d[q] = dq * dq + f[v[k] * s];
    }
    for (int q = 0; q < n; q++)
        f[q * s] = d[q];
}

static void edt_2d(double *grid, int w, int h, int *v, double *z, double *d)
{
    for (int x = 0; x < w; x++)
        edt_1d(grid + x, h, w, v, z, d);
    for (int y = 0; y < h; y++)
        edt_1d(grid + (size_t)y * w, w, 1, v, z, d);
}

void glyphs_sdf(const unsigned char *coverage, int w, int h, int pitch, unsigned char *out)
{
    int W = w + 2 * GLYPHS_BORDER, H = h + 2 * GLYPHS_BORDER, n = W > H ? W : H;
    size_t N = (size_t)W * H;
    double *outer = malloc(N * sizeof *outer), *inner = malloc(N * sizeof *inner);
    double *z = malloc(((size_t)n + 1) * sizeof *z), *d = malloc((size_t)n * sizeof *d);
    int *v = malloc((size_t)n * sizeof *v);
    if (!outer || !inner || !z || !d || !v) {
        memset(out, 0, N);
        goto done;
    }
    /* outer: squared distance to the glyph (0 inside); inner: to the
     * background (0 outside). Partly covered pixels seed both with the
     * sub-pixel offset of the edge. */
    for (size_t i = 0; i < N; i++)
        outer[i] = EDT_INF, inner[i] = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double a = coverage[(size_t)y * pitch + x] / 255.0;
            size_t i = (size_t)(y + GLYPHS_BORDER) * W + (size_t)(x + GLYPHS_BORDER);
            if (a >= 1) {
                outer[i] = 0, inner[i] = EDT_INF;
            } else if (a > 0) {
                double o = 0.5 - a > 0 ? 0.5 - a : 0, in = a - 0.5 > 0 ? a - 0.5 : 0;
                outer[i] = o * o, inner[i] = in * in;
            }
        }
    edt_2d(outer, W, H, v, z, d);
    edt_2d(inner, W, H, v, z, d);
    for (size_t i = 0; i < N; i++) {
        double dist = sqrt(outer[i]) - sqrt(inner[i]); /* > 0 outside */
        double val = round(255.0 - 255.0 * (dist / GLYPHS_RADIUS + GLYPHS_CUTOFF));
        out[i] = (unsigned char)(val < 0 ? 0 : val > 255 ? 255 : val);
    }
done:
    free(outer), free(inner), free(z), free(d), free(v);
}

/* ---- ranges ---------------------------------------------------------------------------- */

int glyphs_parse_range(const char *text, const char *param, unsigned *start, dm_error *err)
{
    unsigned a, b;
    int used = 0;
    if (!text || sscanf(text, "%5u-%5u%n", &a, &b, &used) != 2 || text[used] != '\0' || !isdigit((unsigned char)text[0]))
        return dm_error_set(err, DM_EINVAL, param, "glyph range must be START-END, e.g. 0-255");
    if (a % 256 != 0 || b != a + 255 || a > 65280)
        return dm_error_set(err, DM_EINVAL, param,
                            "glyph range must span 256 code points from a multiple of 256 (0-255 … 65280-65535), got %s",
                            text);
    *start = a;
    return 0;
}

/* Splits and checks a fontstack; fills names[] (pointers into buf). */
static int split_stack(const char *stack, char *buf, size_t cap, const char *names[GLYPHS_MAX_FONTS], int *n,
                       dm_error *err)
{
    if (!stack || !*stack)
        return dm_error_set(err, DM_EINVAL, "fontstack", "fontstack is empty");
    if (strlen(stack) >= cap)
        return dm_error_set(err, DM_EINVAL, "fontstack", "fontstack is too long");
    snprintf(buf, cap, "%s", stack);
    *n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        size_t len = strlen(t);
        while (len > 0 && t[len - 1] == ' ')
            t[--len] = '\0';
        if (!len)
            continue;
        if (len > GLYPHS_MAX_NAME)
            return dm_error_set(err, DM_EINVAL, "fontstack", "font name longer than %d bytes", GLYPHS_MAX_NAME);
        for (const unsigned char *c = (const unsigned char *)t; *c; c++)
            if (*c < 0x20 || *c == 0x7f)
                return dm_error_set(err, DM_EINVAL, "fontstack", "font name contains a control character");
        if (*n == GLYPHS_MAX_FONTS)
            return dm_error_set(err, DM_EINVAL, "fontstack", "more than %d fonts in one fontstack", GLYPHS_MAX_FONTS);
        names[(*n)++] = t;
    }
    if (*n == 0)
        return dm_error_set(err, DM_EINVAL, "fontstack", "fontstack names no font");
    return 0;
}

static int cache_find(glyphs_t *g, const char *key)
{
    for (size_t i = 0; i < g->ncache; i++)
        if (strcmp(g->cache[i].key, key) == 0)
            return (int)i;
    return -1;
}

static void cache_put(glyphs_t *g, const char *key, const unsigned char *pbf, size_t len)
{
    if (len > g->budget)
        return;
    while (g->ncache && g->cache_bytes + len > g->budget) { /* evict the least recently used */
        size_t lru = 0;
        for (size_t i = 1; i < g->ncache; i++)
            if (g->cache[i].used < g->cache[lru].used)
                lru = i;
        g->cache_bytes -= g->cache[lru].len;
        free(g->cache[lru].key);
        free(g->cache[lru].pbf);
        g->cache[lru] = g->cache[--g->ncache];
    }
    if (g->ncache == g->capcache) {
        size_t cap = g->capcache ? 2 * g->capcache : 32;
        cached_t *c = realloc(g->cache, cap * sizeof *c);
        if (!c)
            return;
        g->cache = c, g->capcache = cap;
    }
    char *k = strdup(key);
    unsigned char *copy = malloc(len ? len : 1);
    if (!k || !copy) {
        free(k), free(copy);
        return;
    }
    memcpy(copy, pbf, len);
    g->cache[g->ncache++] = (cached_t){k, copy, len, ++g->clock};
    g->cache_bytes += len;
}

/* Renders one code point with the first face that has it; 1 if drawn. */
static int render_glyph(glyphs_t *g, const int *faces, int nfaces, unsigned cp, Diming__Glyphs__Glyph *out,
                        unsigned char **bitmap)
{
    for (int i = 0; i < nfaces; i++) {
        FT_Face face = g->faces[faces[i]].face;
        FT_UInt gi = FT_Get_Char_Index(face, cp);
        if (!gi || FT_Load_Glyph(face, gi, FT_LOAD_NO_HINTING | FT_LOAD_RENDER))
            continue;
        FT_GlyphSlot s = face->glyph;
        if (s->bitmap.pixel_mode != FT_PIXEL_MODE_GRAY)
            continue;
        int w = (int)s->bitmap.width, h = (int)s->bitmap.rows;
        out->id = cp;
        out->width = (uint32_t)w;
        out->height = (uint32_t)h;
        out->left = s->bitmap_left;
        out->top = s->bitmap_top - (int)(face->size->metrics.ascender >> 6);
        out->advance = (uint32_t)((s->advance.x + 32) >> 6);
        if (w > 0 && h > 0) {
            size_t size = (size_t)(w + 2 * GLYPHS_BORDER) * (size_t)(h + 2 * GLYPHS_BORDER);
            if (!(*bitmap = malloc(size)))
                return 0;
            glyphs_sdf(s->bitmap.buffer, w, h, s->bitmap.pitch, *bitmap);
            out->has_bitmap = 1;
            out->bitmap.data = *bitmap;
            out->bitmap.len = size;
        }
        return 1;
    }
    return 0;
}

int glyphs_range(glyphs_t *g, const char *fontstack, unsigned start, unsigned char **pbf, size_t *len,
                 dm_error *err)
{
    *pbf = NULL;
    *len = 0;
    char buf[GLYPHS_MAX_FONTS * (GLYPHS_MAX_NAME + 2) + 1];
    const char *names[GLYPHS_MAX_FONTS];
    int nnames;
    if (split_stack(fontstack, buf, sizeof buf, names, &nnames, err))
        return DM_EINVAL;
    if (start % 256 || start > 65280)
        return dm_error_set(err, DM_EINVAL, "range", "glyph range start must be a multiple of 256 up to 65280");
    char key[sizeof buf + 16];
    snprintf(key, sizeof key, "%s\n%u", fontstack, start);

    pthread_mutex_lock(&g->lock);
    int hit = cache_find(g, key);
    if (hit >= 0) {
        cached_t *c = &g->cache[hit];
        c->used = ++g->clock;
        *pbf = malloc(c->len ? c->len : 1);
        if (*pbf) {
            memcpy(*pbf, c->pbf, c->len);
            *len = c->len;
        }
        pthread_mutex_unlock(&g->lock);
        return *pbf ? 0 : dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    /* The stack's faces, then the Chinese fallback, each once. */
    int faces[GLYPHS_MAX_FONTS + 1], nfaces = 0;
    for (int i = 0; i < nnames; i++) {
        char path[4096];
        int index = 0, f;
        if (resolve_name(g, names[i], path, sizeof path, &index) == 0 && (f = face_for(g, path, index)) >= 0) {
            int dup = 0;
            for (int k = 0; k < nfaces; k++)
                dup |= faces[k] == f;
            if (!dup)
                faces[nfaces++] = f;
        }
    }
    int dup = 0;
    for (int k = 0; k < nfaces; k++)
        dup |= faces[k] == g->fallback;
    if (!dup)
        faces[nfaces++] = g->fallback;

    Diming__Glyphs__Glyph glyph[256], *gp[256];
    unsigned char *bitmaps[256] = {0};
    size_t n = 0;
    for (unsigned cp = start; cp < start + 256; cp++) {
        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0xd800 && cp < 0xe000))
            continue; /* controls and surrogates have no glyph */
        diming__glyphs__glyph__init(&glyph[n]);
        if (render_glyph(g, faces, nfaces, cp, &glyph[n], &bitmaps[n])) {
            gp[n] = &glyph[n];
            n++;
        }
    }
    pthread_mutex_unlock(&g->lock);

    char range[16];
    snprintf(range, sizeof range, "%u-%u", start, start + 255);
    Diming__Glyphs__Fontstack stack = DIMING__GLYPHS__FONTSTACK__INIT;
    stack.name = (char *)fontstack;
    stack.range = range;
    stack.n_glyphs = n;
    stack.glyphs = gp;
    Diming__Glyphs__Fontstack *sp = &stack;
    Diming__Glyphs__Glyphs msg = DIMING__GLYPHS__GLYPHS__INIT;
    msg.n_stacks = 1;
    msg.stacks = &sp;
    size_t size = diming__glyphs__glyphs__get_packed_size(&msg);
    unsigned char *out = malloc(size ? size : 1);
    if (out)
        diming__glyphs__glyphs__pack(&msg, out);
    for (size_t i = 0; i < n; i++)
        free(bitmaps[i]);
    if (!out)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    pthread_mutex_lock(&g->lock);
    if (cache_find(g, key) < 0)
        cache_put(g, key, out, size);
    pthread_mutex_unlock(&g->lock);
    *pbf = out;
    *len = size;
    return 0;
}
