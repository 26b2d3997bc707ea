/* test_glyphs.c — label glyph ranges (tiles/glyphs.h): the signed distance
 * field against a brute-force distance on random shapes and against the
 * values MapLibre's shader expects at known distances; range parsing; and
 * real ranges rendered from the machine's fonts (fonts-dejavu-core and
 * fonts-wqy-microhei, installed by scripts/install-deps), decoded with the
 * generated protobuf reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glyphs.pb-c.h"
#include "tiles/glyphs.h"

#define B GLYPHS_BORDER

static unsigned char expected(double dist)
{
    double v = round(255.0 - 255.0 * (dist / GLYPHS_RADIUS + GLYPHS_CUTOFF));
    return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* A fully covered 10 x 10 square: inside pixels count their distance to the
 * nearest uncovered pixel centre as negative, outside ones to the nearest
 * covered one; the edge (distance 0) is 191. */
static void square_has_the_distances_maplibre_expects(void **state)
{
    (void)state;
    enum { W = 10, H = 10, OW = W + 2 * B, OH = H + 2 * B };
    unsigned char cov[H][W], out[OH][OW];
    memset(cov, 255, sizeof cov);
    glyphs_sdf(&cov[0][0], W, H, W, &out[0][0]);
    assert_int_equal(out[B][B], expected(-1));              /* corner pixel inside: 1 px to the outside */
    assert_int_equal(out[B + 4][B + 4], expected(-5));      /* centre-ish: 5 px to the outside */
    assert_int_equal(out[B - 1][B + 4], expected(1));       /* just above the top edge */
    assert_int_equal(out[0][B + 4], expected(3));           /* at the border: 3 px */
    assert_int_equal(out[0][0], expected(3 * sqrt(2)));     /* diagonal from the corner */
    assert_int_equal(expected(0), 191);
    /* A half-covered pixel lies on the edge. */
    unsigned char half = 128, o[(1 + 2 * B) * (1 + 2 * B)];
    glyphs_sdf(&half, 1, 1, 1, o);
    assert_int_equal(o[B * (1 + 2 * B) + B], 191);
}

/* Random binary shapes: every value equals the brute-force signed distance. */
static void random_shapes_match_brute_force(void **state)
{
    (void)state;
    enum { W = 17, H = 23, OW = W + 2 * B, OH = H + 2 * B };
    unsigned char cov[H][W], out[OH][OW];
    srand(11);
    for (int round = 0; round < 40; round++) {
        int filled = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                filled += (cov[y][x] = rand() % 3 == 0 ? 255 : 0) != 0;
        if (!filled)
            cov[H / 2][W / 2] = 255;
        glyphs_sdf(&cov[0][0], W, H, W, &out[0][0]);
        for (int y = 0; y < OH; y++)
            for (int x = 0; x < OW; x++) {
                int cy = y - B, cx = x - B;
                int inside = cy >= 0 && cy < H && cx >= 0 && cx < W && cov[cy][cx];
                double best = 1e9;
                for (int yy = 0; yy < OH; yy++)
                    for (int xx = 0; xx < OW; xx++) {
                        int sy = yy - B, sx = xx - B;
                        int in2 = sy >= 0 && sy < H && sx >= 0 && sx < W && cov[sy][sx];
                        if (in2 != inside) {
                            double d = hypot(xx - x, yy - y);
                            best = d < best ? d : best;
                        }
                    }
                unsigned char want = expected(inside ? -best : best);
                if (out[y][x] != want)
                    fail_msg("round %d pixel (%d,%d): %d, brute force %d", round, x, y, out[y][x], want);
            }
    }
}

static void ranges_parse_strictly(void **state)
{
    (void)state;
    unsigned s;
    dm_error e;
    assert_int_equal(glyphs_parse_range("0-255", "range", &s, &e), 0);
    assert_int_equal(s, 0);
    assert_int_equal(glyphs_parse_range("19968-20223", "range", &s, &e), 0);
    assert_int_equal(s, 19968);
    assert_int_equal(glyphs_parse_range("65280-65535", "range", &s, &e), 0);
    const char *bad[] = {"", "0-256", "1-256", "256-255", "65536-65791", "-0-255", "0-255x", "x", "0_255", NULL};
    for (int i = 0; bad[i]; i++) {
        assert_int_equal(glyphs_parse_range(bad[i], "range", &s, &e), DM_EINVAL);
        assert_string_equal(e.param, "range");
    }
}

static const Diming__Glyphs__Glyph *find(const Diming__Glyphs__Fontstack *st, unsigned id)
{
    for (size_t i = 0; i < st->n_glyphs; i++)
        if (st->glyphs[i]->id == id)
            return st->glyphs[i];
    return NULL;
}

static Diming__Glyphs__Glyphs *range(glyphs_t *g, const char *stack, unsigned start)
{
    unsigned char *pbf;
    size_t len;
    dm_error e;
    if (glyphs_range(g, stack, start, &pbf, &len, &e))
        fail_msg("%s %u: %s", stack, start, e.message);
    Diming__Glyphs__Glyphs *m = diming__glyphs__glyphs__unpack(NULL, len, pbf);
    free(pbf);
    assert_non_null(m);
    assert_int_equal(m->n_stacks, 1);
    assert_string_equal(m->stacks[0]->name, stack);
    return m;
}

static void latin_and_chinese_ranges_render(void **state)
{
    (void)state;
    glyphs_t *g;
    dm_error e;
    if (glyphs_open(1 << 20, &g, &e))
        fail_msg("glyphs_open: %s", e.message);
    Diming__Glyphs__Glyphs *m = range(g, "Noto Sans Regular", 0);
    const Diming__Glyphs__Fontstack *st = m->stacks[0];
    assert_string_equal(st->range, "0-255");
    assert_null(find(st, 10)); /* controls have no glyph */
    const Diming__Glyphs__Glyph *space = find(st, ' '), *A = find(st, 'A'), *u = find(st, 0xfc); /* ü: Lüshun */
    assert_non_null(space);
    assert_false(space->has_bitmap);
    assert_true(space->advance > 0);
    assert_non_null(A);
    assert_non_null(u);
    assert_true(A->width >= 10 && A->width <= 24 && A->height >= 12 && A->height <= 24);
    assert_int_equal(A->bitmap.len, (A->width + 2 * B) * (A->height + 2 * B));
    assert_true(A->advance >= 10 && A->advance <= 24);
    /* Cap height sits below the ascender: top is negative, a few px. */
    assert_true(A->top < 0 && A->top > -12);
    int ink = 0;
    for (size_t i = 0; i < A->bitmap.len; i++)
        ink += A->bitmap.data[i] > 191;
    assert_true(ink > 20);
    diming__glyphs__glyphs__free_unpacked(m, NULL);

    /* 路 (U+8DEF) through the Chinese fallback, whatever the stack names. */
    m = range(g, "Open Sans Bold,Arial Unicode MS Regular", 0x8d00);
    const Diming__Glyphs__Glyph *lu = find(m->stacks[0], 0x8def);
    assert_non_null(lu);
    assert_true(lu->has_bitmap && lu->width >= 16 && lu->advance >= 20);
    diming__glyphs__glyphs__free_unpacked(m, NULL);

    /* Private use area: nothing to draw, still a valid, empty range. */
    m = range(g, "Noto Sans Regular", 0xe000);
    assert_int_equal(m->stacks[0]->n_glyphs, 0);
    diming__glyphs__glyphs__free_unpacked(m, NULL);

    /* Cached: the same bytes again. */
    unsigned char *a, *b;
    size_t la, lb;
    assert_int_equal(glyphs_range(g, "Noto Sans Regular", 0, &a, &la, &e), 0);
    assert_int_equal(glyphs_range(g, "Noto Sans Regular", 0, &b, &lb, &e), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    free(a), free(b);

    char path[4096];
    assert_int_equal(glyphs_resolve(g, "DejaVu Sans Bold", path, sizeof path, &e), 0);
    assert_non_null(strstr(path, "DejaVuSans-Bold"));
    glyphs_close(g);
}

static void bad_fontstacks_are_refused(void **state)
{
    (void)state;
    glyphs_t *g;
    dm_error e;
    assert_int_equal(glyphs_open(1 << 20, &g, &e), 0);
    unsigned char *pbf = NULL;
    size_t len;
    char longname[200];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    const char *bad[] = {"", " , ,", "A,B,C,D,E,F,G,H,I", longname, "Noto\x01Sans", NULL};
    for (int i = 0; bad[i]; i++) {
        assert_int_equal(glyphs_range(g, bad[i], 0, &pbf, &len, &e), DM_EINVAL);
        assert_string_equal(e.param, "fontstack");
        assert_null(pbf);
    }
    assert_int_equal(glyphs_range(g, "Noto Sans Regular", 100, &pbf, &len, &e), DM_EINVAL);
    glyphs_close(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(square_has_the_distances_maplibre_expects),
        cmocka_unit_test(random_shapes_match_brute_force),
        cmocka_unit_test(ranges_parse_strictly),
        cmocka_unit_test(latin_and_chinese_ranges_render),
        cmocka_unit_test(bad_fontstacks_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
