/* coverage.h — the 15-minute elderly-service circle (15分钟养老服务圈): a walking
 * graph, walking reach from facilities, coverage of residential areas, and
 * new sites chosen by greedy maximal covering. docs/coverage.md gives the
 * method and the sources of the defaults.
 *
 * The walking graph is built once from the store's walkable road edges and
 * held in flat arrays (CSR adjacency, edge lengths in metres, the edges'
 * geometry in a local metric plane), so a reach query touches only arrays.
 * It is noded on build: lines are split at every vertex they share with
 * another line and, for lines not from OpenStreetMap, where they cross
 * (OSM ways that cross without a shared node are bridges or tunnels).
 *
 * Distances: a point (facility, residential area, candidate site) is attached
 * to the nearest walkable edge at its projection; the straight access
 * distance from the point to the edge counts as walking. Pedestrians may use
 * one-way streets in both directions, so the graph is undirected.
 *
 * Threads: a built graph is read-only; any number of threads may query it.
 *
 * Ownership: coverage_graph_build returns a graph freed with
 * coverage_graph_free. Results are filled into caller structs and released
 * with their *_clear functions; GEOS geometries in results belong to the
 * result and were made in the calling thread's GEOS context (geom_ctx()). */
#ifndef DIMING_COVERAGE_H
#define DIMING_COVERAGE_H

#include <geos_c.h>
#include <stddef.h>
#include <stdint.h>

#include "gis/error.h"
#include "gis/store.h"

/* ---- parameters ---------------------------------------------------------- */

/* Defaults: 15 minutes at 1.0 m/s = 900 m, the middle of GB 50180-2018's
 * 800–1000 m for the 15-minute life circle (DOMAIN.md §8). */
#define COVERAGE_DEFAULT_MINUTES 15.0
#define COVERAGE_DEFAULT_SPEED_MPS 1.0
#define COVERAGE_DEFAULT_BUFFER_M 50.0
#define COVERAGE_MAX_MINUTES 120.0
#define COVERAGE_MIN_SPEED_MPS 0.1
#define COVERAGE_MAX_SPEED_MPS 3.0
#define COVERAGE_MAX_K 100
/* Work limits per request: node settlements of suggest's searches, and the
 * reachable pieces the exact GEOS polygon may buffer (DM_EINVAL beyond,
 * naming the parameter to change). */
#define COVERAGE_MAX_SUGGEST_WORK 50000000
#define COVERAGE_MAX_EXACT_PIECES 20000

typedef struct coverage_params {
    double minutes;   /* walking time budget, (0, 120] */
    double speed_mps; /* walking speed, [0.1, 3] m/s */
    double buffer_m;  /* half-width of the isochrone's road buffer, [1, 500] m */
    int exact;        /* isochrone polygon: 1 = GEOS buffer of the reachable edges,
                       * 0 = the same buffer traced on a buffer_m/4 grid (fast) */
} coverage_params_t;

/* The defaults above. */
coverage_params_t coverage_params_default(void);
/* DM_EINVAL naming the parameter ("minutes", "speed_mps", "buffer_m") when out of range. */
int coverage_params_check(const coverage_params_t *p, dm_error *err);

/* ---- the walking graph ----------------------------------------------------- */

typedef struct coverage_graph coverage_graph_t;

/* One input line in lon/lat (for building a graph without a store: tests, bench). */
typedef struct coverage_line {
    const double *lonlat; /* 2 × npoints values */
    size_t npoints;
    const char *name;     /* borrowed; NULL if none */
    int from_osm;         /* 1: do not node at crossings without a shared vertex */
} coverage_line_t;

typedef struct coverage_graph_stats {
    size_t input_lines;    /* walkable lines read */
    size_t nodes, edges;   /* graph after noding */
    size_t crossings;      /* points added where non-OSM lines cross or touch */
    size_t memory_bytes;   /* everything the graph holds */
    double length_m;       /* total edge length */
    double build_seconds;
} coverage_graph_stats_t;

/* Builds the graph from every walkable road edge in the store (an empty
 * store gives an empty graph: coverage then falls back to straight lines). */
int coverage_graph_build(store_t *s, coverage_graph_t **out, dm_error *err);
int coverage_graph_from_lines(const coverage_line_t *lines, size_t n, coverage_graph_t **out, dm_error *err);
void coverage_graph_free(coverage_graph_t *g);
coverage_graph_stats_t coverage_graph_stats(const coverage_graph_t *g);
/* The lon/lat box of the graph (min lon, min lat, max lon, max lat); 0 when empty. */
int coverage_graph_bounds(const coverage_graph_t *g, double box[4]);

/* Where a point meets the network. */
typedef struct coverage_snap {
    uint32_t edge;     /* graph edge index */
    double offset_m;   /* distance along the edge from its first node */
    double access_m;   /* straight distance from the point to the edge */
    double lon, lat;   /* the projected point on the edge */
} coverage_snap_t;

/* Attaches (lon, lat) to the nearest edge. Returns 1 when attached, 0 when
 * the graph is empty. */
int coverage_snap_point(const coverage_graph_t *g, double lon, double lat, coverage_snap_t *out);

/* Ground distance in metres between two lon/lat points in the graph's plane
 * (a local equirectangular projection; for an empty graph one centred on the
 * first point). */
double coverage_plane_distance_m(const coverage_graph_t *g, double lon1, double lat1, double lon2, double lat2);

/* ---- isochrone -------------------------------------------------------------- */

typedef struct coverage_isochrone {
    int reached;             /* 0: the start is farther than the budget from any road */
    coverage_snap_t start;
    double budget_m;         /* minutes × 60 × speed */
    size_t edges_full;       /* edges reached end to end */
    size_t edges_partial;    /* edges reached part of the way */
    double reach_length_m;   /* length of the reachable network */
    double area_m2;          /* area of the polygon (local plane) */
    double euclid_area_m2;   /* area of the straight-line circle of the same budget */
    GEOSGeometry *area;      /* (Multi)Polygon in lon/lat, NULL when nothing is reached */
    GEOSGeometry *edges;     /* MultiLineString in lon/lat when asked for, else NULL */
} coverage_isochrone_t;

/* The area within p->minutes' walk of (lon, lat): the reachable network
 * (partial edges included, edges reached from both ends joined) buffered by
 * p->buffer_m and unioned. DM_ENOTFOUND when the graph is empty. */
int coverage_isochrone(const coverage_graph_t *g, double lon, double lat, const coverage_params_t *p, int with_edges,
                       coverage_isochrone_t *out, dm_error *err);
void coverage_isochrone_clear(coverage_isochrone_t *iso);

/* The isochrone of facility `id` (its point from the store). DM_EINVAL
 * (param "facility") when there is no such facility. */
int coverage_facility_isochrone(store_t *s, const coverage_graph_t *g, int64_t id, const coverage_params_t *p,
                                int with_edges, coverage_isochrone_t *out, double *lon, double *lat, dm_error *err);

/* Reach only (no polygon): fills the counters and lengths of *out, leaves
 * area and edges NULL. For the benchmark and for callers that need figures. */
int coverage_reach(const coverage_graph_t *g, double lon, double lat, const coverage_params_t *p,
                   coverage_isochrone_t *out, dm_error *err);

/* ---- coverage of a division --------------------------------------------------- */

/* A facility as the coverage engine sees it. */
typedef struct coverage_facility {
    int64_t id;
    char *name, *type, *functions, *status;
    double lon, lat;
} coverage_facility_t;

/* A residential area as the coverage engine sees it; the point is
 * PointOnSurface of its outline (docs/coverage.md: which point counts). */
typedef struct coverage_area {
    int64_t id;
    char *name;
    char division_code[13];
    long households, pop_60, pop_80; /* -1 unknown */
    double lon, lat;
    unsigned char *wkb;
    size_t wkb_len;
    /* results */
    int covered;
    double walk_m;       /* to the nearest facility, access included; INFINITY if none within budget */
    long nearest;        /* index into the facility array, -1 if none */
    long facilities_within; /* facilities reachable within the budget */
} coverage_area_t;

typedef struct coverage_summary {
    char code[13];
    char *name;
    long areas, areas_covered;
    long households, households_covered;
    long pop_60, pop_60_covered;
    long pop_80, pop_80_covered;
} coverage_summary_t;

typedef struct coverage_query {
    const char *division;  /* 12-digit code */
    const char *date;      /* YYYY-MM-DD */
    coverage_params_t params;
    const char *types;     /* comma-separated facility types, NULL/"" = any */
    const char *functions; /* comma-separated functions (助餐, 日间照料 …), NULL/"" = any */
} coverage_query_t;

typedef struct coverage_result {
    const char *method;            /* "network" or "straight-line" (static string) */
    double budget_m;
    coverage_facility_t *facilities; /* those that passed the filters and are operating */
    size_t nfacilities;
    coverage_area_t *areas;        /* areas of the division */
    size_t nareas;
    coverage_summary_t total;      /* the division */
    coverage_summary_t *subs;      /* each child division, in code order */
    size_t nsubs;
    GEOSGeometry *uncovered;       /* union of the uncovered areas (lon/lat), NULL if none */
    /* sensitivity (DOMAIN.md §8): the division's figures at 0.8 and 1.2 m/s */
    double sens_speed_mps[2];
    long sens_areas_covered[2], sens_pop_60_covered[2];
} coverage_result_t;

/* The engine without the store: fills covered / walk_m / nearest of every
 * area from the facilities given (all of them count). Returns the method
 * ("network", or "straight-line" when the graph has no edges). */
const char *coverage_assign(const coverage_graph_t *g, const coverage_params_t *p, const coverage_facility_t *fac,
                            size_t nfac, coverage_area_t *areas, size_t nareas);

/* Which residential areas of q->division are within the walking budget of a
 * facility. DM_ENOTFOUND for an unknown division; DM_EINVAL for bad params. */
int coverage_evaluate(store_t *s, const coverage_graph_t *g, const coverage_query_t *q, coverage_result_t *out,
                      dm_error *err);
void coverage_result_clear(coverage_result_t *r);

/* True if a facility passes comma-separated type and function filters. */
int coverage_facility_matches(const char *type, const char *functions, const char *want_types,
                              const char *want_functions);

/* ---- new sites: greedy maximal covering ----------------------------------------- */

typedef struct coverage_site {
    double lon, lat;
    const char *source;  /* "candidate", "residential", "node" (static) */
    long candidate;      /* index in the given candidates, -1 otherwise */
    long areas_gain;     /* areas newly covered */
    long pop_60_gain, pop_80_gain, households_gain;
} coverage_site_t;

typedef struct coverage_suggestion {
    coverage_result_t before;     /* coverage with the existing facilities */
    coverage_site_t *sites;
    size_t nsites;
    size_t ncandidates;           /* candidates considered */
    long pop_60_after, areas_after;
} coverage_suggestion_t;

/* The greedy engine without the store: areas carry their coverage by the
 * existing facilities (coverage_assign); chooses up to k sites among the
 * candidates (ncand = 0: default candidates). *sites is new (free()). */
int coverage_greedy(const coverage_graph_t *g, const coverage_params_t *p, const coverage_area_t *areas,
                    size_t nareas, int k, const double *cand_lonlat, size_t ncand, coverage_site_t **sites,
                    size_t *nsites, size_t *ncandidates, dm_error *err);

/* Chooses up to k (1..COVERAGE_MAX_K) sites maximising the 60+ population
 * newly covered (ties: areas), greedily (MCLP, Church & ReVelle 1974). With
 * ncand = 0, candidates are the access points of the uncovered areas and the
 * network nodes within the budget of one. */
int coverage_suggest(store_t *s, const coverage_graph_t *g, const coverage_query_t *q, int k,
                     const double *cand_lonlat, size_t ncand, coverage_suggestion_t *out, dm_error *err);
void coverage_suggestion_clear(coverage_suggestion_t *sg);

#endif
