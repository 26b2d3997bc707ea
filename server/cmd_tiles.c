/* cmd_tiles.c — `diming tiles export`: the vector tiles of chosen layers,
 * zooms and box written to one MBTiles 1.3 or PMTiles v3 file for static
 * hosting, with a
 * progress bar on a terminal. The work is tile_export_mbtiles (tiles/tile.h);
 * this file parses options and reports. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/cli.h"
#include "tiles/tile.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: diming tiles export --out FILE.mbtiles|FILE.pmtiles [options]\n"
            "\n"
            "Writes the vector tiles (MVT 2.1, gzipped) of the chosen layers to an MBTiles 1.3 file,\n"
            "or to a PMTiles v3 file when FILE ends in .pmtiles.\n"
            "\n"
            "options:\n"
            "  --out FILE          the .mbtiles or .pmtiles file to create (must not exist)\n"
            "  --layers LIST       comma-separated layers or 'all' (default): divisions, residential,\n"
            "                      roads, markers, facilities, names\n"
            "  --minzoom N         first zoom (default 0)\n"
            "  --maxzoom N         last zoom (default 12, at most %d)\n"
            "  --bbox W,S,E,N      area in degrees (default: the extent of the layers' data)\n"
            "  --db PATH           database (default $DIMING_DB or ./diming.sqlite)\n"
            "  --quiet             no progress bar and no summary\n"
            "  --help              this text\n",
            TILE_EXPORT_MAX_ZOOM);
}

static int parse_zoom(const char *opt, const char *v, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < 0 || n > TILE_EXPORT_MAX_ZOOM) {
        fprintf(stderr, "diming tiles export: %s must be a whole number from 0 to %d, got '%s'\n", opt,
                TILE_EXPORT_MAX_ZOOM, v);
        return -1;
    }
    *out = (int)n;
    return 0;
}

/* "W,S,E,N" with W < E, S < N inside lon/lat range. */
static int parse_bbox(const char *v, double b[4])
{
    char *p = (char *)v, *end;
    for (int i = 0; i < 4; i++) {
        b[i] = strtod(p, &end);
        if (end == p || (i < 3 && *end != ',') || (i == 3 && *end)) {
            fprintf(stderr, "diming tiles export: --bbox must be W,S,E,N in degrees, got '%s'\n", v);
            return -1;
        }
        p = end + 1;
    }
    if (!(b[0] >= -180 && b[2] <= 180 && b[1] >= -90 && b[3] <= 90 && b[0] < b[2] && b[1] < b[3])) {
        fprintf(stderr, "diming tiles export: --bbox must have west < east and south < north within "
                        "lon/lat range, got '%s'\n", v);
        return -1;
    }
    return 0;
}

static void progress(uint64_t done, uint64_t total, void *ctx)
{
    (void)ctx;
    if (done != total && done % 64)
        return;
    int width = 40, filled = total ? (int)(done * (uint64_t)width / total) : width;
    fprintf(stderr, "\r[%.*s%*s] %llu/%llu tiles", filled, "########################################",
            width - filled, "", (unsigned long long)done, (unsigned long long)total);
    if (done == total)
        fputc('\n', stderr);
}

static int export(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, 0, 'o'},     {"layers", required_argument, 0, 'l'},
                                         {"minzoom", required_argument, 0, 'z'}, {"maxzoom", required_argument, 0, 'Z'},
                                         {"bbox", required_argument, 0, 'b'},    {"db", required_argument, 0, 'd'},
                                         {"quiet", no_argument, 0, 'q'},         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    tile_export_options_t opt;
    memset(&opt, 0, sizeof opt);
    opt.maxzoom = 12;
    const char *out = NULL, *db = NULL, *layers = "all";
    int quiet = 0, c;
    dm_error err;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'l': layers = optarg; break;
        case 'z':
            if (parse_zoom("--minzoom", optarg, &opt.minzoom))
                return 2;
            break;
        case 'Z':
            if (parse_zoom("--maxzoom", optarg, &opt.maxzoom))
                return 2;
            break;
        case 'b':
            if (parse_bbox(optarg, opt.bbox))
                return 2;
            opt.has_bbox = 1;
            break;
        case 'd': db = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "diming tiles export: unexpected argument '%s' (try --help)\n", argv[optind]);
        return 2;
    }
    if (!out) {
        fprintf(stderr, "diming tiles export: --out FILE.mbtiles is required\n");
        return 2;
    }
    if (opt.minzoom > opt.maxzoom) {
        fprintf(stderr, "diming tiles export: --minzoom %d is above --maxzoom %d\n", opt.minzoom, opt.maxzoom);
        return 2;
    }
    if (tile_parse_layers(layers, "layers", opt.layers, &opt.nlayers, &err)) {
        fprintf(stderr, "diming tiles export: --layers: %s\n", err.message);
        return 2;
    }
    if (!quiet && isatty(STDERR_FILENO))
        opt.progress = progress;
    store_t *s;
    if (store_open(db ? db : cli_default_db(), STORE_READONLY, &s, &err)) {
        fprintf(stderr, "diming tiles export: error: %s\n", err.message);
        return 1;
    }
    tile_export_stats_t st;
    size_t olen = strlen(out);
    int pm = olen > 8 && strcmp(out + olen - 8, ".pmtiles") == 0;
    int rc = pm ? tile_export_pmtiles(s, &opt, out, &st, &err) : tile_export_mbtiles(s, &opt, out, &st, &err);
    store_close(s);
    if (rc) {
        fprintf(stderr, "diming tiles export: error: %s\n", err.message);
        return 1;
    }
    if (!quiet)
        fprintf(stderr, "diming tiles export: wrote %llu tiles (%llu features, %zu bytes) of %s, zooms %d-%d, "
                        "to %s\n",
                (unsigned long long)st.tiles_written, (unsigned long long)st.features, st.bytes, layers,
                opt.minzoom, opt.maxzoom, out);
    return 0;
}

int cmd_tiles(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "export") == 0)
        return export(argc - 1, argv + 1);
    fprintf(stderr, "diming tiles: unknown subcommand '%s' (try 'diming tiles --help')\n", argv[1]);
    return 2;
}
