/* test_boundaries_files.c — the files boundary staff receive, through the
 * real CLI and server (tests/fixtures/boundaries/README.md):
 *  - an official line (郑陆镇—雕庄街道, line 9902, along 31°N from 119.95° to
 *    120°) as a Shapefile in CGCS2000 Gauss-Krüger (EPSG:4549 and the zone-
 *    prefixed EPSG:4528, made by scripts/make-fixtures with ogr2ogr) and as
 *    GeoJSON in GCJ-02: every vertex comes back within 1e-7° (about 1 cm);
 *  - the marker rules on that line: A/B side (A on 雕庄街道's side, the smaller
 *    code 320402001, south of the line) and where numbering starts (west end);
 *  - joint inspection rounds imported from CSV and GeoJSON, and bad files that
 *    leave the database unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/crs.h"
#include "gis/geom.h"
#include "gis/store_boundary.h"
#include "importers/import_boundaries.h"
#include "tests/support/support.h"

static char *g_dir, *g_db;
static t_server_t g_srv;

/* The vertices of official-lines-we.geojson. */
static const double LINE[3][2] = {{119.95, 31.0}, {119.975, 31.0}, {120.0, 31.0}};

static int run_ok(const char *const args[])
{
    t_run_t r;
    int rc = t_run(args, &r);
    if (rc || r.status != 0) {
        fprintf(stderr, "%s %s failed (%d): %s\n", args[0], args[1], r.status, r.err ? r.err : "");
        rc = -1;
    }
    t_run_free(&r);
    return rc;
}

static int group_setup(void **state)
{
    (void)state;
    g_dir = t_tmpdir("http-boundary-files");
    if (!g_dir)
        return -1;
    g_db = t_path(g_dir, "f.sqlite");
    char *hier = t_fixture("hierarchy.geojson"), *markers = t_fixture("boundaries/markers-rules.geojson");
    char *shp = t_fixture("boundaries/official-lines-4549.shp"), *rounds = t_fixture("boundaries/rounds.csv");
    int rc = run_ok((const char *const[]){"import", "divisions", hier, "--db", g_db, "--quiet", NULL}) ||
             run_ok((const char *const[]){"import", "markers", markers, "--db", g_db, "--quiet", NULL}) ||
             run_ok((const char *const[]){"boundaries", "derive", "--db", g_db, "--tolerance-m", "5", NULL}) ||
             run_ok((const char *const[]){"boundaries", "import", shp, "--db", g_db, NULL}) ||
             run_ok((const char *const[]){"boundaries", "import-rounds", rounds, "--db", g_db, NULL});
    free(hier), free(markers), free(shp), free(rounds);
    if (rc)
        return -1;
    const char *const extra[] = {"--threads", "2", NULL};
    return t_server_start(&g_srv, g_db, extra);
}

static int group_teardown(void **state)
{
    (void)state;
    int status = t_server_stop_checked(&g_srv);
    t_rmtree(g_dir);
    free(g_dir);
    free(g_db);
    return status;
}

static void get_json(const char *target, int expect, t_response_t *res)
{
    assert_int_equal(t_get(g_srv.port, target, res), 0);
    if (res->status != expect)
        fprintf(stderr, "GET %s: %d %s\n", target, res->status, res->body);
    assert_int_equal(res->status, expect);
    assert_non_null(res->json);
}

static json_t *finding(json_t *doc, const char *kind, const char *number)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(doc, "features"), i, f)
    {
        json_t *p = json_object_get(f, "properties");
        if (strcmp(json_string_value(json_object_get(p, "kind")), kind) == 0 &&
            strcmp(json_string_value(json_object_get(p, "number")), number) == 0)
            return p;
    }
    return NULL;
}

static const char *reason(json_t *doc, const char *kind, const char *number)
{
    json_t *p = finding(doc, kind, number);
    assert_non_null(p);
    return json_string_value(json_object_get(p, "reason"));
}

/* Every vertex of a stored MultiLineString against LINE. */
typedef struct {
    int lines;
    double worst;
} cmp_t;

static int compare_line(const boundary_line_t *l, void *ctx)
{
    cmp_t *c = ctx;
    if (!l->line_code || strcmp(l->line_code, "9902") != 0)
        return 0;
    GEOSContextHandle_t h = geom_ctx();
    GEOSGeometry *g = geom_from_wkb(l->wkb, l->wkb_len, NULL);
    assert_non_null(g);
    assert_int_equal(GEOSGetNumGeometries_r(h, g), 1);
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, GEOSGetGeometryN_r(h, g, 0));
    unsigned n = 0;
    GEOSCoordSeq_getSize_r(h, cs, &n);
    assert_int_equal(n, 3);
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
        c->worst = fmax(c->worst, fmax(fabs(x - LINE[i][0]), fabs(y - LINE[i][1])));
    }
    GEOSGeom_destroy_r(h, g);
    c->lines++;
    return 0;
}

/* Imports `path` (with src_srs) into a new database and returns the largest
 * vertex error in degrees. */
static double import_and_compare(const char *path, const char *src_srs, bfile_report_t *rep)
{
    static int serial;
    char name[32];
    snprintf(name, sizeof name, "crs-%d.sqlite", ++serial); /* a new file each time */
    char *db = t_path(g_dir, name);
    store_t *s;
    dm_error e;
    assert_int_equal(store_open(db, 0, &s, &e), 0);
    int rc = import_boundary_lines(s, path, src_srs, rep, &e);
    if (rc)
        fprintf(stderr, "import %s: %s\n", path, e.message);
    assert_int_equal(rc, 0);
    cmp_t c = {0};
    assert_int_equal(store_boundary_lines(s, LEVEL_NONE, "", compare_line, &c, &e), 0);
    assert_int_equal(c.lines, 1);
    store_close(s);
    free(db);
    return c.worst;
}

static void test_official_lines_in_other_crs_round_trip(void **state)
{
    (void)state;
    bfile_report_t rep;
    const char *shapes[] = {"boundaries/official-lines-4549.shp", "boundaries/official-lines-4528.shp"};
    const char *names[] = {"EPSG:4549", "EPSG:4528"};
    for (size_t i = 0; i < 2; i++) {
        char *p = t_fixture(shapes[i]);
        double worst = import_and_compare(p, NULL, &rep);
        free(p);
        assert_string_equal(rep.driver, "ESRI Shapefile");
        assert_string_equal(rep.src_srs, names[i]);
        assert_int_equal(rep.lines, 1);
        assert_true(worst < 1e-7);
    }
    /* GCJ-02 (internet-map coordinates, hundreds of metres off): written here
     * with the forward offset, read back with --src-srs GCJ02. */
    char *gcj = t_path(g_dir, "line-gcj02.geojson");
    FILE *f = fopen(gcj, "w");
    assert_non_null(f);
    fprintf(f, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
               "{\"left_code\":\"320402001\",\"right_code\":\"320402100\",\"line_code\":\"9902\"},"
               "\"geometry\":{\"type\":\"LineString\",\"coordinates\":[");
    double shift = 0;
    for (int i = 0; i < 3; i++) {
        double x, y;
        crs_wgs84_to_gcj02(LINE[i][0], LINE[i][1], &x, &y);
        shift = fmax(shift, fabs(x - LINE[i][0]));
        fprintf(f, "%s[%.12f,%.12f]", i ? "," : "", x, y);
    }
    fprintf(f, "]}}]}\n");
    fclose(f);
    assert_true(shift > 0.003); /* the offset is real: about 400 m here */
    double worst = import_and_compare(gcj, "GCJ02", &rep);
    assert_string_equal(rep.src_srs, "GCJ02");
    assert_true(worst < 1e-7);
    /* The same file read as lon/lat without the CRS keeps the offset. */
    assert_true(import_and_compare(gcj, "EPSG:4490", &rep) > 0.003);
    free(gcj);

    /* Through the server: the official line replaced the derived one of the pair. */
    t_response_t res;
    get_json("/boundaries?level=township&code=320402100&date=2024-01-01", 200, &res);
    json_t *feat = NULL, *x;
    size_t k;
    json_array_foreach(json_object_get(res.json, "features"), k, x)
    {
        if (strcmp(t_json_str(x, "properties.right_code"), "320402100000") == 0 &&
            strcmp(t_json_str(x, "properties.left_code"), "320402001000") == 0)
            feat = x;
    }
    assert_non_null(feat);
    assert_string_equal(t_json_str(feat, "properties.source"), "imported");
    assert_string_equal(t_json_str(feat, "properties.line_code"), "9902");
    assert_string_equal(t_json_str(feat, "properties.agreement_ref"), "天宁勘界〔2004〕2号");
    assert_string_equal(t_json_str(feat, "properties.valid_from"), "2004-06-01");
    assert_string_equal(t_json_str(feat, "properties.name"), "雕庄街道—郑陆镇");
    assert_float_equal(t_json_num(feat, "geometry.coordinates.0.1.0"), 119.975, 1e-7);
    assert_float_equal(t_json_num(feat, "properties.length_m"), 4775.2, 0.05); /* geod: 4775.213 m */
    t_response_free(&res);

    /* A projected file given as lon/lat is refused, naming the CRS option. */
    t_run_t r;
    char *shp = t_fixture("boundaries/official-lines-4549.shp");
    assert_int_equal(T_RUN(&r, "boundaries", "import", shp, "--src-srs", "EPSG:4490", "--db", g_db), 0);
    free(shp);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "feature 1: coordinates (495225, 3.43097e+06) are not lon/lat in China as "
                                  "EPSG:4490 (projected data needs its CRS: --src-srs) (nothing imported)"));
    t_run_free(&r);
}

static void test_marker_side_and_start_rules(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/boundaries/markers/audit?line=9902&tolerance_m=20&as_of=2025-01-01", 200, &res);
    assert_int_equal(t_json_int(res.json, "markers"), 8);
    assert_int_equal(t_json_len(res.json, "features"), 5);
    /* Line 9902 runs west–east; 001 stands at its east end. */
    assert_string_equal(json_string_value(json_object_get(finding(res.json, "numbering_start", "9902001Q"), "rule")),
                        "GBT17796-SEQ-START");
    assert_non_null(strstr(reason(res.json, "numbering_start", "9902001Q"),
                           "line 9902 runs west–east, so it is numbered from its west end, but 9902001 lies 3343 m "
                           "east of 9902005"));
    /* 002 stands right; 003 is swapped; 004 has both on 雕庄街道's side. */
    assert_null(finding(res.json, "pair_side", "9902002A"));
    assert_null(finding(res.json, "pair_side", "9902002B"));
    assert_null(finding(res.json, "pair_side", "9902004A"));
    assert_string_equal(json_string_value(json_object_get(finding(res.json, "pair_side", "9902003A"), "rule")),
                        "GBT17796-PAIR-SIDE");
    assert_string_equal(reason(res.json, "pair_side", "9902003A"),
                        "9902003A stands on the side of 郑陆镇 (320402100000); A stands on the side of the smaller "
                        "code, 雕庄街道 (320402001000) (GB/T 17796-2009)");
    assert_string_equal(reason(res.json, "pair_side", "9902003B"),
                        "9902003B stands on the side of 雕庄街道 (320402001000); B stands on the side of the larger "
                        "code, 郑陆镇 (320402100000) (GB/T 17796-2009)");
    assert_non_null(finding(res.json, "pair_side", "9902004B"));
    /* Round 4 (rounds.csv) covered all but 9902005Q. */
    assert_non_null(strstr(reason(res.json, "not_covered_by_last_round", "9902005Q"), "round 4 of line 9902 (2024-05-10)"));
    assert_int_equal(t_json_int(res.json, "summary.pair_side"), 3);
    t_response_free(&res);
}

static void test_bad_round_files_leave_the_database_unchanged(void **state)
{
    (void)state;
    char *before = t_sql(g_db, "SELECT count(*), (SELECT count(*) FROM inspection_findings), "
                               "group_concat(round_no || '@' || inspected_on, ' ') FROM inspection_rounds");
    assert_non_null(before);
    assert_string_equal(before, "2|10|3@2019-05-10 4@2024-05-10\n");
    static const struct {
        const char *file, *err;
    } bad[] = {
        {"boundaries/rounds-bad-date.csv", "row 3: round 5 of line 9902 is dated 2025-06-01 on row 1, not 2025-06-02"},
        {"boundaries/rounds-bad-condition.csv",
         "row 2: condition must be intact, damaged, missing, moved or replaced (got 'broken')"},
        {"boundaries/rounds.csv", "row 1: line 9902 already has round 3"},
        {"boundaries/markers.geojson", "row 1: round must be a number 1, 2, … (got '')"},
        {"boundaries/nonexistent.csv", "cannot be read as a vector file"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *p = t_fixture(bad[i].file);
        t_run_t r;
        assert_int_equal(T_RUN(&r, "boundaries", "import-rounds", p, "--db", g_db), 0);
        free(p);
        if (!r.err || !strstr(r.err, bad[i].err))
            fprintf(stderr, "%s: %s\n", bad[i].file, r.err ? r.err : "");
        assert_int_equal(r.status, 1);
        assert_non_null(strstr(r.err, bad[i].err));
        assert_non_null(strstr(r.err, "(nothing imported)"));
        t_run_free(&r);
        char *after = t_sql(g_db, "SELECT count(*), (SELECT count(*) FROM inspection_findings), "
                                  "group_concat(round_no || '@' || inspected_on, ' ') FROM inspection_rounds");
        assert_string_equal(after, before);
        free(after);
    }
    free(before);
}

static void test_round_from_geojson_becomes_the_last(void **state)
{
    (void)state;
    char *p = t_fixture("boundaries/rounds-5.geojson");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "boundaries", "import-rounds", p, "--db", g_db), 0);
    free(p);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "1 rounds with 7 marker findings imported"));
    t_run_free(&r);
    char *rows = t_sql(g_db, "SELECT f.marker_number, f.finding, coalesce(f.note, '') FROM inspection_findings f "
                             "JOIN inspection_rounds r ON r.id = f.round_id WHERE r.round_no = 5 "
                             "AND f.finding <> 'intact' OR f.note IS NOT NULL ORDER BY r.round_no, f.marker_number");
    assert_string_equal(rows, "9902003A|damaged|双方到场修复\n9902004B|moved|按协议书附图复位\n9902003A|intact|已修复\n"
                              "9902004B|missing|待补设\n");
    free(rows);
    t_response_t res;
    get_json("/boundaries/markers/audit?line=9902&tolerance_m=20&as_of=2025-07-01", 200, &res);
    assert_non_null(strstr(reason(res.json, "not_covered_by_last_round", "9902005Q"), "round 5 of line 9902 (2025-06-01)"));
    assert_int_equal(t_json_int(res.json, "summary.not_covered_by_last_round"), 1);
    t_response_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_official_lines_in_other_crs_round_trip),
        cmocka_unit_test(test_marker_side_and_start_rules),
        cmocka_unit_test(test_bad_round_files_leave_the_database_unchanged),
        cmocka_unit_test(test_round_from_geojson_becomes_the_last),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
