/* fuzz_import.c — libFuzzer target: the importer on mutated files. The input
 * is written to a file with the extension FUZZ_EXT (.geojson or .csv, one
 * binary per format) and imported as divisions (or, for CSV, facilities with
 * --src-srs EPSG:4490) into one in-memory database. Properties: no crash, no
 * leak; a failed import leaves the row counts unchanged. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "importers/import.h"

#ifndef FUZZ_EXT
#define FUZZ_EXT ".geojson"
#endif

static store_t *store;
static char path[64];

static long total_rows(void)
{
    static const char *const t[] = {"divisions", "facilities", "import_batches"};
    long n = 0;
    for (int i = 0; i < 3; i++)
        n += store_count(store, t[i], NULL);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dm_error e;
    if (!store) {
        if (store_open(":memory:", 0, &store, &e))
            abort();
        snprintf(path, sizeof path, "/tmp/diming-fuzz-%d" FUZZ_EXT, (int)getpid());
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    int csv = strcmp(FUZZ_EXT, ".csv") == 0;
    import_options_t opt;
    memset(&opt, 0, sizeof opt);
    opt.layer = csv ? LAYER_FACILITIES : LAYER_DIVISIONS;
    opt.path = path;
    opt.src_srs = csv ? "EPSG:4490" : NULL;
    long before = total_rows();
    import_report_t rep;
    int rc = import_run(store, &opt, &rep, &e);
    if (rc != 0 && total_rows() != before)
        abort();
    char *json = import_report_json(&rep, rc ? &e : NULL);
    if (!json)
        abort(); /* the report must always be valid JSON text */
    free(json);
    import_report_free(&rep);
    unlink(path);
    return 0;
}
