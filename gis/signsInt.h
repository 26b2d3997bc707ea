/* signsInt.h — plane geometry shared by the signs and directory modules
 * (gis/signs_*.c, gis/directory_*.c); nothing else includes it.
 *
 * Distances between a sign and a road are tens of metres inside one county,
 * so a local equirectangular plane (metres east and north of a reference
 * latitude) is exact to well under a metre there; lengths of whole roads use
 * geom_length_m (the ellipsoid). sg_lines_t owns its coordinate arrays
 * (sg_lines_free). */
#ifndef DIMING_SIGNS_INT_H
#define DIMING_SIGNS_INT_H

#include <geos_c.h>
#include <stddef.h>

#include "gis/error.h"
#include "gis/store.h"

typedef struct sg_plane {
    double lat0, kx, ky; /* metres per degree of longitude / latitude at lat0 */
} sg_plane_t;

void sg_plane_init(sg_plane_t *p, double lat0);
/* Metres between two lon/lat points on the plane. */
double sg_dist_m(const sg_plane_t *p, double lon1, double lat1, double lon2, double lat2);

/* The vertices of a geometry's lines (LineString, MultiLineString, polygon
 * rings, points as one-vertex parts), as lon/lat pairs per part. */
typedef struct sg_lines {
    double *xy;     /* lon, lat, lon, lat … */
    size_t *start;  /* first vertex of each part; start[nparts] = number of vertices */
    size_t nparts;
    double minx, miny, maxx, maxy;
} sg_lines_t;

int sg_lines_from_geom(const GEOSGeometry *g, sg_lines_t *out, dm_error *err);
int sg_lines_from_wkb(const unsigned char *wkb, size_t len, sg_lines_t *out, dm_error *err);
void sg_lines_free(sg_lines_t *l);
/* Shortest distance in metres from a point to the lines (INFINITY if empty). */
double sg_dist_point_lines(const sg_plane_t *p, double lon, double lat, const sg_lines_t *l);
/* The point halfway along the longest part (a point's own position). */
void sg_lines_midpoint(const sg_plane_t *p, const sg_lines_t *l, double *lon, double *lat);

/* Area of a (multi)polygon in km² on the plane of its own mean latitude. */
double sg_area_km2(const GEOSGeometry *g);

/* A division outline ready for point tests. */
typedef struct sg_outline {
    GEOSGeometry *g;
    const GEOSPreparedGeometry *prep;
    double minx, miny, maxx, maxy;
} sg_outline_t;
int sg_outline_from_wkb(const unsigned char *wkb, size_t len, sg_outline_t *out, dm_error *err);
int sg_outline_contains(const sg_outline_t *o, double lon, double lat);
int sg_outline_intersects_wkb(const sg_outline_t *o, const unsigned char *wkb, size_t len);
void sg_outline_free(sg_outline_t *o);

/* Division class for urban/rural figures: 1 urban, 2 rural, 0 unknown. The
 * 城乡分类代码 decides when present (1xx urban, 2xx rural; DOMAIN.md §2),
 * else the type: 街道/社区/区 urban, 镇/乡/民族乡/苏木/村/县 rural. */
int sg_division_class(const division_t *d);

/* Copies at most n-1 bytes of s (NULL → "") without cutting a UTF-8 character. */
void sg_copy(char *dst, size_t n, const char *s);

#endif
