/* geom.h — GEOS plumbing shared by the library: one reentrant GEOS context
 * per thread, WKB in and out, repair and type coercion of imported geometry,
 * and lengths on the CGCS2000 ellipsoid.
 *
 * Only GEOS's _r API is used (GEOS_USE_ONLY_R_API). geom_ctx() returns the
 * calling thread's context, created on first use and destroyed when the
 * thread exits; its last error message is kept per thread (geom_last_error).
 *
 * Ownership: GEOSGeometry* results are new and the caller destroys them with
 * GEOSGeom_destroy_r(geom_ctx(), g); WKB buffers from geom_to_wkb are freed
 * with free(). */
#ifndef DIMING_GEOM_H
#define DIMING_GEOM_H

#include <geos_c.h>
#include <stddef.h>

#include "gis/error.h"

GEOSContextHandle_t geom_ctx(void);
const char *geom_last_error(void);

/* Parses ISO/OGC WKB. NULL + err (DM_EGEOM) on failure. */
GEOSGeometry *geom_from_wkb(const unsigned char *wkb, size_t len, dm_error *err);

/* 2D ISO WKB of g, little-endian; *len receives its size. NULL on failure. */
unsigned char *geom_to_wkb(const GEOSGeometry *g, size_t *len);

typedef enum { GEOM_KIND_POINT, GEOM_KIND_LINE, GEOM_KIND_POLYGON, GEOM_KIND_ANY } geom_kind_t;

/* Prepares a geometry read from a file for storage as `kind`:
 *  - drops Z/M; refuses empty geometries and non-finite coordinates;
 *  - polygons: invalid ones are repaired with GEOSMakeValid when the result is
 *    still polygonal and keeps the area within 1 % (the usual self-touching
 *    rings, duplicate points, wrong orientation); *repaired is set and
 *    `reason` says what GEOS found; otherwise DM_EGEOM;
 *  - POLYGON kind always yields a MultiPolygon, LINE a LineString (a
 *    MultiLineString of one part is unwrapped; several parts → DM_EGEOM unless
 *    allow_multi), POINT a Point.
 * Consumes *g and replaces it with the result. */
int geom_conform(GEOSGeometry **g, geom_kind_t kind, int allow_multi, int *repaired, char *reason,
                 size_t reason_len, dm_error *err);

/* True if every coordinate lies in lon [-180, 180], lat [-90, 90]. */
int geom_in_lonlat_range(const GEOSGeometry *g);

/* Length of a (multi)line in metres on the CGCS2000 ellipsoid. */
double geom_length_m(const GEOSGeometry *g);

/* Destroys every non-NULL geometry given (NULL-terminated list). */
void geom_destroy_all(GEOSGeometry *first, ...);

#endif
