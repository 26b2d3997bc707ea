/* coverage_inproc.c — timings of the coverage engine in process, on one
 * thread (bench/coverage drives it; see bench/README.md "coverage").
 *
 *   bench_coverage_inproc db PATH [facilities] [areas]
 *       the walkable roads of a diming database (the real central-Chengdu
 *       OSM network); facilities and residential areas are random points in
 *       the network's box (seeded), the database's own ones are not used so
 *       both networks are measured the same way
 *   bench_coverage_inproc grid SIDE [facilities] [areas]
 *       a generated city: a SIDE × SIDE lattice of intersections 80 m apart,
 *       each moved at random by up to ±20 m; streets are long polylines along
 *       the rows and columns (not split at the intersections they pass, as in
 *       a generic line layer, so the build must node them), broken at random
 *       (1 block in 10 missing); every block side gets one bend vertex; and
 *       a diagonal avenue every 40 rows that crosses streets without shared
 *       vertices (noded at the crossings). SIDE 340 gives about 205 000 edges.
 *
 * Prints: graph size, build time and memory; isochrone p50/p90 (reach only,
 * and with the buffered polygon); full coverage of all areas from all
 * facilities; greedy suggest k = 10 with default candidates. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gis/coverage.h"
#include "gis/geom.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static double rnd(void) /* xorshift64*, [0, 1) */
{
    rng_state ^= rng_state >> 12, rng_state ^= rng_state << 25, rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ---- generated city --------------------------------------------------------------- */

#define LON0 104.0
#define LAT0 30.6
#define SPACING 80.0

typedef struct {
    coverage_line_t *lines;
    size_t n, cap;
    double **bufs;
} lines_t;

static double kx, ky;

static void push_line(lines_t *l, double *pts, size_t npts, int from_osm)
{
    if (npts < 2) {
        free(pts);
        return;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1024;
        l->lines = realloc(l->lines, l->cap * sizeof *l->lines);
        l->bufs = realloc(l->bufs, l->cap * sizeof *l->bufs);
    }
    l->bufs[l->n] = pts;
    l->lines[l->n++] = (coverage_line_t){pts, npts, "生成路", from_osm};
}

static void node_xy(const double *jit, int side, int i, int j, double *x, double *y)
{
    *x = i * SPACING + jit[2 * ((size_t)j * side + i)];
    *y = j * SPACING + jit[2 * ((size_t)j * side + i) + 1];
}

static lines_t make_grid(int side)
{
    kx = 111320.0 * cos(LAT0 * M_PI / 180), ky = 110574.0;
    double *jit = malloc(2 * (size_t)side * side * sizeof *jit);
    for (size_t i = 0; i < 2 * (size_t)side * side; i++)
        jit[i] = (rnd() - 0.5) * 40;
    lines_t l = {0};
    for (int dir = 0; dir < 2; dir++)
        for (int r = 0; r < side; r++) {
            double *pts = malloc(4 * (size_t)side * sizeof *pts);
            size_t n = 0;
            for (int k = 0; k < side; k++) {
                double x, y;
                node_xy(jit, side, dir ? r : k, dir ? k : r, &x, &y);
                if (k > 0 && rnd() < 0.1) { /* a missing block: the street breaks here */
                    push_line(&l, pts, n, 0);
                    pts = malloc(4 * (size_t)side * sizeof *pts);
                    n = 0;
                } else if (k > 0) { /* a bend halfway along the block */
                    double px = pts[2 * n - 2], py = pts[2 * n - 1];
                    pts[2 * n] = LON0 + ((px - LON0) * kx + x) / 2 / kx + (rnd() - 0.5) * 8 / kx;
                    pts[2 * n + 1] = LAT0 + ((py - LAT0) * ky + y) / 2 / ky + (rnd() - 0.5) * 8 / ky;
                    n++;
                }
                pts[2 * n] = LON0 + x / kx, pts[2 * n + 1] = LAT0 + y / ky;
                n++;
            }
            push_line(&l, pts, n, 0);
        }
    /* diagonal avenues: straight, crossing streets between their vertices */
    for (int r = 0; r + 40 < side; r += 40) {
        double *pts = malloc(4 * sizeof *pts);
        pts[0] = LON0 + 0.5 * SPACING / kx, pts[1] = LAT0 + (r + 0.5) * SPACING / ky;
        double len = (side - r - 2) * SPACING;
        pts[2] = LON0 + (0.5 * SPACING + len) / kx, pts[3] = LAT0 + ((r + 0.5) * SPACING + len) / ky;
        push_line(&l, pts, 2, 0);
    }
    free(jit);
    return l;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_coverage_inproc db PATH|grid SIDE [facilities] [areas]\n");
        return 2;
    }
    size_t nfac = argc > 3 ? (size_t)atol(argv[3]) : 300, nareas = argc > 4 ? (size_t)atol(argv[4]) : 5000;
    coverage_graph_t *g = NULL;
    dm_error err;
    double t0 = now_s();
    if (strcmp(argv[1], "grid") == 0) {
        lines_t l = make_grid(atoi(argv[2]));
        double tg = now_s();
        if (coverage_graph_from_lines(l.lines, l.n, &g, &err)) {
            fprintf(stderr, "build: %s\n", err.message);
            return 1;
        }
        printf("network: generated grid %s × %s, %zu input lines (generation %.2f s)\n", argv[2], argv[2], l.n,
               tg - t0);
        for (size_t i = 0; i < l.n; i++)
            free(l.bufs[i]);
        free(l.bufs);
        free(l.lines);
    } else {
        store_t *s;
        if (store_open(argv[2], STORE_READONLY | STORE_NOCREATE, &s, &err) || coverage_graph_build(s, &g, &err)) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        store_close(s);
        printf("network: %s\n", argv[2]);
    }
    coverage_graph_stats_t st = coverage_graph_stats(g);
    printf("graph: %zu input lines -> %zu nodes, %zu edges, %zu crossing vertices added, %.1f km of edges\n",
           st.input_lines, st.nodes, st.edges, st.crossings, st.length_m / 1000);
    printf("graph build: %.3f s   graph memory: %.2f MB (%.0f bytes/edge)\n", st.build_seconds,
           st.memory_bytes / 1048576.0, (double)st.memory_bytes / (double)(st.edges ? st.edges : 1));

    double box[4];
    coverage_graph_bounds(g, box);
    /* random points near the network: uniform in its box, kept when within
     * 100 m of a walkable edge (facilities and homes stand along streets) */
    coverage_facility_t *fac = calloc(nfac, sizeof *fac);
    coverage_area_t *areas = calloc(nareas, sizeof *areas);
    for (size_t i = 0; i < nfac + nareas;) {
        double lon = box[0] + rnd() * (box[2] - box[0]), lat = box[1] + rnd() * (box[3] - box[1]);
        coverage_snap_t sn;
        if (!coverage_snap_point(g, lon, lat, &sn) || sn.access_m > 100)
            continue;
        if (i < nfac)
            fac[i].id = (int64_t)i, fac[i].lon = lon, fac[i].lat = lat;
        else {
            coverage_area_t *ar = &areas[i - nfac];
            ar->id = (int64_t)i, ar->lon = lon, ar->lat = lat;
            ar->pop_60 = 50 + (long)(rnd() * 500), ar->households = ar->pop_60 * 2;
        }
        i++;
    }
    printf("points: %zu facilities, %zu residential areas (random within 100 m of a road, seeded)\n", nfac, nareas);

    coverage_params_t p = coverage_params_default();
    enum { NISO = 200, NEXACT = 20 };
    double reach_t[NISO], poly_t[NISO], exact_t[NISO], reach_len = 0, area_grid = 0, area_exact = 0;
    size_t poly_ok = 0;
    for (int i = 0; i < NISO; i++) {
        const coverage_facility_t *f = &fac[(size_t)i % nfac];
        coverage_isochrone_t iso;
        double a = now_s();
        coverage_reach(g, f->lon, f->lat, &p, &iso, &err);
        double b = now_s();
        reach_len += iso.reach_length_m;
        coverage_isochrone_clear(&iso);
        double c = now_s();
        coverage_isochrone(g, f->lon, f->lat, &p, 0, &iso, &err);
        double d = now_s();
        poly_ok += iso.area != NULL && GEOSisValid_r(geom_ctx(), iso.area) == 1;
        if (i < NEXACT)
            area_grid += iso.area_m2;
        coverage_isochrone_clear(&iso);
        reach_t[i] = (b - a) * 1000, poly_t[i] = (d - c) * 1000;
        if (i < NEXACT) {
            coverage_params_t pe = p;
            pe.exact = 1;
            double e0 = now_s();
            coverage_isochrone(g, f->lon, f->lat, &pe, 0, &iso, &err);
            exact_t[i] = (now_s() - e0) * 1000;
            area_exact += iso.area_m2;
            coverage_isochrone_clear(&iso);
        }
    }
    qsort(exact_t, NEXACT, sizeof *exact_t, cmp_double);
    qsort(reach_t, NISO, sizeof *reach_t, cmp_double);
    qsort(poly_t, NISO, sizeof *poly_t, cmp_double);
    printf("isochrone 15 min / 900 m (%d starts at facilities, mean reachable network %.1f km, %zu valid polygons):\n", NISO,
           reach_len / NISO / 1000, poly_ok);
    printf("  reach only       p50 %.3f ms  p90 %.3f ms\n", reach_t[NISO / 2], reach_t[NISO * 9 / 10]);
    printf("  with polygon     p50 %.3f ms  p90 %.3f ms   (default: buffer traced on a 12.5 m grid)\n",
           poly_t[NISO / 2], poly_t[NISO * 9 / 10]);
    printf("  exact GEOS buffer p50 %.3f ms  p90 %.3f ms  (first %d starts; their mean area %.3f km2 exact vs "
           "%.3f km2 grid)\n",
           exact_t[NEXACT / 2], exact_t[NEXACT * 9 / 10], NEXACT, area_exact / NEXACT / 1e6, area_grid / NEXACT / 1e6);

    double best = INFINITY;
    size_t covered = 0;
    for (int r = 0; r < 3; r++) {
        double a = now_s();
        coverage_assign(g, &p, fac, nfac, areas, nareas);
        double b = now_s();
        best = fmin(best, b - a);
    }
    for (size_t i = 0; i < nareas; i++)
        covered += areas[i].covered;
    printf("full coverage (%zu facilities, %zu areas): %.3f s (best of 3), %zu areas covered (%.1f %%)\n", nfac,
           nareas, best, covered, 100.0 * covered / nareas);

    coverage_site_t *sites;
    size_t ns, nc;
    double a = now_s();
    if (coverage_greedy(g, &p, areas, nareas, 10, NULL, 0, &sites, &ns, &nc, &err)) {
        fprintf(stderr, "suggest: %s\n", err.message);
        return 1;
    }
    double b = now_s();
    long gain = 0;
    for (size_t i = 0; i < ns; i++)
        gain += sites[i].pop_60_gain;
    printf("suggest k=10 (default candidates: %zu): %.3f s, %zu sites, +%ld people 60+ (first site +%ld)\n", nc,
           b - a, ns, gain, ns ? sites[0].pop_60_gain : 0);
    free(sites);
    free(fac);
    free(areas);
    coverage_graph_free(g);
    return 0;
}
