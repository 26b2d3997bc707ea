/* test_import.c — importers/import.h through the library API: store_open on a
 * scratch file, import_run on each fixture of tests/fixtures/ (see its
 * README.md for what each file holds), then the exact report (counts, row
 * numbers, fields and messages of rejected rows) and what the store holds
 * afterwards (names, normalised names, coordinates after reprojection).
 *
 * The expected answers come from the fixtures' construction, not from running
 * the importer: the hierarchy's squares are written by hand in
 * hierarchy.geojson, the shapefiles are those squares projected by ogr2ogr,
 * and the GCJ-02 file holds the published reference vector WGS-84
 * (116.404, 39.915) → GCJ-02 (116.41024449916938, 39.91640428150164). */
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
#include "gis/store.h"
#include "gis/text.h"
#include "importers/import.h"
#include "tests/support/support.h"

/* ---- per-test database ------------------------------------------------------ */

typedef struct {
    char *dir, *db;
    store_t *s;
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    *state = fx;
    if (!fx || !(fx->dir = t_tmpdir("import")))
        return -1;
    fx->db = t_path(fx->dir, "test.sqlite");
    dm_error err;
    if (store_open(fx->db, 0, &fx->s, &err)) {
        fprintf(stderr, "cannot open %s: %s\n", fx->db, err.message);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    if (!fx)
        return 0;
    store_close(fx->s);
    t_rmtree(fx->dir);
    free(fx->dir);
    free(fx->db);
    free(fx);
    return 0;
}

typedef struct {
    import_layer_t layer;
    const char *fixture; /* file name in tests/fixtures, or an absolute path */
    const char *src_srs, *encoding, *valid_from;
    const char *const *fields;
    size_t nfields;
    int strict;
} job_t;

static char *job_path(const job_t *j)
{
    return j->fixture[0] == '/' ? strdup(j->fixture) : t_fixture(j->fixture);
}

/* Runs one import; the report is the caller's to free. */
static int run(store_t *s, const job_t *j, import_report_t *rep, dm_error *err)
{
    import_options_t o;
    memset(&o, 0, sizeof o);
    char *path = job_path(j);
    o.layer = j->layer;
    o.path = path;
    o.src_srs = j->src_srs;
    o.encoding = j->encoding;
    o.valid_from = j->valid_from;
    o.fields = j->fields;
    o.nfields = j->nfields;
    o.strict = j->strict;
    int rc = import_run(s, &o, rep, err);
    free(path);
    return rc;
}

/* Imports a file that must succeed. */
static void run_ok(store_t *s, const job_t *j, import_report_t *rep)
{
    dm_error err;
    int rc = run(s, j, rep, &err);
    if (rc)
        fprintf(stderr, "import of %s failed: %s\n", j->fixture, err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(err.code, DM_OK);
}

static void assert_counts(const import_report_t *rep, long read, long imported, long repaired, long rejected)
{
    assert_int_equal(rep->read, read);
    assert_int_equal(rep->imported, imported);
    assert_int_equal(rep->repaired, repaired);
    assert_int_equal(rep->rejected, rejected);
    assert_int_equal(rep->skipped, 0);
}

static void assert_issue(const import_report_t *rep, size_t i, import_issue_kind_t kind, long row, const char *field,
                         const char *message)
{
    assert_true(i < rep->nissues);
    assert_int_equal(rep->issues[i].kind, kind);
    assert_int_equal(rep->issues[i].row, row);
    assert_string_equal(rep->issues[i].field, field);
    assert_string_equal(rep->issues[i].message, message);
}

static void assert_sql(const char *db, const char *sql, const char *expected)
{
    char *got = t_sql(db, sql);
    assert_non_null(got);
    assert_string_equal(got, expected);
    free(got);
}

static void get_division(store_t *s, const char *code, const char *date, int with_geometry, division_t *d)
{
    dm_error err;
    int rc = store_division_get(s, code, date, with_geometry, d, &err);
    if (rc)
        fprintf(stderr, "%s: %s\n", code, err.message);
    assert_int_equal(rc, 0);
}

static const import_layer_t DIV = LAYER_DIVISIONS;

/* ---- the hierarchy ------------------------------------------------------------ */

static void hierarchy_geojson_imports_every_row(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    job_t j = {.layer = DIV, .fixture = "hierarchy.geojson"};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 12, 12, 0, 0);
    assert_int_equal(rep.nissues, 0); /* every parent is in the same file */
    assert_int_equal(rep.batch_id, 1);
    assert_string_equal(rep.layer, "divisions");
    assert_string_equal(rep.driver, "GeoJSON");
    assert_string_equal(rep.src_srs, "EPSG:4490");
    assert_string_equal(rep.encoding, "UTF-8");
    import_report_free(&rep);

    dm_error err;
    assert_int_equal(store_count(fx->s, "divisions", &err), 12);
    assert_int_equal(store_count(fx->s, "import_batches", &err), 1);
    assert_int_equal(store_data_version(fx->s, &err), 1);

    division_t d;
    get_division(fx->s, "320402100201", NULL, 1, &d);
    assert_string_equal(d.name, "舜河村");
    assert_null(d.name_original);
    assert_string_equal(d.parent_code, "320402100000");
    assert_int_equal(d.level, LEVEL_VILLAGE);
    assert_string_equal(d.type, "村");
    assert_string_equal(d.urban_rural, "220");
    assert_string_equal(d.valid_from, "");
    assert_string_equal(d.valid_to, "");
    assert_int_equal(d.batch_id, 1);
    assert_int_equal(d.row_no, 10);
    GEOSGeometry *g = geom_from_wkb(d.wkb, d.wkb_len, &err);
    assert_non_null(g);
    GEOSContextHandle_t h = geom_ctx();
    assert_int_equal(GEOSGeomTypeId_r(h, g), GEOS_MULTIPOLYGON);
    double xmin, xmax, ymin, ymax;
    GEOSGeom_getXMin_r(h, g, &xmin);
    GEOSGeom_getXMax_r(h, g, &xmax);
    GEOSGeom_getYMin_r(h, g, &ymin);
    GEOSGeom_getYMax_r(h, g, &ymax);
    assert_true(xmin == 119.975 && xmax == 120.0 && ymin == 31.0 && ymax == 31.05);
    GEOSGeom_destroy_r(h, g);
    division_clear(&d);

    /* Province: no parent, type from the name's suffix. */
    get_division(fx->s, "320000000000", NULL, 0, &d);
    assert_string_equal(d.name, "江苏省");
    assert_string_equal(d.parent_code, "");
    assert_int_equal(d.level, LEVEL_PROVINCE);
    assert_string_equal(d.type, "省");
    assert_null(d.wkb);
    division_clear(&d);

    /* Two versions of one code: renamed on 2021-06-30. */
    get_division(fx->s, "320404001001", "2021-06-29", 0, &d);
    assert_string_equal(d.name, "运河社区");
    assert_string_equal(d.valid_to, "2021-06-30");
    assert_string_equal(d.urban_rural, "111");
    division_clear(&d);
    get_division(fx->s, "320404001001", "2021-06-30", 0, &d);
    assert_string_equal(d.name, "新运河社区");
    assert_string_equal(d.valid_from, "2021-06-30");
    assert_string_equal(d.valid_to, "");
    assert_string_equal(d.urban_rural, "112");
    division_clear(&d);
}

static void division_code_list_csv_normalises_names(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    job_t j = {.layer = DIV, .fixture = "division_codes.csv"};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 4, 4, 0, 0);
    assert_string_equal(rep.driver, "CSV");
    assert_string_equal(rep.src_srs, ""); /* no geometry, no CRS needed */
    /* The parents are not in this database: warnings, not rejections. */
    assert_int_equal(rep.nissues, 4);
    assert_issue(&rep, 0, ISSUE_WARNING, 1, "parent_code",
                 "parent 320402001000 of 320402001002 is not in the database");
    assert_issue(&rep, 3, ISSUE_WARNING, 4, "parent_code",
                 "parent 320402100000 of 320402100202 is not in the database");
    import_report_free(&rep);

    /* traditional → simplified, white space next to CJK removed, full-width
     * digits → ASCII; the source text is kept when it differs. */
    assert_sql(fx->db,
               "SELECT code, name, name_original, type, urban_rural, level, parent_code, geom IS NULL "
               "FROM divisions ORDER BY code",
               "320402001002|长乐社区|長樂社區|社区|111|5|320402001000|1\n"
               "320402001003|幸福社区|幸福  社区|社区|111|5|320402001000|1\n"
               "320402001004|红星123社区|红星１２３社区|社区|112|5|320402001000|1\n"
               "320402100202|三河村||村|220|5|320402100000|1\n");
}

static void valid_from_option_dates_the_versions(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    dm_error err;
    job_t bad = {.layer = DIV, .fixture = "division_codes.csv", .valid_from = "2020-13-01"};
    assert_int_equal(run(fx->s, &bad, &rep, &err), DM_EINVAL);
    assert_string_equal(err.param, "valid-from");
    assert_string_equal(err.message, "valid-from is not a real date: 2020-13-01");
    import_report_free(&rep);
    assert_int_equal(store_count(fx->s, "divisions", &err), 0);

    job_t j = {.layer = DIV, .fixture = "division_codes.csv", .valid_from = "2020/01/01"};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 4, 4, 0, 0);
    import_report_free(&rep);
    assert_int_equal(store_division_exists(fx->s, "320402001002", "2019-12-31", &err), 0);
    division_t d;
    get_division(fx->s, "320402001002", "2020-01-01", 0, &d);
    assert_string_equal(d.valid_from, "2020-01-01");
    assert_string_equal(d.valid_to, "");
    division_clear(&d);
}

/* Numbers and dates typed as such in the file (GeoJSON integers, Date
 * fields): GDAL formats them into one per-feature buffer, so a value read
 * early must not change when a later field is read. */
static void numeric_and_date_fields_keep_their_values(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    job_t j = {.layer = DIV, .fixture = "divisions_numeric_fields.geojson"};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 2, 2, 0, 0);
    import_report_free(&rep);
    assert_sql(fx->db, "SELECT code, name, level, type, urban_rural, valid_from, valid_to FROM divisions ORDER BY code",
               "320402001001|丽华社区|5|社区|111|2020-01-01|2030-01-01\n"
               "320402100200|焦溪村|5|村|220|2020-01-01|\n");
}

/* ---- GBK shapefiles in Gauss-Krüger projections ---------------------------------- */

/* Every vertex of the outline of `code` is within 1 m of one of the square's
 * corners, and every corner has such a vertex. */
static void assert_square_within_1m(store_t *s, const char *code, double x0, double y0, double x1, double y1)
{
    division_t d;
    get_division(s, code, NULL, 1, &d);
    dm_error err;
    GEOSGeometry *g = geom_from_wkb(d.wkb, d.wkb_len, &err);
    assert_non_null(g);
    GEOSContextHandle_t h = geom_ctx();
    assert_int_equal(GEOSGeomTypeId_r(h, g), GEOS_MULTIPOLYGON);
    assert_int_equal(GEOSGetNumGeometries_r(h, g), 1);
    const GEOSGeometry *ring = GEOSGetExteriorRing_r(h, GEOSGetGeometryN_r(h, g, 0));
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned n = 0;
    GEOSCoordSeq_getSize_r(h, cs, &n);
    assert_int_equal(n, 5);
    const double cx[4] = {x0, x1, x1, x0}, cy[4] = {y0, y0, y1, y1};
    int seen[4] = {0};
    for (unsigned i = 0; i < n; i++) {
        double x, y, best = INFINITY;
        int k = -1;
        GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
        for (int c = 0; c < 4; c++) {
            double m = crs_geodesic_distance_m(x, y, cx[c], cy[c]);
            if (m < best)
                best = m, k = c;
        }
        if (best > 1.0)
            fprintf(stderr, "%s vertex %u (%.9f, %.9f) is %.3f m from the nearest corner\n", code, i, x, y, best);
        assert_true(best <= 1.0);
        seen[k] = 1;
    }
    assert_true(seen[0] && seen[1] && seen[2] && seen[3]);
    GEOSGeom_destroy_r(h, g);
    division_clear(&d);
}

static void assert_gbk_counties(fx_t *fx, const char *fixture, const char *encoding, const char *expect_encoding,
                                const char *expect_srs)
{
    import_report_t rep;
    job_t j = {.layer = DIV, .fixture = fixture, .encoding = encoding};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 2, 2, 0, 0);
    assert_string_equal(rep.driver, "ESRI Shapefile");
    assert_string_equal(rep.encoding, expect_encoding);
    assert_string_equal(rep.src_srs, expect_srs);
    assert_int_equal(rep.nissues, 2);
    assert_issue(&rep, 0, ISSUE_WARNING, 1, "parent_code",
                 "parent 320400000000 of 320402000000 is not in the database");
    assert_issue(&rep, 1, ISSUE_WARNING, 2, "parent_code",
                 "parent 320400000000 of 320404000000 is not in the database");
    import_report_free(&rep);

    division_t d;
    get_division(fx->s, "320402000000", NULL, 0, &d);
    assert_string_equal(d.name, "天宁区");
    assert_null(d.name_original); /* decoding is not normalising */
    assert_string_equal(d.type, "区");
    assert_int_equal(d.level, LEVEL_COUNTY);
    assert_int_equal(d.row_no, 1);
    division_clear(&d);
    get_division(fx->s, "320404000000", NULL, 0, &d);
    assert_string_equal(d.name, "钟楼区");
    assert_int_equal(d.row_no, 2);
    division_clear(&d);

    assert_square_within_1m(fx->s, "320402000000", 119.95, 30.95, 120.0, 31.05);
    assert_square_within_1m(fx->s, "320404000000", 120.0, 30.95, 120.05, 31.05);
}

static void gbk_shapefile_epsg4549_detected_and_reprojected(void **state)
{
    assert_gbk_counties(*state, "counties_gbk_4549.shp", NULL, "GB18030 (detected)", "EPSG:4549");
}

static void gbk_shapefile_epsg4528_zone_prefixed(void **state)
{
    assert_gbk_counties(*state, "counties_gbk_4528.shp", NULL, "GB18030 (detected)", "EPSG:4528");
}

static void gbk_shapefile_with_explicit_encoding(void **state)
{
    assert_gbk_counties(*state, "counties_gbk_4549.shp", "GBK", "GBK", "EPSG:4549");
}

/* --src-srs supplies the CRS a shapefile without .prj lacks, and when the file
 * declares one too, the option wins and a file-level warning (row 0) says so. */
static void src_srs_overrides_the_prj(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    job_t j = {.layer = DIV, .fixture = "bad_noprj.shp", .src_srs = "EPSG:4549"};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 2, 2, 0, 0);
    assert_string_equal(rep.src_srs, "EPSG:4549");
    import_report_free(&rep);
    assert_square_within_1m(fx->s, "320402000000", 119.95, 30.95, 120.0, 31.05);

    job_t k = {.layer = DIV, .fixture = "counties_gbk_4528.shp", .src_srs = "EPSG:4528"};
    store_t *s2;
    dm_error err;
    char *db2 = t_path(fx->dir, "second.sqlite");
    assert_int_equal(store_open(db2, 0, &s2, &err), 0);
    run_ok(s2, &k, &rep);
    assert_counts(&rep, 2, 2, 0, 0);
    assert_string_equal(rep.src_srs, "EPSG:4528");
    /* The file's own CRS was also declared: one warning says which won. */
    assert_issue(&rep, 0, ISSUE_WARNING, 0, "src-srs",
                 "the file declares EPSG:4528; coordinates are read as EPSG:4528 (--src-srs)");
    import_report_free(&rep);
    assert_square_within_1m(s2, "320404000000", 120.0, 30.95, 120.05, 31.05);
    store_close(s2);
    free(db2);
}

/* ---- CSV ------------------------------------------------------------------------ */

static void facilities_csv_with_lon_lat_columns(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    job_t j = {.layer = LAYER_FACILITIES, .fixture = "facilities_lonlat.csv", .src_srs = "EPSG:4490"};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 4, 3, 0, 1);
    assert_int_equal(rep.nissues, 1);
    assert_issue(&rep, 0, ISSUE_REJECTED, 4, "nursing_beds", "nursing_beds 12 exceed beds 10");
    import_report_free(&rep);
    assert_sql(fx->db,
               "SELECT row_no, name, type, beds, nursing_beds, status, X(geom), Y(geom) FROM facilities ORDER BY row_no",
               "1|天宁区社会福利院|养老机构|200|120|operating|119.97|31.02\n"
               "2|郑陆镇敬老院|敬老院|60|20|operating|119.96|31.04\n"
               "3|丽华社区日间照料中心|日间照料中心|0|0||119.98|30.97\n");
}

static void names_csv_with_chinese_headers(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    job_t j = {.layer = LAYER_NAMES, .fixture = "names_cn.csv", .src_srs = "EPSG:4490"};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 4, 4, 0, 0);
    assert_int_equal(rep.nissues, 0);
    import_report_free(&rep);
    assert_sql(fx->db,
               "SELECT row_no, name, name_original, category, status, GeometryType(geom), X(geom), Y(geom) "
               "FROM place_names ORDER BY row_no",
               "1|长乐路|長樂路|道路|approved|POINT|119.96|31.03\n"
               "2|人民路|人民 路|道路|approved|POINT|119.97|30.96\n"
               "3|青龙(东)路|青龙（东）路|道路|approved|POINT|119.985|30.99\n"
               "4|丽华新村||居民点|approved|POINT|119.955|30.955\n");
}

static void residential_csv_with_wkt_column(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    job_t j = {.layer = LAYER_RESIDENTIAL, .fixture = "residential_wkt.csv", .src_srs = "EPSG:4490"};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 3, 2, 0, 1);
    assert_int_equal(rep.nissues, 1);
    assert_issue(&rep, 0, ISSUE_REJECTED, 3, "pop_80", "pop_80 80 exceeds pop_60 50 (80+ are also 60+)");
    import_report_free(&rep);
    assert_sql(fx->db,
               "SELECT row_no, name, households, pop_60, pop_80, AsText(geom) FROM residential_areas ORDER BY row_no",
               "1|丽华新村|1200|350|60|MULTIPOLYGON(((119.96 30.96, 119.97 30.96, 119.97 30.97, 119.96 30.97, "
               "119.96 30.96)))\n"
               "2|焦溪花园|800|200|30|POINT(119.96 31.03)\n");
}

static void gcj02_points_become_wgs84(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    job_t j = {.layer = LAYER_FACILITIES, .fixture = "facilities_gcj02.csv", .src_srs = "GCJ02"};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 2, 2, 0, 0);
    assert_string_equal(rep.src_srs, "GCJ02");
    import_report_free(&rep);
    char *rows = t_sql(fx->db, "SELECT printf('%.12f %.12f', X(geom), Y(geom)) FROM facilities ORDER BY row_no");
    assert_non_null(rows);
    double x1, y1, x2, y2;
    assert_int_equal(sscanf(rows, "%lf %lf\n%lf %lf", &x1, &y1, &x2, &y2), 4);
    free(rows);
    double d1 = crs_geodesic_distance_m(x1, y1, 116.404, 39.915);
    double d2 = crs_geodesic_distance_m(x2, y2, 119.97, 31.02);
    if (d1 > 1.0 || d2 > 1.0)
        fprintf(stderr, "GCJ-02 inverse off by %.3f m and %.3f m\n", d1, d2);
    assert_true(d1 <= 1.0);
    assert_true(d2 <= 1.0);
}

/* ---- rejected rows ------------------------------------------------------------------ */

static void broken_geometry_row_is_rejected_alone(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    job_t j = {.layer = DIV, .fixture = "bad_geometry_row.geojson"};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 3, 2, 0, 1);
    assert_int_equal(rep.issues[0].kind, ISSUE_REJECTED);
    assert_int_equal(rep.issues[0].row, 2);
    assert_string_equal(rep.issues[0].field, "geometry");
    assert_true(strncmp(rep.issues[0].message, "unreadable geometry: ", 21) == 0);
    import_report_free(&rep);
    dm_error err;
    assert_int_equal(store_count(fx->s, "divisions", &err), 2);
    assert_int_equal(store_division_exists(fx->s, "320402100201", NULL, &err), 0);
    assert_int_equal(store_division_exists(fx->s, "320402100200", NULL, &err), 1);
    assert_int_equal(store_division_exists(fx->s, "320402001001", NULL, &err), 1);
}

/* geom.h: an invalid polygon is repaired only when MakeValid keeps the area
 * within 1 %. A bow-tie's signed lobes cancel (area 0 before, 2 lobes after):
 * rejected. A ring touching itself at one point (an inverted hole) keeps its
 * area: repaired into a valid MultiPolygon of the same area. */
static void bowtie_rejected_self_touching_ring_repaired(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    job_t j = {.layer = DIV, .fixture = "bowtie.geojson"};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 3, 2, 1, 1);
    assert_int_equal(rep.issues[0].kind, ISSUE_REJECTED);
    assert_int_equal(rep.issues[0].row, 1);
    assert_string_equal(rep.issues[0].field, "geometry");
    assert_string_equal(rep.issues[0].message,
                        "invalid polygon that cannot be repaired safely: Self-intersection[119.9625 31.025]");
    assert_int_equal(rep.issues[1].kind, ISSUE_REPAIRED);
    assert_int_equal(rep.issues[1].row, 2);
    assert_string_equal(rep.issues[1].field, "geometry");
    assert_string_equal(rep.issues[1].message, "invalid polygon repaired: Ring Self-intersection[119.9875 31.04]");
    import_report_free(&rep);

    dm_error err;
    assert_int_equal(store_division_exists(fx->s, "320402100200", NULL, &err), 0);
    division_t d;
    get_division(fx->s, "320402100201", NULL, 1, &d);
    GEOSGeometry *g = geom_from_wkb(d.wkb, d.wkb_len, &err);
    assert_non_null(g);
    GEOSContextHandle_t h = geom_ctx();
    assert_int_equal(GEOSGeomTypeId_r(h, g), GEOS_MULTIPOLYGON);
    assert_int_equal(GEOSisValid_r(h, g), 1);
    double area = 0;
    GEOSArea_r(h, g, &area);
    /* 0.025 × 0.04 square minus the 0.0125 × 0.02 / 2 triangle cut by the ring. */
    assert_true(fabs(area - 0.000875) < 1e-12);
    GEOSGeom_destroy_r(h, g);
    division_clear(&d);
}

static void duplicate_code_in_one_file(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    job_t j = {.layer = DIV, .fixture = "bad_duplicate_codes.csv"};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 3, 2, 0, 1);
    assert_issue(&rep, 0, ISSUE_REJECTED, 3, "code", "division 320402001000 already has a version valid on these dates");
    import_report_free(&rep);
    assert_sql(fx->db, "SELECT code, name, row_no FROM divisions ORDER BY code",
               "320402001000|雕庄街道|1\n320402100000|郑陆镇|2\n");
}

static void township_and_village_digits_must_match_the_name(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    job_t j = {.layer = DIV, .fixture = "bad_code_type.csv"};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 4, 2, 0, 2);
    assert_issue(&rep, 0, ISSUE_REJECTED, 1, "code",
                 "code 320402100000 denotes a 镇 by its digits but the name 郑陆街道 is a 街道 (DIV-CODE-TYPE)");
    assert_issue(&rep, 1, ISSUE_REJECTED, 4, "code",
                 "code 320402001002 denotes a 社区 by its digits but the name 青龙村 is a 村 (DIV-CODE-TYPE)");
    import_report_free(&rep);
    assert_sql(fx->db, "SELECT code, name, type FROM divisions ORDER BY code",
               "320402001000|雕庄街道|街道\n320402001200|三河村|村\n");
}

static void invalid_utf8_row_is_rejected(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    job_t j = {.layer = DIV, .fixture = "bad_invalid_utf8.csv"};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 3, 2, 0, 1);
    assert_issue(&rep, 0, ISSUE_REJECTED, 2, "name",
                 "name is not valid UTF-8 (if the file is GBK-encoded, pass --encoding GBK)");
    import_report_free(&rep);
    assert_sql(fx->db, "SELECT code, name FROM divisions ORDER BY code",
               "320402001001|丽华社区\n320402001003|幸福社区\n");
}

/* A CSV saved by Excel on a Chinese Windows is GBK throughout, headers
 * included. With --encoding GBK (import.h: "text encoding of attribute
 * values") the usual Chinese column names 代码 / 名称 must be recognised. */
static void gbk_csv_with_encoding_option(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    dm_error err;
    job_t j = {.layer = DIV, .fixture = "divisions_gbk.csv", .encoding = "GBK"};
    int rc = run(fx->s, &j, &rep, &err);
    if (rc) {
        fprintf(stderr, "divisions_gbk.csv --encoding GBK: %s\n", err.message);
        import_report_free(&rep);
    }
    assert_int_equal(rc, 0);
    assert_counts(&rep, 2, 2, 0, 0);
    assert_string_equal(rep.encoding, "GBK");
    import_report_free(&rep);
    assert_sql(fx->db, "SELECT code, name, urban_rural FROM divisions ORDER BY code",
               "320402001001|丽华社区|111\n320402100200|焦溪村|220\n");
}

/* Messages carry parts of the input; cut or not, they must stay UTF-8, or
 * the JSON report (jansson refuses invalid UTF-8) silently loses them. */
static void issue_messages_stay_valid_utf8(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    job_t j = {.layer = LAYER_FACILITIES, .fixture = "facilities_bad_numbers.csv", .src_srs = "EPSG:4490"};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 3, 1, 0, 2);
    assert_int_equal(rep.nissues, 2);
    assert_int_equal(rep.issues[0].kind, ISSUE_REJECTED);
    assert_int_equal(rep.issues[0].row, 1);
    assert_string_equal(rep.issues[0].field, "beds");
    assert_issue(&rep, 1, ISSUE_REJECTED, 2, "beds", "beds must be a whole number >= 0, got '-5'");
    char msg[sizeof rep.issues[0].message];
    memcpy(msg, rep.issues[0].message, sizeof msg);
    char *text = import_report_json(&rep, NULL);
    import_report_free(&rep);
    json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    const char *in_json = t_json_str(doc, "issues.0.message");
    int json_ok = in_json && strcmp(in_json, msg) == 0;
    json_decref(doc);

    const char *start = "beds must be a whole number >= 0, got '约一百二十张床位其中护理型";
    assert_true(strncmp(msg, start, strlen(start)) == 0);
    if (!text_is_utf8(msg, strlen(msg)))
        fprintf(stderr, "issue message is not UTF-8: %s\n", msg);
    assert_true(text_is_utf8(msg, strlen(msg)));
    assert_true(json_ok);
}

/* Without --encoding the GBK headers cannot be matched: a fatal error whose
 * message (it lists the columns) must still reach the JSON report. */
static void fatal_message_survives_the_json_report(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    dm_error err;
    job_t j = {.layer = DIV, .fixture = "divisions_gbk.csv"};
    int rc = run(fx->s, &j, &rep, &err);
    char *text = import_report_json(&rep, &err);
    import_report_free(&rep);
    json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    int ok_false = json_is_false(t_json_at(doc, "ok"));
    const char *code = t_json_str(doc, "error.code"), *param = t_json_str(doc, "error.param");
    const char *message = t_json_str(doc, "error.message");
    int json_ok = code && strcmp(code, "invalid") == 0 && param && strcmp(param, "code") == 0 && message &&
                  strcmp(message, err.message) == 0;
    json_decref(doc);

    assert_int_equal(rc, DM_EINVAL);
    assert_string_equal(err.param, "code");
    const char *start = "no column for required field 'code' (the file has: ";
    assert_true(strncmp(err.message, start, strlen(start)) == 0);
    if (!text_is_utf8(err.message, strlen(err.message)))
        fprintf(stderr, "error message is not UTF-8: %s\n", err.message);
    assert_true(text_is_utf8(err.message, strlen(err.message)));
    assert_true(ok_false);
    assert_true(json_ok);
}

/* ---- field mapping ------------------------------------------------------------------- */

static void required_field_without_column_lists_the_columns(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    dm_error err;
    job_t j = {.layer = DIV, .fixture = "divisions_custom_columns.csv"};
    assert_int_equal(run(fx->s, &j, &rep, &err), DM_EINVAL);
    assert_string_equal(err.param, "code");
    assert_string_equal(err.message, "no column for required field 'code' (the file has: DWDM, DWMC, name); "
                                     "map one with --field code=COLUMN");
    assert_int_equal(rep.batch_id, 0);
    import_report_free(&rep);
    assert_int_equal(store_count(fx->s, "import_batches", &err), 0);

    const char *const no_column[] = {"code=DWDM", "name=NOPE"};
    job_t k = {.layer = DIV, .fixture = "divisions_custom_columns.csv", .fields = no_column, .nfields = 2};
    assert_int_equal(run(fx->s, &k, &rep, &err), DM_EINVAL);
    assert_string_equal(err.param, "field");
    assert_string_equal(err.message, "--field name=NOPE: the file has no column 'NOPE'");
    import_report_free(&rep);

    const char *const no_target[] = {"bogus=DWDM"};
    job_t l = {.layer = DIV, .fixture = "divisions_custom_columns.csv", .fields = no_target, .nfields = 1};
    assert_int_equal(run(fx->s, &l, &rep, &err), DM_EINVAL);
    assert_string_equal(err.param, "field");
    assert_string_equal(err.message, "--field bogus=DWDM: layer divisions has no field 'bogus'");
    import_report_free(&rep);
    assert_int_equal(store_count(fx->s, "divisions", &err), 0);
}

static void field_override_maps_a_column(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    /* code mapped, name found by its usual column name "name". */
    const char *const code_only[] = {"code=DWDM"};
    job_t j = {.layer = DIV, .fixture = "divisions_custom_columns.csv", .fields = code_only, .nfields = 1};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 2, 2, 0, 0);
    import_report_free(&rep);
    assert_sql(fx->db, "SELECT code, name FROM divisions ORDER BY code",
               "320402001000|旧名一\n320402100000|旧名二\n");
}

static void field_override_wins_over_usual_column_names(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    /* --field name=DWMC beats the column literally called "name"; the column
     * is matched case-insensitively as the usual names are. */
    const char *const both[] = {"code=dwdm", "name=DWMC"};
    job_t j = {.layer = DIV, .fixture = "divisions_custom_columns.csv", .fields = both, .nfields = 2};
    run_ok(fx->s, &j, &rep);
    assert_counts(&rep, 2, 2, 0, 0);
    import_report_free(&rep);
    assert_sql(fx->db, "SELECT code, name, type FROM divisions ORDER BY code",
               "320402001000|雕庄街道|街道\n320402100000|郑陆镇|镇\n");
}

/* ---- fatal errors leave the database as it was ------------------------------------------- */

static const char *const TABLES[] = {"divisions",         "markers",    "place_names",   "facilities",
                                     "residential_areas", "road_edges", "import_batches"};
#define NTABLES (sizeof TABLES / sizeof *TABLES)

static void snapshot(store_t *s, long counts[NTABLES + 1])
{
    dm_error err;
    for (size_t i = 0; i < NTABLES; i++) {
        counts[i] = store_count(s, TABLES[i], &err);
        assert_true(counts[i] >= 0);
    }
    counts[NTABLES] = (long)store_data_version(s, &err);
}

typedef struct {
    job_t job;
    int code;
    const char *param;   /* NULL: not checked */
    const char *message; /* exact; "%s" is replaced by the fixture's path */
    int prefix_only;     /* message is only the start (the rest is GDAL's wording) */
} fatal_case_t;

static void fatal_errors_leave_database_unchanged(void **state)
{
    fx_t *fx = *state;
    import_report_t rep;
    job_t seed1 = {.layer = DIV, .fixture = "hierarchy.geojson"};
    job_t seed2 = {.layer = LAYER_FACILITIES, .fixture = "facilities_lonlat.csv", .src_srs = "EPSG:4490"};
    job_t seed3 = {.layer = LAYER_NAMES, .fixture = "names_cn.csv", .src_srs = "EPSG:4490"};
    run_ok(fx->s, &seed1, &rep);
    import_report_free(&rep);
    run_ok(fx->s, &seed2, &rep);
    import_report_free(&rep);
    run_ok(fx->s, &seed3, &rep);
    import_report_free(&rep);
    long before[NTABLES + 1], after[NTABLES + 1];
    snapshot(fx->s, before);
    assert_int_equal(before[0], 12); /* divisions */
    assert_int_equal(before[2], 4);  /* place_names */
    assert_int_equal(before[3], 3);  /* facilities */
    assert_int_equal(before[6], 3);  /* import_batches */
    assert_int_equal(before[7], 3);  /* data version */

    const fatal_case_t cases[] = {
        {{.layer = DIV, .fixture = "no-such-file.geojson"}, DM_ENOTFOUND, "file", "file not found: %s", 0},
        {{.layer = DIV, .fixture = "bad_empty.geojson"}, DM_EINVAL, "file", "%s is empty", 0},
        {{.layer = DIV, .fixture = "bad_random.dat"},
         DM_EINVAL,
         "file",
         "cannot read %s as vector data: unknown format (expected Shapefile, GeoJSON, GeoPackage, CSV or OSM)",
         0},
        {{.layer = DIV, .fixture = "bad_noprj.shp"},
         DM_EINVAL,
         "src-srs",
         "%s declares no coordinate reference system; pass --src-srs (e.g. EPSG:4490, EPSG:4326, EPSG:4549, GCJ02)",
         0},
        {{.layer = LAYER_FACILITIES, .fixture = "facilities_lonlat.csv"},
         DM_EINVAL,
         "src-srs",
         "%s declares no coordinate reference system; pass --src-srs (e.g. EPSG:4490, EPSG:4326, EPSG:4549, GCJ02)",
         0},
        {{.layer = DIV, .fixture = "bad_truncated.geojson"}, DM_EINVAL, "file", "cannot read %s as vector data: ", 1},
        {{.layer = DIV, .fixture = "bad_truncated.shp"},
         DM_EIO,
         "file",
         "reading %s failed after 2 records: ",
         1},
        /* GDAL cannot say which feature held the bad coordinate (it reads
         * ahead), so the file counts as damaged. */
        {{.layer = DIV, .fixture = "bad_coordinate_type.geojson"}, DM_EIO, "file", "reading %s failed after ", 1},
        {{.layer = LAYER_FACILITIES, .fixture = "facilities_lonlat.csv", .src_srs = "EPSG:4490", .strict = 1},
         DM_EINVAL,
         "file",
         "1 of 4 records rejected and --strict given; nothing imported",
         0},
        {{.layer = DIV, .fixture = "bad_header_only.csv"}, DM_EINVAL, "file", "%s contains no records", 0},
        {{.layer = DIV, .fixture = "bad_no_features.geojson"}, DM_EINVAL, NULL, "", 1},
        /* Every row clashes with what is already there: nothing importable. */
        {{.layer = DIV, .fixture = "hierarchy.geojson"},
         DM_EINVAL,
         "file",
         "none of the 12 records could be imported",
         0},
        {{.layer = DIV, .fixture = "hierarchy.geojson", .src_srs = "EPSG:999999"},
         DM_EGEOM,
         "src-srs",
         "unknown coordinate reference system: EPSG:999999",
         0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const fatal_case_t *c = &cases[i];
        dm_error err;
        char *path = job_path(&c->job);
        int rc = run(fx->s, &c->job, &rep, &err);
        if (rc != c->code)
            fprintf(stderr, "case %zu: %s -> %d %s: %s\n", i, c->job.fixture, rc, err.param, err.message);
        assert_int_equal(rc, c->code);
        assert_int_equal(err.code, c->code);
        if (c->param)
            assert_string_equal(err.param, c->param);
        char expect[1024];
        snprintf(expect, sizeof expect, c->message, path);
        if (c->prefix_only)
            assert_true(strncmp(err.message, expect, strlen(expect)) == 0);
        else
            assert_string_equal(err.message, expect);
        assert_int_equal(rep.batch_id, 0);
        if (c->job.strict) {
            /* The report still says which row made it fail. */
            assert_int_equal(rep.rejected, 1);
            assert_issue(&rep, 0, ISSUE_REJECTED, 4, "nursing_beds", "nursing_beds 12 exceed beds 10");
        }
        import_report_free(&rep);
        free(path);
        snapshot(fx->s, after);
        for (size_t t = 0; t <= NTABLES; t++) {
            if (before[t] != after[t])
                fprintf(stderr, "case %zu (%s): %s went from %ld to %ld\n", i, c->job.fixture,
                        t < NTABLES ? TABLES[t] : "data version", before[t], after[t]);
            assert_int_equal(before[t], after[t]);
        }
    }
    /* And the store still works: a good import after all that is batch 4. */
    job_t good = {.layer = DIV, .fixture = "division_codes.csv"};
    run_ok(fx->s, &good, &rep);
    assert_int_equal(rep.batch_id, 4);
    import_report_free(&rep);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(hierarchy_geojson_imports_every_row),
        T(division_code_list_csv_normalises_names),
        T(valid_from_option_dates_the_versions),
        T(numeric_and_date_fields_keep_their_values),
        T(gbk_shapefile_epsg4549_detected_and_reprojected),
        T(gbk_shapefile_epsg4528_zone_prefixed),
        T(gbk_shapefile_with_explicit_encoding),
        T(src_srs_overrides_the_prj),
        T(facilities_csv_with_lon_lat_columns),
        T(names_csv_with_chinese_headers),
        T(residential_csv_with_wkt_column),
        T(gcj02_points_become_wgs84),
        T(broken_geometry_row_is_rejected_alone),
        T(bowtie_rejected_self_touching_ring_repaired),
        T(duplicate_code_in_one_file),
        T(township_and_village_digits_must_match_the_name),
        T(invalid_utf8_row_is_rejected),
        T(gbk_csv_with_encoding_option),
        T(issue_messages_stay_valid_utf8),
        T(fatal_message_survives_the_json_report),
        T(required_field_without_column_lists_the_columns),
        T(field_override_maps_a_column),
        T(field_override_wins_over_usual_column_names),
        T(fatal_errors_leave_database_unchanged),
    };
#undef T
    return cmocka_run_group_tests_name("import", tests, NULL, NULL);
}
