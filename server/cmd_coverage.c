/* cmd_coverage.c — `diming coverage`: the 15-minute circle of one division
 * from the command line, as the summary (default) or the full GeoJSON that
 * GET /coverage answers. The walking graph is built from the database for
 * this one run. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/coverage.h"
#include "gis/date.h"
#include "gis/divcode.h"
#include "server/cli.h"
#include "server/coverage_json.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: diming coverage --division CODE [options]\n"
            "\n"
            "Which residential areas of a division lie within a walk of an elderly-care\n"
            "facility, over the imported road network (straight lines without one).\n"
            "\n"
            "options:\n"
            "  --division CODE      division code (2, 4, 6, 9 or 12 digits), required\n"
            "  --minutes N          walking time (default 15)\n"
            "  --speed-mps N        walking speed in m/s (default 1.0)\n"
            "  --types LIST         only facilities of these types (comma-separated)\n"
            "  --functions LIST     only facilities with one of these functions (助餐,日间照料 …)\n"
            "  --date YYYY-MM-DD    divisions as of this day (default today)\n"
            "  --geojson            print the whole GeoJSON answer instead of the summary\n"
            "  --db PATH            database (default $DIMING_DB or ./diming.sqlite)\n"
            "  --help               this text\n");
}

static int parse_num(const char *opt, const char *v, double *out)
{
    char *end;
    double d = strtod(v, &end);
    if (!*v || *end) {
        fprintf(stderr, "diming coverage: %s must be a number, got '%s'\n", opt, v);
        return -1;
    }
    *out = d;
    return 0;
}

int cmd_coverage(int argc, char **argv)
{
    static const struct option opts[] = {{"division", required_argument, 0, 'D'},
                                         {"minutes", required_argument, 0, 'm'},
                                         {"speed-mps", required_argument, 0, 's'},
                                         {"types", required_argument, 0, 't'},
                                         {"functions", required_argument, 0, 'f'},
                                         {"date", required_argument, 0, 'a'},
                                         {"geojson", no_argument, 0, 'g'},
                                         {"db", required_argument, 0, 'd'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    coverage_query_t q;
    memset(&q, 0, sizeof q);
    q.params = coverage_params_default();
    const char *db = NULL, *division = NULL, *date_s = NULL;
    int geojson = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'D': division = optarg; break;
        case 'm':
            if (parse_num("--minutes", optarg, &q.params.minutes))
                return 2;
            break;
        case 's':
            if (parse_num("--speed-mps", optarg, &q.params.speed_mps))
                return 2;
            break;
        case 't': q.types = optarg; break;
        case 'f': q.functions = optarg; break;
        case 'a': date_s = optarg; break;
        case 'g': geojson = 1; break;
        case 'd': db = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc || !division) {
        fprintf(stderr, "diming coverage: %s\n", division ? "unexpected argument" : "--division is required");
        usage(stderr);
        return 2;
    }
    dm_error e;
    char code[13], date[11];
    if (divcode_parse(division, code, &e)) {
        fprintf(stderr, "diming coverage: --division: %s\n", e.message);
        return 2;
    }
    if (date_s ? date_parse(date_s, date, "date", &e) : (date_today(date), 0)) {
        fprintf(stderr, "diming coverage: --date: %s\n", e.message);
        return 2;
    }
    if (coverage_params_check(&q.params, &e)) {
        fprintf(stderr, "diming coverage: --%s: %s\n", strcmp(e.param, "speed_mps") == 0 ? "speed-mps" : e.param,
                e.message);
        return 2;
    }
    q.division = code, q.date = date;
    store_t *s = NULL;
    coverage_graph_t *g = NULL;
    coverage_result_t r;
    memset(&r, 0, sizeof r);
    int rc = store_open(db ? db : cli_default_db(), STORE_READONLY | STORE_NOCREATE, &s, &e);
    if (!rc)
        rc = coverage_graph_build(s, &g, &e);
    if (!rc)
        rc = coverage_evaluate(s, g, &q, &r, &e);
    if (rc) {
        fprintf(stderr, "diming coverage: %s\n", e.message);
        coverage_graph_free(g);
        store_close(s);
        return 1;
    }
    json_t *doc = coverage_result_json(&r, &q);
    json_t *out = doc;
    if (!geojson) {
        out = json_object();
        json_object_set(out, "method", json_object_get(doc, "method"));
        json_object_set(out, "params", json_object_get(doc, "params"));
        json_object_set(out, "facilities_used", json_object_get(doc, "facilities_used"));
        json_object_set(out, "summary", json_object_get(doc, "summary"));
        json_object_set(out, "subdivisions", json_object_get(doc, "subdivisions"));
        json_object_set(out, "sensitivity", json_object_get(doc, "sensitivity"));
    }
    int ok = json_dumpf(out, stdout, (geojson ? JSON_COMPACT : JSON_INDENT(2)) | JSON_PRESERVE_ORDER |
                                         JSON_REAL_PRECISION(10)) == 0;
    fputc('\n', stdout);
    if (out != doc)
        json_decref(out);
    json_decref(doc);
    coverage_result_clear(&r);
    coverage_graph_free(g);
    store_close(s);
    return ok ? 0 : 1;
}
