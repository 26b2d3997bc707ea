/* locate_inproc.c — in-process point-lookup benchmark of the division index.
 *
 * Opens a database read-only, builds the same index the server builds
 * (division_index_build), draws N random points with a fixed seed and times
 * division_index_locate over them on one thread: a warm-up pass, then several
 * timed rounds. Both wall-clock and thread-CPU rates are reported, because the
 * benchmark machines are shared and noisy (PLATFORM.md trap 12): when the two
 * differ, something else had the CPU.
 *
 * Where points fall: by default inside the bounding boxes of the county-level
 * (区县) outlines — a county is picked with probability proportional to its
 * box area and the point is uniform in that box. The demo data covers two
 * regions 1500 km apart (成都, 常州), so one box around everything would be
 * mostly empty land and would time misses, which cost almost nothing.
 * --sample data uses one box around all outlines instead.
 *
 * The breakdown (unless --no-breakdown) rebuilds the same GEOS structures as
 * gis/locate.c — an STRtree (node capacity 10) of prepared outlines — and
 * times the steps of a lookup one by one on the same points: creating the
 * query point, the tree query, and the prepared test of every candidate,
 * interleaved with the full locate in short slices. The difference between
 * the full locate and the last step is the chain selection (dates, levels,
 * parents). It shows where the time of a lookup goes without a profiler.
 *
 * The "answers digest" hashes every chain found; an optimisation of
 * gis/locate.c that keeps the answers keeps the digest.
 *
 * --write-points FILE writes the points as "lon lat" lines for the HTTP
 * benchmark (bench/locate drives wrk with them). */
#include <errno.h>
#include <geos_c.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gis/boundary.h"
#include "gis/date.h"
#include "gis/geom.h"
#include "gis/locate.h"
#include "gis/store.h"

/* ---- options ---------------------------------------------------------------- */

typedef struct options {
    const char *db_path;
    long points;
    double seconds; /* per timed round */
    int rounds;
    uint64_t seed;
    int sample_data; /* 0: county boxes, 1: one box around all outlines */
    char date[11];
    const char *points_out;
    int breakdown;
} options_t;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: bench_locate_inproc [options] DB\n"
            "\n"
            "options:\n"
            "  --points N          random points (default 100000)\n"
            "  --seconds S         length of one timed round (default 2)\n"
            "  --rounds N          timed rounds; the best and the median are shown (default 3)\n"
            "  --seed N            random seed (default 20240601)\n"
            "  --sample county|data  points in the county-level outline boxes (default)\n"
            "                      or in one box around all outlines\n"
            "  --date YYYY-MM-DD   date of the lookups (default today, as the server)\n"
            "  --write-points FILE also write the points as 'lon lat' lines\n"
            "  --no-breakdown      skip the step-by-step timing\n");
}

/* ---- time and random numbers ---------------------------------------------------- */

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* splitmix64: small, fast, and the same sequence on every platform. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(uint64_t *state) { return (double)(rng_next(state) >> 11) * 0x1.0p-53; }

/* ---- the outlines, read once more for sampling boxes and the breakdown ------------ */

typedef struct box {
    double xmin, ymin, xmax, ymax;
} box_t;

typedef struct outline {
    GEOSGeometry *geom;
    const GEOSPreparedGeometry *prep;
    division_level_t level;
    box_t box;
} outline_t;

typedef struct outlines {
    outline_t *v;
    size_t n, cap;
    size_t per_level[6];
    int keep_geometry; /* for the breakdown */
    dm_error *err;
} outlines_t;

static int outline_box(GEOSContextHandle_t h, const GEOSGeometry *g, box_t *b)
{
    return GEOSGeom_getXMin_r(h, g, &b->xmin) == 1 && GEOSGeom_getYMin_r(h, g, &b->ymin) == 1 &&
                   GEOSGeom_getXMax_r(h, g, &b->xmax) == 1 && GEOSGeom_getYMax_r(h, g, &b->ymax) == 1
               ? 0
               : -1;
}

static int add_outline(const division_t *d, void *ctx)
{
    outlines_t *o = ctx;
    GEOSContextHandle_t h = geom_ctx();
    GEOSGeometry *g = geom_from_wkb(d->wkb, d->wkb_len, o->err);
    if (!g)
        return DM_EGEOM;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 1024;
        outline_t *v = realloc(o->v, cap * sizeof *v);
        if (!v) {
            GEOSGeom_destroy_r(h, g);
            return dm_error_set(o->err, DM_ENOMEM, NULL, "out of memory");
        }
        o->v = v;
        o->cap = cap;
    }
    outline_t *e = &o->v[o->n];
    memset(e, 0, sizeof *e);
    e->level = d->level;
    if (outline_box(h, g, &e->box)) {
        GEOSGeom_destroy_r(h, g);
        return dm_error_set(o->err, DM_EGEOM, NULL, "no bounding box for %s", d->code);
    }
    if (o->keep_geometry)
        e->geom = g;
    else
        GEOSGeom_destroy_r(h, g);
    if ((unsigned)d->level < 6)
        o->per_level[d->level]++;
    o->n++;
    return 0;
}

static void outlines_free(outlines_t *o)
{
    GEOSContextHandle_t h = geom_ctx();
    for (size_t i = 0; i < o->n; i++) {
        if (o->v[i].prep)
            GEOSPreparedGeom_destroy_r(h, o->v[i].prep);
        if (o->v[i].geom)
            GEOSGeom_destroy_r(h, o->v[i].geom);
    }
    free(o->v);
}

/* ---- sampling --------------------------------------------------------------- */

typedef struct point {
    double lon, lat;
} point_t;

/* Draws n points; returns the number of boxes sampled from, 0 on failure. */
static size_t sample_points(const outlines_t *o, int whole_data, uint64_t seed, point_t *pts, long n)
{
    size_t nbox = 0;
    box_t *boxes = malloc((o->n ? o->n : 1) * sizeof *boxes);
    double *cum = malloc((o->n ? o->n : 1) * sizeof *cum);
    if (!boxes || !cum) {
        free(boxes);
        free(cum);
        return 0;
    }
    if (!whole_data)
        for (size_t i = 0; i < o->n; i++)
            if (o->v[i].level == LEVEL_COUNTY)
                boxes[nbox++] = o->v[i].box;
    if (nbox == 0 && o->n) { /* no county outlines: one box around the data */
        box_t all = o->v[0].box;
        for (size_t i = 1; i < o->n; i++) {
            const box_t *b = &o->v[i].box;
            all.xmin = fmin(all.xmin, b->xmin), all.ymin = fmin(all.ymin, b->ymin);
            all.xmax = fmax(all.xmax, b->xmax), all.ymax = fmax(all.ymax, b->ymax);
        }
        boxes[nbox++] = all;
    }
    double total = 0;
    for (size_t i = 0; i < nbox; i++) {
        total += (boxes[i].xmax - boxes[i].xmin) * (boxes[i].ymax - boxes[i].ymin);
        cum[i] = total;
    }
    uint64_t st = seed;
    for (long k = 0; k < n; k++) {
        double r = rng_unit(&st) * total;
        size_t lo = 0, hi = nbox - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (cum[mid] > r)
                hi = mid;
            else
                lo = mid + 1;
        }
        const box_t *b = &boxes[lo];
        pts[k].lon = b->xmin + rng_unit(&st) * (b->xmax - b->xmin);
        pts[k].lat = b->ymin + rng_unit(&st) * (b->ymax - b->ymin);
    }
    free(boxes);
    free(cum);
    return nbox;
}

/* ---- timing ----------------------------------------------------------------- */

typedef struct rate {
    double wall_per_s; /* operations per wall-clock second */
    double cpu_per_s;  /* operations per second of this thread's CPU time */
} rate_t;

typedef struct bench_ctx {
    const division_index_t *idx;
    const char *date;
    const point_t *pts;
    long n;
    /* the distance to the boundary that GET /divisions/locate adds */
    const boundary_index_t *bidx;
    /* breakdown */
    GEOSSTRtree *tree;
    int step; /* 0 locate, 1 point, 2 + tree query, 3 + prepared tests */
    long sink;
} bench_ctx_t;

typedef struct cand {
    const outline_t *v[256];
    int n;
    long overflow;
} cand_t;

static void collect(void *item, void *userdata)
{
    cand_t *c = userdata;
    if (c->n < (int)(sizeof c->v / sizeof *c->v))
        c->v[c->n++] = item;
    else
        c->overflow++;
}

/* One operation on point k; returns something to keep the work alive. */
typedef long (*op_fn)(bench_ctx_t *b, long k);

static long op_locate(bench_ctx_t *b, long k)
{
    const division_entry_t *chain[LOCATE_MAX_CHAIN];
    return division_index_locate(b->idx, b->pts[k].lon, b->pts[k].lat, b->date, chain);
}

/* What the locate handler does: the chain, then the distance from the point
 * to the lowest division's outline and its nearest boundary line. */
static long op_locate_distance(bench_ctx_t *b, long k)
{
    const division_entry_t *chain[LOCATE_MAX_CHAIN];
    int n = division_index_locate(b->idx, b->pts[k].lon, b->pts[k].lat, b->date, chain);
    if (n == 0)
        return 0;
    boundary_distance_t bd;
    dm_error e;
    if (boundary_distance(b->bidx, b->pts[k].lon, b->pts[k].lat, chain[n - 1]->code, b->date, &bd, &e))
        return -1;
    return (long)bd.distance_m + (bd.line != NULL);
}

static long op_step(bench_ctx_t *b, long k)
{
    if (b->step == 0)
        return op_locate(b, k);
    GEOSContextHandle_t h = geom_ctx();
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, b->pts[k].lon, b->pts[k].lat);
    long r = 0;
    if (b->step >= 2) {
        cand_t c = {.n = 0};
        GEOSSTRtree_query_r(h, b->tree, pt, collect, &c);
        r = c.n;
        if (b->step >= 3)
            for (int i = 0; i < c.n; i++)
                r += GEOSPreparedIntersects_r(h, c.v[i]->prep, pt) == 1;
    }
    GEOSGeom_destroy_r(h, pt);
    return r;
}

/* Runs op over the points (cycling) for `seconds`; checks the clock every 256
 * operations so the clock itself stays out of the measurement. */
static rate_t time_op(bench_ctx_t *b, op_fn op, double seconds)
{
    double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), w1;
    long done = 0, k = 0;
    do {
        for (int i = 0; i < 256; i++) {
            b->sink += op(b, k);
            if (++k == b->n)
                k = 0;
        }
        done += 256;
        w1 = clock_s(CLOCK_MONOTONIC);
    } while (w1 - w0 < seconds);
    double c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    rate_t r = {(double)done / (w1 - w0), (double)done / (c1 - c0)};
    return r;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct rounds_result {
    rate_t best, median; /* by wall-clock rate; cpu rates sorted separately */
} rounds_result_t;

static rounds_result_t time_rounds(bench_ctx_t *b, op_fn op, double seconds, int rounds)
{
    double wall[64], cpu[64];
    if (rounds > 64)
        rounds = 64;
    /* Warm-up: one pass over the points (at most a quarter of a round). */
    time_op(b, op, seconds / 4);
    for (int i = 0; i < rounds; i++) {
        rate_t r = time_op(b, op, seconds);
        wall[i] = r.wall_per_s, cpu[i] = r.cpu_per_s;
    }
    qsort(wall, (size_t)rounds, sizeof *wall, cmp_double);
    qsort(cpu, (size_t)rounds, sizeof *cpu, cmp_double);
    rounds_result_t res = {{wall[rounds - 1], cpu[rounds - 1]}, {wall[rounds / 2], cpu[rounds / 2]}};
    return res;
}

/* The breakdown compares steps with each other, so they are timed in short
 * interleaved slices (step 0, 1, 2, 3, 0, 1, …): a disturbance from another
 * process then hits every step alike, and the best slice of each is kept. */
static void time_steps_interleaved(bench_ctx_t *b, int nsteps, double slice_s, int slices, rounds_result_t *out)
{
    double wall[4][64], cpu[4][64];
    if (slices > 64)
        slices = 64;
    for (b->step = 0; b->step < nsteps; b->step++)
        time_op(b, op_step, slice_s / 2); /* warm-up */
    for (int i = 0; i < slices; i++)
        for (b->step = 0; b->step < nsteps; b->step++) {
            rate_t r = time_op(b, op_step, slice_s);
            wall[b->step][i] = r.wall_per_s, cpu[b->step][i] = r.cpu_per_s;
        }
    for (int st = 0; st < nsteps; st++) {
        qsort(wall[st], (size_t)slices, sizeof **wall, cmp_double);
        qsort(cpu[st], (size_t)slices, sizeof **cpu, cmp_double);
        out[st].best = (rate_t){wall[st][slices - 1], cpu[st][slices - 1]};
        out[st].median = (rate_t){wall[st][slices / 2], cpu[st][slices / 2]};
    }
}

static void print_rate(const char *label, rounds_result_t r)
{
    printf("  %-30s %10.0f /s  (%6.2f µs)   median %9.0f /s   per CPU-second %9.0f /s\n", label, r.best.wall_per_s,
           1e6 / r.best.wall_per_s, r.median.wall_per_s, r.best.cpu_per_s);
}

/* ---- main ------------------------------------------------------------------------ */

static int parse_options(int argc, char **argv, options_t *o)
{
    static const struct option opts[] = {{"points", required_argument, 0, 'n'},
                                         {"seconds", required_argument, 0, 's'},
                                         {"rounds", required_argument, 0, 'r'},
                                         {"seed", required_argument, 0, 'S'},
                                         {"sample", required_argument, 0, 'm'},
                                         {"date", required_argument, 0, 'd'},
                                         {"write-points", required_argument, 0, 'w'},
                                         {"no-breakdown", no_argument, 0, 'B'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->points = 100000;
    o->seconds = 2;
    o->rounds = 3;
    o->seed = 20240601;
    o->breakdown = 1;
    date_today(o->date);
    int c;
    char *end;
    dm_error err;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            o->points = strtol(optarg, &end, 10);
            if (*end || o->points < 1 || o->points > 100000000) {
                fprintf(stderr, "bench_locate_inproc: --points must be 1..100000000\n");
                return 2;
            }
            break;
        case 's':
            o->seconds = strtod(optarg, &end);
            if (*end || !(o->seconds > 0 && o->seconds <= 3600)) {
                fprintf(stderr, "bench_locate_inproc: --seconds must be in (0, 3600]\n");
                return 2;
            }
            break;
        case 'r':
            o->rounds = (int)strtol(optarg, &end, 10);
            if (*end || o->rounds < 1 || o->rounds > 64) {
                fprintf(stderr, "bench_locate_inproc: --rounds must be 1..64\n");
                return 2;
            }
            break;
        case 'S':
            errno = 0;
            o->seed = strtoull(optarg, &end, 10);
            if (*end || errno) {
                fprintf(stderr, "bench_locate_inproc: --seed must be a whole number\n");
                return 2;
            }
            break;
        case 'm':
            if (strcmp(optarg, "county") == 0)
                o->sample_data = 0;
            else if (strcmp(optarg, "data") == 0)
                o->sample_data = 1;
            else {
                fprintf(stderr, "bench_locate_inproc: --sample must be county or data\n");
                return 2;
            }
            break;
        case 'd':
            if (date_parse(optarg, o->date, "date", &err)) {
                fprintf(stderr, "bench_locate_inproc: %s\n", err.message);
                return 2;
            }
            break;
        case 'w': o->points_out = optarg; break;
        case 'B': o->breakdown = 0; break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    o->db_path = argv[optind];
    return 0;
}

static int write_points(const char *path, const point_t *pts, long n)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bench_locate_inproc: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (long k = 0; k < n; k++)
        fprintf(f, "%.6f %.6f\n", pts[k].lon, pts[k].lat);
    if (fclose(f)) {
        fprintf(stderr, "bench_locate_inproc: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    options_t opt;
    int rc = parse_options(argc, argv, &opt);
    if (rc)
        return rc;

    struct stat sb;
    if (stat(opt.db_path, &sb)) {
        fprintf(stderr, "bench_locate_inproc: %s: %s\n", opt.db_path, strerror(errno));
        return 1;
    }
    store_t *s;
    dm_error err;
    if (store_open(opt.db_path, STORE_READONLY, &s, &err)) {
        fprintf(stderr, "bench_locate_inproc: %s\n", err.message);
        return 1;
    }
    division_index_t *idx;
    if (division_index_build(s, &idx, &err)) {
        fprintf(stderr, "bench_locate_inproc: building the index: %s\n", err.message);
        store_close(s);
        return 1;
    }
    outlines_t ol = {.keep_geometry = opt.breakdown, .err = &err};
    if (store_division_each_outline(s, add_outline, &ol, &err)) {
        fprintf(stderr, "bench_locate_inproc: reading outlines: %s\n", err.message);
        return 1;
    }
    long rows = store_count(s, "divisions", &err);
    /* The boundary index, for the distance GET /divisions/locate adds. */
    boundary_index_t *bidx = NULL;
    dm_error berr;
    int have_bidx = boundary_index_build(s, &bidx, &berr) == 0;
    store_close(s);

    division_index_stats_t st = division_index_stats(idx);
    printf("database      %s (%.1f MB, %ld division rows)\n", opt.db_path, (double)sb.st_size / 1e6, rows);
    printf("index         %zu outlines, %zu vertices (%.0f per outline), built in %.2f s\n", st.divisions,
           st.vertices, st.divisions ? (double)st.vertices / (double)st.divisions : 0.0, st.build_seconds);
    printf("by level      province %zu, prefecture %zu, county %zu, township %zu, village %zu\n", ol.per_level[1],
           ol.per_level[2], ol.per_level[3], ol.per_level[4], ol.per_level[5]);
    if (st.divisions == 0) {
        fprintf(stderr, "bench_locate_inproc: the database has no division outlines\n");
        return 1;
    }

    point_t *pts = malloc((size_t)opt.points * sizeof *pts);
    if (!pts) {
        fprintf(stderr, "bench_locate_inproc: out of memory\n");
        return 1;
    }
    size_t nbox = sample_points(&ol, opt.sample_data, opt.seed, pts, opt.points);
    if (!nbox) {
        fprintf(stderr, "bench_locate_inproc: out of memory\n");
        return 1;
    }
    if (opt.points_out && write_points(opt.points_out, pts, opt.points))
        return 1;

    /* What the points find: hit rate and chain length, counted once. */
    long hits = 0, links = 0, by_len[LOCATE_MAX_CHAIN + 1] = {0};
    uint64_t digest = 0xcbf29ce484222325ULL; /* FNV-1a over every chain's codes */
    for (long k = 0; k < opt.points; k++) {
        const division_entry_t *chain[LOCATE_MAX_CHAIN];
        int n = division_index_locate(idx, pts[k].lon, pts[k].lat, opt.date, chain);
        hits += n > 0;
        links += n;
        by_len[n]++;
        for (int i = 0; i < n; i++)
            for (const char *c = chain[i]->code; *c; c++)
                digest = (digest ^ (unsigned char)*c) * 0x100000001b3ULL;
        digest = (digest ^ '|') * 0x100000001b3ULL;
    }
    printf("points        %ld, seed %llu, uniform in %s (%zu box%s), date %s\n", opt.points,
           (unsigned long long)opt.seed, nbox > 1 ? "the county-level outline boxes" : "one box around the data", nbox,
           nbox == 1 ? "" : "es", opt.date);
    printf("hits          %.1f %% of points in >= 1 division; mean chain %.2f (%.2f over hits); chain lengths",
           100.0 * (double)hits / (double)opt.points, (double)links / (double)opt.points,
           hits ? (double)links / (double)hits : 0.0);
    for (int i = 0; i <= LOCATE_MAX_CHAIN; i++)
        printf(" %d:%.1f%%", i, 100.0 * (double)by_len[i] / (double)opt.points);
    printf("\n");
    /* Same data, points and date give the same digest: a faster locate.c must
     * not change it. */
    printf("answers       digest %016llx\n", (unsigned long long)digest);

    bench_ctx_t b = {.idx = idx, .date = opt.date, .pts = pts, .n = opt.points};
    printf("timing        1 thread, best of %d rounds of %.1f s after a warm-up\n", opt.rounds, opt.seconds);
    rounds_result_t loc = time_rounds(&b, op_locate, opt.seconds, opt.rounds);
    print_rate("division_index_locate", loc);
    /* The handler's whole geometric work: the chain plus boundary_distance. */
    if (have_bidx) {
        b.bidx = bidx;
        rounds_result_t ld = time_rounds(&b, op_locate_distance, opt.seconds, opt.rounds);
        print_rate("+ boundary_distance", ld);
        printf("  boundary distance per lookup  %.2f µs (the difference, best rounds)\n",
               1e6 / ld.best.wall_per_s - 1e6 / loc.best.wall_per_s);
    } else
        printf("  boundary index not built: %s\n", berr.message);

    if (opt.breakdown) {
        /* The same structures as gis/locate.c, timed step by step. */
        GEOSContextHandle_t h = geom_ctx();
        b.tree = GEOSSTRtree_create_r(h, 10);
        for (size_t i = 0; i < ol.n; i++) {
            outline_t *e = &ol.v[i];
            e->prep = GEOSPrepare_r(h, e->geom);
            GEOSSTRtree_insert_r(h, b.tree, e->geom, e);
            GEOSGeometry *pt = GEOSPointOnSurface_r(h, e->geom);
            if (pt) {
                GEOSPreparedIntersects_r(h, e->prep, pt);
                GEOSGeom_destroy_r(h, pt);
            }
        }
        long ncand = 0, ncover = 0, over = 0;
        for (long k = 0; k < opt.points; k++) {
            GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, pts[k].lon, pts[k].lat);
            cand_t c = {.n = 0};
            GEOSSTRtree_query_r(h, b.tree, pt, collect, &c);
            ncand += c.n;
            over += c.overflow;
            for (int i = 0; i < c.n; i++)
                ncover += GEOSPreparedIntersects_r(h, c.v[i]->prep, pt) == 1;
            GEOSGeom_destroy_r(h, pt);
        }
        printf("breakdown     a copy of the index's GEOS structures, same points, %d interleaved slices of %.2f s "
               "per step;\n              per lookup %.2f tree candidates, %.2f of them cover the point%s\n",
               opt.rounds * 4, opt.seconds / 8, (double)ncand / (double)opt.points, (double)ncover / (double)opt.points,
               over ? " (candidate list overflowed!)" : "");
        const char *labels[] = {"0 division_index_locate", "1 create + destroy point", "2 + STRtree query",
                                "3 + prepared test of all"};
        rounds_result_t steps[4];
        time_steps_interleaved(&b, 4, opt.seconds / 8, opt.rounds * 4, steps);
        double us[4];
        for (int i = 0; i < 4; i++) {
            print_rate(labels[i], steps[i]);
            us[i] = 1e6 / steps[i].best.wall_per_s;
        }
        printf("  share of a locate             point %.0f %%, tree query %.0f %%, prepared tests %.0f %%, chain "
               "selection %.0f %% (±5 %% noise)\n",
               100 * us[1] / us[0], 100 * (us[2] - us[1]) / us[0], 100 * (us[3] - us[2]) / us[0],
               100 * (us[0] - us[3]) / us[0]);
        GEOSSTRtree_destroy_r(h, b.tree);
    }
    printf("result        %.0f lookups/s on one thread (goal >= 300000: %s)\n", loc.best.wall_per_s,
           loc.best.wall_per_s >= 300000 ? "met" : "NOT met");
    if (b.sink == 42) /* keeps the timed work observable */
        fputc('\n', stderr);

    outlines_free(&ol);
    free(pts);
    division_index_free(idx);
    boundary_index_free(bidx);
    return 0;
}
