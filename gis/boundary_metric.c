/* boundary_metric.c — local metric frames (transverse Mercator through PROJ)
 * for distances and areas in metres; see boundaryInt.h. */
#include "gis/boundaryInt.h"

#include <math.h>
#include <proj.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/crs.h"
#include "gis/geom.h"

#define FRAME_CACHE 8
#define FRAME_STEP_DEG 0.1

struct metric_frame {
    PJ *pj;
    long key_lon, key_lat; /* centre in FRAME_STEP_DEG units */
    unsigned long last_use;
};

typedef struct {
    PJ_CONTEXT *ctx;
    struct metric_frame frames[FRAME_CACHE];
    unsigned long clock;
} frame_cache_t;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_destroy(void *p)
{
    frame_cache_t *c = p;
    for (int i = 0; i < FRAME_CACHE; i++)
        if (c->frames[i].pj)
            proj_destroy(c->frames[i].pj);
    proj_context_destroy(c->ctx);
    free(c);
}

static void cache_init(void) { pthread_key_create(&cache_key, cache_destroy); }

const metric_frame_t *metric_frame(double lon, double lat)
{
    pthread_once(&cache_once, cache_init);
    frame_cache_t *c = pthread_getspecific(cache_key);
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c)
            return NULL;
        c->ctx = proj_context_create();
        pthread_setspecific(cache_key, c);
    }
    long klon = lround(lon / FRAME_STEP_DEG), klat = lround(lat / FRAME_STEP_DEG);
    struct metric_frame *victim = &c->frames[0];
    for (int i = 0; i < FRAME_CACHE; i++) {
        struct metric_frame *f = &c->frames[i];
        if (f->pj && f->key_lon == klon && f->key_lat == klat) {
            f->last_use = ++c->clock;
            return f;
        }
        if (!f->pj || f->last_use < victim->last_use)
            victim = f;
    }
    if (victim->pj)
        proj_destroy(victim->pj);
    /* The string is built from two numbers, never from input text. */
    char def[192];
    snprintf(def, sizeof def,
             "+proj=tmerc +lat_0=%.1f +lon_0=%.1f +k=1 +x_0=0 +y_0=0 +a=6378137 +rf=298.257222101 +units=m",
             (double)klat * FRAME_STEP_DEG, (double)klon * FRAME_STEP_DEG);
    victim->pj = proj_create(c->ctx, def);
    if (!victim->pj)
        return NULL;
    victim->key_lon = klon;
    victim->key_lat = klat;
    victim->last_use = ++c->clock;
    return victim;
}

void metric_fwd(const metric_frame_t *f, double lon, double lat, double *x, double *y)
{
    PJ_COORD in = proj_coord(proj_torad(lon), proj_torad(lat), 0, 0);
    PJ_COORD out = proj_trans(f->pj, PJ_FWD, in);
    *x = out.xy.x;
    *y = out.xy.y;
}

void metric_inv(const metric_frame_t *f, double x, double y, double *lon, double *lat)
{
    PJ_COORD in = proj_coord(x, y, 0, 0);
    PJ_COORD out = proj_trans(f->pj, PJ_INV, in);
    *lon = proj_todeg(out.lp.lam);
    *lat = proj_todeg(out.lp.phi);
}

static int fwd_cb(double *x, double *y, void *ud)
{
    metric_fwd(ud, *x, *y, x, y);
    return 1;
}

static int inv_cb(double *x, double *y, void *ud)
{
    metric_inv(ud, *x, *y, x, y);
    return 1;
}

/* Segments are straight in lon/lat (RFC 7946 §3.1.1); projected, a long one
 * would become a chord of the curve it really is (0.2 m off over 4 km at
 * 31°N). Densifying to 0.001° (about 100 m) first keeps that under 1 mm. */
#define DENSIFY_DEG 0.001

GEOSGeometry *metric_to_local(const metric_frame_t *f, const GEOSGeometry *g)
{
    GEOSContextHandle_t h = geom_ctx();
    if (GEOSGeom_getDimensions_r(h, g) == 0)
        return GEOSGeom_transformXY_r(h, g, fwd_cb, (void *)f);
    GEOSGeometry *dense = GEOSDensify_r(h, g, DENSIFY_DEG);
    if (!dense)
        return NULL;
    GEOSGeometry *res = GEOSGeom_transformXY_r(h, dense, fwd_cb, (void *)f);
    GEOSGeom_destroy_r(h, dense);
    return res;
}

GEOSGeometry *metric_to_lonlat(const metric_frame_t *f, const GEOSGeometry *g)
{
    return GEOSGeom_transformXY_r(geom_ctx(), g, inv_cb, (void *)f);
}

static const metric_frame_t *frame_of(const GEOSGeometry *g)
{
    GEOSContextHandle_t h = geom_ctx();
    double x0, y0, x1, y1;
    if (!GEOSGeom_getXMin_r(h, g, &x0) || !GEOSGeom_getYMin_r(h, g, &y0) || !GEOSGeom_getXMax_r(h, g, &x1) ||
        !GEOSGeom_getYMax_r(h, g, &y1))
        return NULL;
    return metric_frame((x0 + x1) / 2, (y0 + y1) / 2);
}

double metric_area_m2(const GEOSGeometry *g)
{
    GEOSContextHandle_t h = geom_ctx();
    if (GEOSisEmpty_r(h, g) == 1)
        return 0;
    const metric_frame_t *f = frame_of(g);
    GEOSGeometry *l = f ? metric_to_local(f, g) : NULL;
    double a = 0;
    if (l) {
        GEOSArea_r(h, l, &a);
        GEOSGeom_destroy_r(h, l);
    }
    return a;
}

double metric_distance_m(const GEOSGeometry *a, const GEOSGeometry *b, double *pa_lon, double *pa_lat,
                         double *pb_lon, double *pb_lat)
{
    GEOSContextHandle_t h = geom_ctx();
    const metric_frame_t *f = frame_of(a);
    if (!f)
        return NAN;
    GEOSGeometry *la = metric_to_local(f, a), *lb = metric_to_local(f, b);
    double d = NAN;
    if (la && lb) {
        GEOSCoordSequence *cs = GEOSNearestPoints_r(h, la, lb);
        if (cs) {
            double ax, ay, bx, by;
            GEOSCoordSeq_getXY_r(h, cs, 0, &ax, &ay);
            GEOSCoordSeq_getXY_r(h, cs, 1, &bx, &by);
            d = hypot(bx - ax, by - ay);
            if (pa_lon)
                metric_inv(f, ax, ay, pa_lon, pa_lat);
            if (pb_lon)
                metric_inv(f, bx, by, pb_lon, pb_lat);
            GEOSCoordSeq_destroy_r(h, cs);
        }
    }
    if (la)
        GEOSGeom_destroy_r(h, la);
    if (lb)
        GEOSGeom_destroy_r(h, lb);
    return d;
}

void metric_degrees(double lat, double m, double *dlon, double *dlat)
{
    /* Radii of curvature of the CGCS2000 ellipsoid at lat (meridian M, prime
     * vertical N); 1 % margin so the rectangle always covers the circle. */
    const double a = 6378137.0, f = 1 / 298.257222101, e2 = f * (2 - f);
    double s = sin(lat * M_PI / 180), w = sqrt(1 - e2 * s * s);
    double N = a / w, M = a * (1 - e2) / (w * w * w);
    double c = cos(lat * M_PI / 180);
    *dlat = 1.01 * m / M * 180 / M_PI;
    *dlon = c > 1e-6 ? 1.01 * m / (N * c) * 180 / M_PI : 360;
}

/* Nearest point of a geometry to (lon, lat), searched in a plane tangent at
 * the query point (metres per degree from the ellipsoid's radii there), then
 * measured exactly on the ellipsoid. Within the few kilometres a boundary
 * question spans, the plane picks the same nearest point as the ellipsoid
 * (the scale changes by tan(lat)·Δlat, 0.1 % over 10 km), and the reported
 * distance is the geodesic one to that point. No PROJ call: the search runs
 * on every point lookup (GET /divisions/locate), over metric paths. */
typedef struct {
    double lon0, lat0, kx, ky;
    double best2, bx, by; /* squared plane distance and the point, in degrees */
    int found;
} nearest_t;

static void consider(nearest_t *c, double x, double y)
{
    double px = (x - c->lon0) * c->kx, py = (y - c->lat0) * c->ky, d2 = px * px + py * py;
    if (!c->found || d2 < c->best2)
        c->best2 = d2, c->bx = x, c->by = y, c->found = 1;
}

/* The segment's nearest point to the origin, then its end point. */
static void scan_segment(nearest_t *c, double x0, double y0, double x1, double y1)
{
    double ax = (x0 - c->lon0) * c->kx, ay = (y0 - c->lat0) * c->ky;
    double bx = (x1 - c->lon0) * c->kx, by = (y1 - c->lat0) * c->ky;
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    if (len2 > 0) {
        double t = -(ax * dx + ay * dy) / len2;
        if (t > 0 && t < 1)
            consider(c, x0 + t * (x1 - x0), y0 + t * (y1 - y0));
    }
    consider(c, x1, y1);
}

void metric_scale(double lat, double *kx, double *ky)
{
    const double a = 6378137.0, f = 1 / 298.257222101, e2 = f * (2 - f);
    double s = sin(lat * M_PI / 180), w = sqrt(1 - e2 * s * s);
    *kx = a / w * cos(lat * M_PI / 180) * M_PI / 180; /* prime vertical radius × cos φ */
    *ky = a * (1 - e2) / (w * w * w) * M_PI / 180;     /* meridian radius */
}

double metric_point_distance_m(const GEOSGeometry *g, double lon, double lat, double *nlon, double *nlat)
{
    /* For one-off questions (the marker audit): a path made and dropped. */
    metric_path_t *p = metric_path_new(g);
    if (!p)
        return NAN;
    double kx, ky, bx, by;
    metric_scale(lat, &kx, &ky);
    double d = metric_path_nearest(p, lon, lat, kx, ky, &bx, &by);
    metric_path_free(p);
    if (!isfinite(d))
        return NAN;
    if (nlon)
        *nlon = bx, *nlat = by;
    return crs_geodesic_distance_m(lon, lat, bx, by);
}

/* ---- flat paths for the nearest point ------------------------------------------------------ */

#define METRIC_CHUNK 8 /* segments per run; with METRIC_GROUP: fewest instructions per lookup on the demo data (callgrind: 7.2k against 9.0k for 16/16) */

typedef struct {
    uint32_t first, count; /* vertices first .. first+count-1 of xy (count >= 1) */
    double x0, y0, x1, y1; /* envelope of those vertices */
} path_run_t;

/* Runs are grouped by METRIC_GROUP for a second level: groups are visited
 * nearest envelope first, and the visit stops at the first group farther
 * than the best point, so a long ring costs a few groups, not all its runs. */
#define METRIC_GROUP 8
#define METRIC_MAX_ORDERED 512 /* more groups than this are visited in order, still pruned */

typedef struct {
    uint32_t first, count; /* runs first .. first+count-1 */
    double x0, y0, x1, y1;
} path_group_t;

struct metric_path {
    double *xy; /* all vertices, lon/lat pairs */
    size_t nxy;
    path_run_t *runs;
    size_t nruns;
    path_group_t *groups;
    size_t ngroups;
    int one_block; /* xy, runs and groups live in the same allocation as the header */
};

typedef struct {
    metric_path_t *p;
    size_t capxy, capruns;
    int oom;
} path_build_t;

static void path_add_sequence(GEOSContextHandle_t h, const GEOSCoordSequence *cs, path_build_t *b)
{
    unsigned n = 0;
    if (b->oom || !cs || !GEOSCoordSeq_getSize_r(h, cs, &n) || n == 0)
        return;
    metric_path_t *p = b->p;
    if (p->nxy + n > b->capxy) {
        size_t cap = b->capxy ? b->capxy : 256;
        while (cap < p->nxy + n)
            cap *= 2;
        double *xy = realloc(p->xy, 2 * cap * sizeof *xy);
        if (!xy) {
            b->oom = 1;
            return;
        }
        p->xy = xy, b->capxy = cap;
    }
    double *dst = p->xy + 2 * p->nxy;
    if (!GEOSCoordSeq_copyToBuffer_r(h, cs, dst, 0, 0))
        for (unsigned i = 0; i < n; i++)
            GEOSCoordSeq_getXY_r(h, cs, i, &dst[2 * i], &dst[2 * i + 1]);
    /* Runs share their end vertex with the next run's first, so every
     * segment belongs to exactly one run. */
    size_t first = p->nxy;
    for (size_t start = 0; start < n; start += METRIC_CHUNK) {
        size_t count = n - start < METRIC_CHUNK + 1 ? n - start : METRIC_CHUNK + 1;
        if (start > 0 && count < 2)
            break; /* the last vertex was the previous run's end */
        if (p->nruns == b->capruns) {
            size_t cap = b->capruns ? 2 * b->capruns : 64;
            path_run_t *r = realloc(p->runs, cap * sizeof *r);
            if (!r) {
                b->oom = 1;
                return;
            }
            p->runs = r, b->capruns = cap;
        }
        path_run_t *r = &p->runs[p->nruns++];
        r->first = (uint32_t)(first + start), r->count = (uint32_t)count;
        r->x0 = r->x1 = dst[2 * start], r->y0 = r->y1 = dst[2 * start + 1];
        for (size_t i = start + 1; i < start + count; i++) {
            double x = dst[2 * i], y = dst[2 * i + 1];
            r->x0 = x < r->x0 ? x : r->x0, r->x1 = x > r->x1 ? x : r->x1;
            r->y0 = y < r->y0 ? y : r->y0, r->y1 = y > r->y1 ? y : r->y1;
        }
    }
    p->nxy += n;
}

static void path_add_geometry(GEOSContextHandle_t h, const GEOSGeometry *g, path_build_t *b)
{
    switch (GEOSGeomTypeId_r(h, g)) {
    case GEOS_POINT:
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
        path_add_sequence(h, GEOSGeom_getCoordSeq_r(h, g), b);
        break;
    case GEOS_POLYGON:
        path_add_sequence(h, GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, g)), b);
        for (int i = 0; i < GEOSGetNumInteriorRings_r(h, g); i++)
            path_add_sequence(h, GEOSGeom_getCoordSeq_r(h, GEOSGetInteriorRingN_r(h, g, i)), b);
        break;
    default:
        for (int i = 0; i < GEOSGetNumGeometries_r(h, g); i++)
            path_add_geometry(h, GEOSGetGeometryN_r(h, g, i), b);
    }
}

metric_path_t *metric_path_new(const GEOSGeometry *g)
{
    GEOSContextHandle_t h = geom_ctx();
    path_build_t b = {.p = calloc(1, sizeof(metric_path_t))};
    if (!b.p)
        return NULL;
    if (g && GEOSisEmpty_r(h, g) == 0)
        path_add_geometry(h, g, &b);
    if (b.oom || b.p->nruns == 0) {
        metric_path_free(b.p);
        return NULL;
    }
    /* One block per path, header, groups, runs then vertices, sized exactly:
     * an index holds tens of thousands of short paths, and a lookup reads
     * a few of them from cold memory, so one path should be one region. */
    metric_path_t *q = b.p;
    size_t ngroups = (q->nruns + METRIC_GROUP - 1) / METRIC_GROUP;
    size_t off_groups = (sizeof *q + 15) & ~(size_t)15;
    size_t off_runs = off_groups + ngroups * sizeof(path_group_t);
    size_t off_xy = (off_runs + q->nruns * sizeof(path_run_t) + 15) & ~(size_t)15;
    char *block = malloc(off_xy + 2 * q->nxy * sizeof(double));
    if (!block) {
        metric_path_free(q);
        return NULL;
    }
    metric_path_t *p = (metric_path_t *)block;
    *p = (metric_path_t){.xy = (double *)(block + off_xy), .nxy = q->nxy,
                         .runs = (path_run_t *)(block + off_runs), .nruns = q->nruns,
                         .groups = (path_group_t *)(block + off_groups), .ngroups = ngroups, .one_block = 1};
    memcpy(p->xy, q->xy, 2 * q->nxy * sizeof(double));
    memcpy(p->runs, q->runs, q->nruns * sizeof(path_run_t));
    metric_path_free(q);
    for (size_t i = 0; i < p->ngroups; i++) {
        path_group_t *gr = &p->groups[i];
        gr->first = (uint32_t)(i * METRIC_GROUP);
        gr->count = (uint32_t)(p->nruns - gr->first < METRIC_GROUP ? p->nruns - gr->first : METRIC_GROUP);
        const path_run_t *r = &p->runs[gr->first];
        gr->x0 = r->x0, gr->y0 = r->y0, gr->x1 = r->x1, gr->y1 = r->y1;
        for (uint32_t k = 1; k < gr->count; k++) {
            r = &p->runs[gr->first + k];
            gr->x0 = r->x0 < gr->x0 ? r->x0 : gr->x0, gr->x1 = r->x1 > gr->x1 ? r->x1 : gr->x1;
            gr->y0 = r->y0 < gr->y0 ? r->y0 : gr->y0, gr->y1 = r->y1 > gr->y1 ? r->y1 : gr->y1;
        }
    }
    return p;
}

void metric_path_free(metric_path_t *p)
{
    if (!p)
        return;
    if (!p->one_block) {
        free(p->xy);
        free(p->runs);
        free(p->groups);
    }
    free(p);
}

/* Squared plane distance from the query to an envelope, 0 inside it. */
static double envelope_d2(const nearest_t *c, double x0, double y0, double x1, double y1)
{
    double ex = c->lon0 < x0 ? x0 - c->lon0 : c->lon0 > x1 ? c->lon0 - x1 : 0;
    double ey = c->lat0 < y0 ? y0 - c->lat0 : c->lat0 > y1 ? c->lat0 - y1 : 0;
    ex *= c->kx, ey *= c->ky;
    return ex * ex + ey * ey;
}

static void scan_group(const metric_path_t *p, const path_group_t *gr, nearest_t *c)
{
    for (uint32_t i = gr->first; i < gr->first + gr->count; i++) {
        const path_run_t *r = &p->runs[i];
        if (c->found && envelope_d2(c, r->x0, r->y0, r->x1, r->y1) >= c->best2)
            continue;
        const double *v = p->xy + 2 * (size_t)r->first;
        double x0 = v[0], y0 = v[1];
        consider(c, x0, y0);
        for (uint32_t k = 1; k < r->count; k++) {
            double x1 = v[2 * k], y1 = v[2 * k + 1];
            scan_segment(c, x0, y0, x1, y1);
            x0 = x1, y0 = y1;
        }
    }
}

double metric_path_nearest(const metric_path_t *p, double lon, double lat, double kx, double ky, double *nlon,
                           double *nlat)
{
    if (!p || p->nruns == 0)
        return NAN;
    nearest_t c = {.lon0 = lon, .lat0 = lat, .kx = kx, .ky = ky};
    if (p->ngroups <= METRIC_MAX_ORDERED) {
        /* Nearest group first (insertion sort: a few dozen groups at most
         * for a division's outline); stop at the first that cannot win. */
        struct {
            double d2;
            uint32_t g;
        } order[METRIC_MAX_ORDERED];
        for (size_t i = 0; i < p->ngroups; i++) {
            const path_group_t *gr = &p->groups[i];
            double d2 = envelope_d2(&c, gr->x0, gr->y0, gr->x1, gr->y1);
            size_t j = i;
            while (j > 0 && order[j - 1].d2 > d2) {
                order[j] = order[j - 1];
                j--;
            }
            order[j].d2 = d2, order[j].g = (uint32_t)i;
        }
        for (size_t i = 0; i < p->ngroups; i++) {
            if (c.found && order[i].d2 >= c.best2)
                break;
            scan_group(p, &p->groups[order[i].g], &c);
        }
    } else {
        for (size_t i = 0; i < p->ngroups; i++) {
            const path_group_t *gr = &p->groups[i];
            if (c.found && envelope_d2(&c, gr->x0, gr->y0, gr->x1, gr->y1) >= c.best2)
                continue;
            scan_group(p, gr, &c);
        }
    }
    if (nlon)
        *nlon = c.bx, *nlat = c.by;
    return sqrt(c.best2);
}
