/* cmd_import.c — `diming import <layer> FILE [options]`: option parsing, the
 * progress bar and the human / JSON report around importers/import.h. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "gis/register.h"
#include "importers/import.h"
#include "server/cli.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: diming import <layer> FILE [options]\n"
            "\n"
            "layers: divisions markers names facilities residential roads signs\n"
            "formats: Shapefile (GBK .dbf without .cpg is detected), GeoJSON, GeoPackage,\n"
            "         CSV with lon/lat (经度/纬度) or WKT columns, OSM (.osm/.pbf, roads)\n"
            "\n"
            "options:\n"
            "  --db PATH            database (default $DIMING_DB or ./diming.sqlite; created if missing)\n"
            "  --src-srs SRS        CRS of the coordinates: EPSG:4490, EPSG:4326, EPSG:4549, a .prj WKT,\n"
            "                       or GCJ02 for Amap/Tencent/DataV data; overrides the file's own CRS;\n"
            "                       required when the file declares none (CSV)\n"
            "  --encoding ENC       text encoding of attributes (e.g. GBK); default: UTF-8, GBK detected\n"
            "                       for shapefiles\n"
            "  --layer NAME         layer inside a multi-layer file (GeoPackage)\n"
            "  --field T=COL        take field T from column COL (repeatable); columns are otherwise\n"
            "                       recognised by their usual names (代码/区划代码/code, 名称/name, …)\n"
            "  --valid-from DATE    divisions: the versions start on DATE (YYYY-MM-DD)\n"
            "  --strict             fail (import nothing) if any row is rejected\n"
            "  --json               print the report as JSON on stdout\n"
            "  --quiet              no summary or progress on stderr\n"
            "  --help               this text\n"
            "\n"
            "The import is one transaction: if it fails, the database is left as it was.\n"
            "Exit status: 0 imported, 1 failed, 2 usage error.\n");
}

static void progress(double frac, void *ud)
{
    (void)ud;
    int width = 40, done = (int)(frac * width + 0.5);
    fprintf(stderr, "\r[%.*s%*s] %3d%%", done, "########################################", width - done, "",
            (int)(frac * 100 + 0.5));
    if (frac >= 1.0)
        fputc('\n', stderr);
}

/* One audit row per committed import: who (cli:$USER), the batch and its counts. */
static int audit_import(store_t *s, const import_report_t *rep, dm_error *err)
{
    reg_actor_t by = {0};
    const char *u = getenv("USER");
    snprintf(by.name, sizeof by.name, "cli:%s", u && *u ? u : "unknown");
    char object[40];
    snprintf(object, sizeof object, "batch:%lld", (long long)rep->batch_id);
    json_t *after = json_pack("{s:s,s:s,s:I,s:I,s:I}", "layer", rep->layer, "source", rep->source, "imported",
                              (json_int_t)rep->imported, "repaired", (json_int_t)rep->repaired, "rejected",
                              (json_int_t)rep->rejected);
    char *text = after ? json_dumps(after, JSON_COMPACT) : NULL;
    json_decref(after);
    int rc = text ? register_audit_append(s, &by, "import", object, NULL, text, err)
                  : dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    free(text);
    return rc;
}

int cmd_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},       {"src-srs", required_argument, 0, 's'},
        {"encoding", required_argument, 0, 'e'}, {"layer", required_argument, 0, 'l'},
        {"field", required_argument, 0, 'f'},    {"valid-from", required_argument, 0, 'v'},
        {"strict", no_argument, 0, 'S'},         {"json", no_argument, 0, 'j'},
        {"quiet", no_argument, 0, 'q'},          {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    import_options_t io;
    memset(&io, 0, sizeof io);
    const char *db = NULL;
    const char **fields = calloc((size_t)argc + 1, sizeof *fields);
    if (!fields) {
        fprintf(stderr, "diming import: out of memory\n");
        return 1;
    }
    int json = 0, quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 's': io.src_srs = optarg; break;
        case 'e': io.encoding = optarg; break;
        case 'l': io.source_layer = optarg; break;
        case 'f': fields[io.nfields++] = optarg; break;
        case 'v': io.valid_from = optarg; break;
        case 'S': io.strict = 1; break;
        case 'j': json = 1; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); free(fields); return 0;
        default: usage(stderr); free(fields); return 2;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "diming import: expected <layer> FILE (try --help)\n");
        free(fields);
        return 2;
    }
    int layer = import_layer_parse(argv[optind]);
    if (layer < 0) {
        fprintf(stderr,
                "diming import: unknown layer '%s' (divisions markers names facilities residential roads signs)\n",
                argv[optind]);
        free(fields);
        return 2;
    }
    io.layer = (import_layer_t)layer;
    io.path = argv[optind + 1];
    io.fields = fields;
    if (!quiet && !json && isatty(STDERR_FILENO))
        io.progress = progress;
    if (!db)
        db = cli_default_db();

    dm_error err;
    store_t *s = NULL;
    if (store_open(db, 0, &s, &err)) {
        fprintf(stderr, "diming import: error: %s\n", err.message);
        free(fields);
        return 1;
    }
    import_report_t rep;
    int rc = import_run(s, &io, &rep, &err);
    if (!rc)
        rc = audit_import(s, &rep, &err); /* the register's audit trail (gis/register.h) */
    store_close(s);
    free(fields);

    if (json) {
        char *doc = import_report_json(&rep, rc ? &err : NULL);
        if (doc)
            puts(doc);
        free(doc);
    } else if (!quiet) {
        static const char *const kinds[] = {"rejected", "repaired", "warning"};
        size_t shown = 0;
        for (size_t i = 0; i < rep.nissues && shown < 20; i++, shown++) {
            const import_issue_t *is = &rep.issues[i];
            if (is->row)
                fprintf(stderr, "  row %ld: %s: %s\n", is->row, kinds[is->kind], is->message);
            else
                fprintf(stderr, "  %s: %s\n", kinds[is->kind], is->message);
        }
        if (rep.nissues > shown)
            fprintf(stderr, "  … %zu more (use --json for all)\n", rep.nissues - shown + rep.issues_dropped);
        if (!rc)
            fprintf(stderr, "%s: %ld %s imported (%ld repaired, %ld rejected%s%ld skipped) from %s [%s, %s, %s] "
                    "as batch %lld in %.2f s\n",
                    db, rep.imported, rep.layer, rep.repaired, rep.rejected, ", ", rep.skipped, io.path, rep.driver,
                    rep.src_srs[0] ? rep.src_srs : "no geometry", rep.encoding, (long long)rep.batch_id, rep.seconds);
    }
    if (rc)
        fprintf(stderr, "diming import: error: %s (database unchanged)\n", err.message);
    import_report_free(&rep);
    return rc ? 1 : 0;
}
