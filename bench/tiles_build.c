/* tiles_build.c — uncached tile build times (bench/tiles drives it).
 *
 * The fixed tile list: at each zoom 8–16, the 5 × 5 tiles around central
 * Chengdu (104.0657 E, 30.6595 N, 天府广场), all layers combined, as the
 * web map asks for them. Each tile is built ROUNDS times from the store (no
 * cache); per zoom it prints the p50/p99/max build time, the mean size as
 * built and gzipped, and the mean feature count. With --list FILE it also
 * writes the paths "/tiles/all/z/x/y.mvt" for the HTTP (wrk) half.
 *   bench_tiles_build DB [--list FILE] [--rounds N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gis/store.h"
#include "tiles/tile.h"

#define CENTER_LON 104.0657
#define CENTER_LAT 30.6595

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_tiles_build DB [--list FILE] [--rounds N]\n");
        return 2;
    }
    const char *db = argv[1], *list = NULL;
    int rounds = 5;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--list") == 0)
            list = argv[i + 1];
        else if (strcmp(argv[i], "--rounds") == 0)
            rounds = atoi(argv[i + 1]);
    }
    store_t *s;
    dm_error err;
    if (store_open(db, STORE_READONLY, &s, &err)) {
        fprintf(stderr, "bench_tiles_build: %s\n", err.message);
        return 1;
    }
    const tile_layer_t *layers[TILE_MAX_LAYERS];
    size_t nl;
    tile_parse_layers("all", "layers", layers, &nl, &err);
    FILE *lf = list ? fopen(list, "w") : NULL;
    printf("%-4s %6s %9s %9s %9s %10s %10s %9s\n", "zoom", "tiles", "p50_ms", "p99_ms", "max_ms", "raw_bytes",
           "gz_bytes", "features");
    int worst_ok = 1;
    for (int z = 8; z <= 16; z++) {
        int cx, cy;
        tile_from_lonlat(CENTER_LON, CENTER_LAT, z, &cx, &cy);
        double *t = malloc(sizeof(double) * 25 * (size_t)rounds);
        size_t nt = 0, raw_sum = 0, gz_sum = 0, feat_sum = 0, ntiles = 0;
        for (int dx = -2; dx <= 2; dx++)
            for (int dy = -2; dy <= 2; dy++) {
                int x = cx + dx, y = cy + dy;
                if (lf)
                    fprintf(lf, "/tiles/all/%d/%d/%d.mvt\n", z, x, y);
                for (int r = 0; r < rounds; r++) {
                    unsigned char *raw = NULL, *gz = NULL;
                    size_t len = 0, gzlen = 0, nf = 0;
                    double t0 = now_ms();
                    if (tile_build(s, layers, nl, z, x, y, &raw, &len, &nf, &err)) {
                        fprintf(stderr, "bench_tiles_build: %d/%d/%d: %s\n", z, x, y, err.message);
                        return 1;
                    }
                    if (len)
                        tile_gzip(raw, len, &gz, &gzlen, &err);
                    t[nt++] = now_ms() - t0;
                    if (r == 0) {
                        raw_sum += len;
                        gz_sum += gzlen;
                        feat_sum += nf;
                        ntiles++;
                    }
                    free(raw);
                    free(gz);
                }
            }
        qsort(t, nt, sizeof *t, cmp);
        double p50 = t[nt / 2], p99 = t[(size_t)(nt * 0.99)], max = t[nt - 1];
        if (p99 >= 50)
            worst_ok = 0;
        printf("%-4d %6zu %9.2f %9.2f %9.2f %10zu %10zu %9zu\n", z, ntiles, p50, p99, max, raw_sum / ntiles,
               gz_sum / ntiles, feat_sum / ntiles);
        free(t);
    }
    if (lf)
        fclose(lf);
    printf("goal uncached p99 < 50 ms at every zoom: %s\n", worst_ok ? "met" : "NOT met");
    store_close(s);
    return 0;
}
