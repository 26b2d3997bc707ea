/* fuzz_import_shp.c — libFuzzer target: the importer on mutated Shapefiles.
 * A Shapefile is three files, so the input is split: two little-endian
 * 16-bit lengths, then the .shp bytes, the .shx bytes, and the rest is the
 * .dbf. The .prj is the fixture's (CGCS2000 / 3-degree Gauss-Kruger zone
 * 38, EPSG:4528), so coordinates are reprojected as in a real import; the
 * .cpg is absent (encoding sniffed, GBK here). Imported as divisions into one
 * in-memory database. Properties: no crash, no leak; a failed import
 * changes no row; the report is valid JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "importers/import.h"

static store_t *store;
static char base[64];

static long total_rows(void)
{
    return store_count(store, "divisions", NULL) + store_count(store, "import_batches", NULL);
}

static int put(const char *ext, const uint8_t *p, size_t n)
{
    char path[80];
    snprintf(path, sizeof path, "%s%s", base, ext);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fwrite(p, 1, n, f);
    return fclose(f);
}

static void copy_prj(void)
{
    FILE *in = fopen(DIMING_FIXTURES "/counties_gbk_4528.prj", "rb");
    char buf[2048];
    size_t n = in ? fread(buf, 1, sizeof buf, in) : 0;
    if (in)
        fclose(in);
    if (!n || put(".prj", (const uint8_t *)buf, n))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dm_error e;
    if (!store) {
        if (store_open(":memory:", 0, &store, &e))
            abort();
        snprintf(base, sizeof base, "/tmp/diming-fuzz-shp-%d", (int)getpid());
        copy_prj();
    }
    if (size < 4 || size > 65536)
        return 0;
    size_t nshp = (size_t)data[0] | (size_t)data[1] << 8, nshx = (size_t)data[2] | (size_t)data[3] << 8;
    data += 4, size -= 4;
    if (nshp > size)
        nshp = size;
    if (nshx > size - nshp)
        nshx = size - nshp;
    if (put(".shp", data, nshp) || put(".shx", data + nshp, nshx) ||
        put(".dbf", data + nshp + nshx, size - nshp - nshx))
        return 0;
    char path[80];
    snprintf(path, sizeof path, "%s.shp", base);
    import_options_t opt;
    memset(&opt, 0, sizeof opt);
    opt.layer = LAYER_DIVISIONS;
    opt.path = path;
    long before = total_rows();
    import_report_t rep;
    int rc = import_run(store, &opt, &rep, &e);
    if (rc != 0 && total_rows() != before)
        abort();
    char *json = import_report_json(&rep, rc ? &e : NULL);
    if (!json)
        abort();
    free(json);
    import_report_free(&rep);
    return 0;
}
