/* test_tiles_export.c — `diming tiles export` end to end: the real CLI
 * exports the test layers (hierarchy squares, facilities, names, markers,
 * roads, imported with the real `diming import`) to MBTiles, and GDAL's
 * MBTiles driver (a reader we did not write) opens the file and finds the
 * features the database holds; the metadata and the TMS row numbering are
 * checked in SQL; bad options exit 2 with one line saying why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <gdal.h>
#include <ogr_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/support.h"
#include "tiles/tile.h"

static char *g_dir, *g_db;

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
    g_dir = t_tmpdir("tiles-export");
    g_db = t_path(g_dir, "t.sqlite");
    GDALAllRegister();
    return import("divisions", "hierarchy.geojson", NULL) || import("facilities", "facilities_lonlat.csv", "EPSG:4490") ||
           import("names", "names_cn.csv", "EPSG:4490") || import("markers", "tiles/markers.csv", "EPSG:4490") ||
           import("roads", "tiles/roads.geojson", NULL);
}

static int teardown(void **state)
{
    (void)state;
    t_rmtree(g_dir);
    free(g_dir);
    free(g_db);
    return 0;
}

static long gdal_count(GDALDatasetH ds, const char *layer)
{
    OGRLayerH l = GDALDatasetGetLayerByName(ds, layer);
    return l ? (long)OGR_L_GetFeatureCount(l, 1) : -1;
}

static void export_opens_in_gdal_with_the_database_counts(void **state)
{
    (void)state;
    char *out = t_path(g_dir, "test.mbtiles");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "tiles", "export", "--db", g_db, "--out", out, "--minzoom", "10", "--maxzoom", "13",
                           "--bbox", "119.9,30.9,120.1,31.1"),
                     0);
    if (r.status)
        fprintf(stderr, "%s", r.err);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, "diming tiles export: wrote "));
    assert_non_null(strstr(r.err, " of all, zooms 10-13, to "));
    assert_int_equal(t_count_lines(r.err), 1); /* no progress bar when stderr is not a terminal */
    t_run_free(&r);

    char *meta = t_sql(out, "SELECT name || '=' || value FROM metadata WHERE name IN "
                            "('format','minzoom','maxzoom','bounds','name') ORDER BY name");
    assert_string_equal(meta, "bounds=119.9000000,30.9000000,120.1000000,31.1000000\nformat=pbf\nmaxzoom=13\n"
                              "minzoom=10\nname=diming\n");
    free(meta);
    char *json = t_sql(out, "SELECT json_extract(value, '$.vector_layers[3].id') || ',' || "
                            "json_extract(value, '$.vector_layers[3].fields.number') FROM metadata WHERE name = 'json'");
    assert_string_equal(json, "markers,String\n");
    free(json);
    /* TMS rows: the z13 tile of 天宁区社会福利院 is stored at row 2^13-1-y. */
    int x, y;
    tile_from_lonlat(119.97, 31.02, 13, &x, &y);
    char sql[160], want[32];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM tiles WHERE zoom_level = 13 AND tile_column = %d AND tile_row = %d",
             x, (1 << 13) - 1 - y);
    snprintf(want, sizeof want, "1\n");
    char *n = t_sql(out, sql);
    assert_string_equal(n, want);
    free(n);
    /* Every stored tile is gzipped (magic 1f 8b). */
    n = t_sql(out, "SELECT count(*) FROM tiles WHERE hex(substr(tile_data, 1, 2)) <> '1F8B'");
    assert_string_equal(n, "0\n");
    free(n);

    /* GDAL reads z13: every point once, as in the database. */
    const char *const oo[] = {"ZOOM_LEVEL=13", NULL};
    GDALDatasetH ds = GDALOpenEx(out, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, oo, NULL);
    assert_non_null(ds);
    char *db_counts = t_sql(g_db, "SELECT (SELECT count(*) FROM markers) || ',' || (SELECT count(*) FROM facilities) "
                                  "|| ',' || (SELECT count(*) FROM place_names)");
    char got[64];
    snprintf(got, sizeof got, "%ld,%ld,%ld\n", gdal_count(ds, "markers"), gdal_count(ds, "facilities"),
             gdal_count(ds, "names"));
    assert_string_equal(got, db_counts);
    assert_string_equal(got, "4,3,4\n");
    free(db_counts);
    assert_true(gdal_count(ds, "roads") >= 3); /* lines crossing tiles appear once per tile */
    assert_true(gdal_count(ds, "divisions") >= 6);
    OGRLayerH markers = GDALDatasetGetLayerByName(ds, "markers");
    OGR_L_SetAttributeFilter(markers, "number = 'TN-ZL-002'");
    OGRFeatureH f = OGR_L_GetNextFeature(markers);
    assert_non_null(f);
    assert_string_equal(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "status")), "damaged");
    assert_string_equal(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "material")), "花岗岩");
    OGR_F_Destroy(f);
    GDALClose(ds);

    /* The file exists now: a second export refuses to overwrite it. */
    assert_int_equal(T_RUN(&r, "tiles", "export", "--db", g_db, "--out", out, "--quiet"), 0);
    assert_int_equal(r.status, 1);
    char expect[512];
    snprintf(expect, sizeof expect,
             "diming tiles export: error: %s already exists; remove it or choose another name\n", out);
    assert_string_equal(r.err, expect);
    t_run_free(&r);
    free(out);
}

/* The PMTiles export holds exactly the MBTiles export's tiles, byte for
 * byte, found through its directories. */
static void pmtiles_holds_the_same_tiles(void **state)
{
    (void)state;
    char *mb = t_path(g_dir, "same.mbtiles"), *pm = t_path(g_dir, "same.pmtiles");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "tiles", "export", "--db", g_db, "--out", mb, "--minzoom", "8", "--maxzoom", "14",
                           "--bbox", "119.9,30.9,120.1,31.1", "--quiet"),
                     0);
    assert_int_equal(r.status, 0);
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "tiles", "export", "--db", g_db, "--out", pm, "--minzoom", "8", "--maxzoom", "14",
                           "--bbox", "119.9,30.9,120.1,31.1"),
                     0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "zooms 8-14, to "));
    t_run_free(&r);

    char *rows = t_sql(mb, "SELECT zoom_level, tile_column, tile_row, hex(tile_data) FROM tiles");
    assert_non_null(rows);
    size_t ntiles = 0;
    for (char *line = strtok(rows, "\n"); line; line = strtok(NULL, "\n")) {
        int z, x, row;
        char hex[200000];
        assert_int_equal(sscanf(line, "%d|%d|%d|%199999s", &z, &x, &row, hex), 4);
        int y = (1 << z) - 1 - row;
        unsigned char *t;
        size_t len;
        dm_error e;
        assert_int_equal(tile_pmtiles_read(pm, z, x, y, &t, &len, &e), 1);
        assert_int_equal(len * 2, strlen(hex));
        for (size_t i = 0; i < len; i++) {
            unsigned v;
            sscanf(hex + 2 * i, "%2x", &v);
            assert_int_equal(t[i], v);
        }
        free(t);
        ntiles++;
    }
    free(rows);
    assert_true(ntiles > 20);
    unsigned char *t;
    size_t len;
    assert_int_equal(tile_pmtiles_read(pm, 14, 0, 0, &t, &len, NULL), 0); /* outside: absent */
    assert_null(t);

    /* Header: magic, version, counts, zooms, MVT gzip. */
    size_t flen;
    unsigned char *f = (unsigned char *)t_read_file(pm, &flen);
    assert_non_null(f);
    assert_memory_equal(f, "PMTiles\x03", 8);
    uint64_t addressed = 0;
    for (int i = 7; i >= 0; i--)
        addressed = (addressed << 8) | f[72 + i];
    assert_int_equal(addressed, ntiles);
    assert_int_equal(f[98], 2);
    assert_int_equal(f[99], 1);
    assert_int_equal(f[100], 8);
    assert_int_equal(f[101], 14);
    free(f);
    free(mb);
    free(pm);
}

static void bad_options_exit_2(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b, *message;
    } cases[] = {
        {"--minzoom", "17", "diming tiles export: --minzoom must be a whole number from 0 to 16, got '17'\n"},
        {"--maxzoom", "x", "diming tiles export: --maxzoom must be a whole number from 0 to 16, got 'x'\n"},
        {"--bbox", "120,31", "diming tiles export: --bbox must be W,S,E,N in degrees, got '120,31'\n"},
        {"--bbox", "120.1,30.9,119.9,31.1",
         "diming tiles export: --bbox must have west < east and south < north within lon/lat range, got "
         "'120.1,30.9,119.9,31.1'\n"},
        {"--layers", "roads,rivers",
         "diming tiles export: --layers: unknown layer 'rivers' (layers: all, divisions, residential, roads, "
         "markers, facilities, names, boundaries)\n"},
    };
    char *out = t_path(g_dir, "never.mbtiles");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        t_run_t r;
        assert_int_equal(T_RUN(&r, "tiles", "export", "--db", g_db, "--out", out, cases[i].a, cases[i].b), 0);
        assert_int_equal(r.status, 2);
        assert_string_equal(r.err, cases[i].message);
        t_run_free(&r);
    }
    t_run_t r;
    assert_int_equal(T_RUN(&r, "tiles", "export", "--db", g_db, "--out", out, "--minzoom", "9", "--maxzoom", "8"), 0);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, "diming tiles export: --minzoom 9 is above --maxzoom 8\n");
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "tiles", "export", "--db", g_db), 0);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, "diming tiles export: --out FILE.mbtiles is required\n");
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "tiles", "frobnicate"), 0);
    assert_int_equal(r.status, 2);
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "tiles", "export", "--help"), 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: diming tiles export --out FILE.mbtiles"));
    t_run_free(&r);
    char *n = t_sql(g_db, "SELECT 1"); /* the database is untouched and readable */
    assert_string_equal(n, "1\n");
    free(n);
    assert_null(t_read_file(out, NULL)); /* nothing was created */
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(export_opens_in_gdal_with_the_database_counts),
        cmocka_unit_test(pmtiles_holds_the_same_tiles),
        cmocka_unit_test(bad_options_exit_2),
    };
    return cmocka_run_group_tests_name("unit/tiles_export", tests, setup, teardown);
}
