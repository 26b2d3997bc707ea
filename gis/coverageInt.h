/* coverageInt.h — internals shared by the files of the coverage module
 * (coverage_graph.c, coverage_reach.c, coverage_eval.c). Nothing outside the
 * module includes this: everything else goes through coverage.h.
 *
 * The graph lives in a local plane: x = (lon − lon0)·kx, y = (lat − lat0)·ky
 * in metres, kx and ky the CGCS2000 ellipsoid's scale at lat0 (the centre of
 * the data). Over a city (±30 km) the scale error stays under 0.3 %. */
#ifndef DIMING_COVERAGE_INT_H
#define DIMING_COVERAGE_INT_H

#include <stdint.h>

#include "gis/coverage.h"

#define COV_NONE UINT32_MAX

struct coverage_graph {
    double lon0, lat0, kx, ky;
    uint32_t nnodes, nedges;
    double *node_xy;     /* 2 × nnodes, metres */
    uint32_t *edge_u, *edge_v;
    double *edge_len;    /* metres */
    uint32_t *edge_name; /* offset into names, COV_NONE when unnamed */
    uint32_t *edge_coff; /* nedges + 1 offsets into coords (in points) */
    double *coords;      /* 2 × points, metres */
    uint32_t *adj_off;   /* nnodes + 1 */
    uint32_t *adj_edge;  /* edges around each node (a loop appears once) */
    char *names;
    size_t names_len;
    /* uniform grid over the edges for snapping */
    double gx0, gy0, cell;
    uint32_t gw, gh;
    uint32_t *cell_off, *cell_edge;
    coverage_graph_stats_t stats;
};

static inline void cov_to_plane(const coverage_graph_t *g, double lon, double lat, double *x, double *y)
{
    *x = (lon - g->lon0) * g->kx;
    *y = (lat - g->lat0) * g->ky;
}

static inline void cov_to_lonlat(const coverage_graph_t *g, double x, double y, double *lon, double *lat)
{
    *lon = g->lon0 + x / g->kx;
    *lat = g->lat0 + y / g->ky;
}

/* Sets lon0/lat0/kx/ky for a plane centred on (lon0, lat0). */
void cov_plane_init(coverage_graph_t *g, double lon0, double lat0);

/* ---- bounded Dijkstra ----------------------------------------------------- */

typedef struct cov_heap_item {
    double d;
    uint32_t node;
} cov_heap_item_t;

/* Reusable per-search state: dist and label per node, reset through the list
 * of touched nodes so repeated small searches stay proportional to reach. */
typedef struct cov_search {
    const coverage_graph_t *g;
    double *dist;
    uint32_t *label;
    uint32_t *touched;
    size_t ntouched;
    cov_heap_item_t *heap;
    size_t nheap, capheap;
} cov_search_t;

typedef struct cov_seed {
    uint32_t node;
    double d;
    uint32_t label;
} cov_seed_t;

int cov_search_init(cov_search_t *s, const coverage_graph_t *g);
void cov_search_free(cov_search_t *s);
void cov_search_reset(cov_search_t *s);
/* Multi-source Dijkstra from the seeds, settling nodes up to cutoff_m. */
int cov_search_run(cov_search_t *s, const cov_seed_t *seeds, size_t nseeds, double cutoff_m);
/* Distance from the search's sources to a snapped location (edge, offset),
 * through either end of its edge, not counting the location's access
 * distance; *label receives the source's label. INFINITY when unreached. */
double cov_search_to(const cov_search_t *s, const coverage_snap_t *at, uint32_t *label);

/* The two seeds of a snapped location (access distance included). */
int cov_snap_seeds(const coverage_graph_t *g, const coverage_snap_t *sn, uint32_t label, cov_seed_t out[2]);

#endif
