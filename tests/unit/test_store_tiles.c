/* test_store_tiles.c — gis/store_tiles.c on its own: features of a layer
 * with each filter, paging in id order, the R*Tree box against the exact
 * one, counts, extents and the per-layer data versions, on a database made
 * by the real `diming import` from the test fixtures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/store_tiles.h"
#include "tests/support/support.h"

static char *g_dir, *g_db;
static store_t *g_store;

static int import(const char *layer, const char *file, const char *srs)
{
    char *path = t_fixture(file);
    t_run_t r;
    int rc = srs ? T_RUN(&r, "import", layer, path, "--db", g_db, "--quiet", "--src-srs", srs)
                 : T_RUN(&r, "import", layer, path, "--db", g_db, "--quiet");
    free(path);
    if (rc || r.status != 0) {
        fprintf(stderr, "import %s failed (%d): %s\n", file, r.status, r.err ? r.err : "");
        rc = -1;
    }
    t_run_free(&r);
    return rc;
}

static int setup(void **state)
{
    (void)state;
    g_dir = t_tmpdir("store-tiles");
    g_db = t_path(g_dir, "t.sqlite");
    dm_error e;
    if (import("divisions", "hierarchy.geojson", NULL) || import("facilities", "facilities_lonlat.csv", "EPSG:4490") ||
        import("markers", "tiles/markers.csv", "EPSG:4490") || import("roads", "tiles/roads.geojson", NULL))
        return -1;
    return store_open(g_db, STORE_READONLY, &g_store, &e);
}

static int teardown(void **state)
{
    (void)state;
    store_close(g_store);
    t_rmtree(g_dir);
    free(g_dir);
    free(g_db);
    return 0;
}

typedef struct {
    char names[16][64];
    int64_t ids[16];
    int n;
} seen_t;

static const char *prop(const store_feature_t *f, const char *key)
{
    for (int i = 0; i < f->nprops; i++)
        if (strcmp(f->props[i].key, key) == 0)
            return f->props[i].type == STORE_VAL_TEXT ? f->props[i].text : NULL;
    return NULL;
}

static int remember(const store_feature_t *f, void *ctx)
{
    seen_t *s = ctx;
    const char *name = prop(f, "name") ? prop(f, "name") : prop(f, "number");
    snprintf(s->names[s->n], sizeof s->names[0], "%s", name ? name : "");
    s->ids[s->n++] = f->id;
    assert_non_null(f->wkb);
    return s->n == 16;
}

static seen_t run(store_layer_t layer, const store_feature_query_t *q)
{
    seen_t s;
    memset(&s, 0, sizeof s);
    dm_error e;
    assert_int_equal(store_layer_features(g_store, layer, q, remember, &s, &e), 0);
    assert_int_equal(store_layer_count(g_store, layer, q, &e), s.n); /* callers here neither page nor stop */
    return s;
}

static void names_and_filters(void **state)
{
    (void)state;
    store_layer_t l;
    dm_error e;
    assert_int_equal(store_layer_from_name("facilities", &l, &e), 0);
    assert_int_equal(l, STORE_LAYER_FACILITIES);
    assert_string_equal(store_layer_name(STORE_LAYER_NAMES), "names");
    assert_int_equal(store_layer_from_name("rivers", &l, &e), DM_ENOTFOUND);
    assert_string_equal(e.param, "layer");
    assert_int_equal(store_layer_filters(STORE_LAYER_RESIDENTIAL), STORE_FILTER_NAME | STORE_FILTER_CODE);
    assert_true(store_layer_filters(STORE_LAYER_DIVISIONS) & STORE_FILTER_DATE);

    store_feature_query_t q;
    store_feature_query_init(&q);
    seen_t s = run(STORE_LAYER_FACILITIES, &q);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.names[0], "天宁区社会福利院");
    assert_true(s.ids[0] < s.ids[1] && s.ids[1] < s.ids[2]);

    q.category = "敬老院";
    s = run(STORE_LAYER_FACILITIES, &q);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.names[0], "郑陆镇敬老院");

    store_feature_query_init(&q);
    q.code = "320402100000";
    s = run(STORE_LAYER_DIVISIONS, &q);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.names[0], "郑陆镇");

    store_feature_query_init(&q);
    q.min_level = q.max_level = LEVEL_VILLAGE;
    q.valid_from = q.valid_to = "2021-06-29";
    s = run(STORE_LAYER_DIVISIONS, &q);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.names[3], "运河社区");
    q.valid_from = q.valid_to = "2021-06-30";
    s = run(STORE_LAYER_DIVISIONS, &q);
    assert_string_equal(s.names[3], "新运河社区");

    store_feature_query_init(&q);
    q.fid = 2;
    s = run(STORE_LAYER_MARKERS, &q);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.names[0], "TN-ZL-002");
}

static void paging_and_boxes(void **state)
{
    (void)state;
    store_feature_query_t q;
    store_feature_query_init(&q);
    q.limit = 5;
    q.offset = 10;
    seen_t s;
    memset(&s, 0, sizeof s);
    dm_error e;
    assert_int_equal(store_layer_features(g_store, STORE_LAYER_DIVISIONS, &q, remember, &s, &e), 0);
    assert_int_equal(s.n, 2); /* 12 rows: the page after the tenth */
    assert_int_equal(s.ids[0], 11);
    assert_int_equal(store_layer_count(g_store, STORE_LAYER_DIVISIONS, &q, &e), 12);

    /* 长乐路 runs from (119.97, 30.951) to (119.97, 31.049); 人民路 along lat
     * 30.96. A box east of 长乐路 and north of 人民路 meets neither road but
     * lies inside the footway's bounding box, not on the footway. */
    store_feature_query_init(&q);
    q.has_bbox = 1;
    q.bbox[0] = 119.995;
    q.bbox[1] = 31.0;
    q.bbox[2] = 119.996;
    q.bbox[3] = 31.001;
    assert_int_equal(store_layer_count(g_store, STORE_LAYER_ROADS, &q, &e), 1); /* by bounding box */
    q.exact_bbox = 1;
    assert_int_equal(store_layer_count(g_store, STORE_LAYER_ROADS, &q, &e), 0); /* by geometry */
    q.bbox[2] = 120.0;
    q.bbox[3] = 31.01;
    assert_int_equal(store_layer_count(g_store, STORE_LAYER_ROADS, &q, &e), 1);

    double b[4];
    assert_int_equal(store_layer_extent(g_store, STORE_LAYER_MARKERS, b, &e), 1);
    assert_float_equal(b[0], 119.955, 1e-4);
    assert_float_equal(b[3], 31.045, 1e-4);
    assert_int_equal(store_layer_extent(g_store, STORE_LAYER_NAMES, b, &e), 0); /* no names imported */
}

static void versions_per_layer(void **state)
{
    (void)state;
    int64_t v[STORE_LAYER__COUNT], w[STORE_LAYER__COUNT];
    dm_error e;
    assert_int_equal(store_layer_versions(g_store, v, &e), 0);
    /* batches in import order: divisions 1, facilities 2, markers 3, roads 4 */
    assert_int_equal(v[STORE_LAYER_DIVISIONS], 1);
    assert_int_equal(v[STORE_LAYER_FACILITIES], 2);
    assert_int_equal(v[STORE_LAYER_MARKERS], 3);
    assert_int_equal(v[STORE_LAYER_ROADS], 4);
    assert_int_equal(v[STORE_LAYER_NAMES], 0);
    assert_int_equal(store_layer_versions_fast(g_store, w, &e), 0);
    assert_memory_equal(v, w, sizeof v);

    /* An import by another process shows at once through the fast path. */
    assert_int_equal(import("names", "names_cn.csv", "EPSG:4490"), 0);
    assert_int_equal(store_layer_versions_fast(g_store, w, &e), 0);
    assert_int_equal(w[STORE_LAYER_NAMES], 5);
    assert_int_equal(w[STORE_LAYER_ROADS], 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_and_filters),
        cmocka_unit_test(paging_and_boxes),
        cmocka_unit_test(versions_per_layer),
    };
    return cmocka_run_group_tests_name("unit/store_tiles", tests, setup, teardown);
}
