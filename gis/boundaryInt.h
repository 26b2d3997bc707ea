/* boundaryInt.h — internals shared by the files of the boundary module
 * (gis/boundary_*.c) and its tests: the local metric frame.
 *
 * A metric frame is a transverse Mercator projection on the CGCS2000
 * ellipsoid (a = 6378137, 1/f = 298.257222101) through PROJ, centred on a
 * point rounded to 0.1°, so that distances and areas near the centre are in
 * metres with a scale error under 1e-5 within 25 km. Frames are cached per
 * thread (PROJ objects must not be shared between threads) and freed when the
 * thread exits; a frame pointer is valid on the calling thread until its next
 * metric_frame call. */
#ifndef DIMING_BOUNDARY_INT_H
#define DIMING_BOUNDARY_INT_H

#include <geos_c.h>

typedef struct metric_frame metric_frame_t;

/* The calling thread's frame for a region centred at (lon, lat); NULL if PROJ
 * failed (it does not for valid lon/lat). */
const metric_frame_t *metric_frame(double lon, double lat);

/* lon/lat → metres (x east, y north) in the frame, and back. */
void metric_fwd(const metric_frame_t *f, double lon, double lat, double *x, double *y);
void metric_inv(const metric_frame_t *f, double x, double y, double *lon, double *lat);

/* New geometry with every coordinate projected (to_local) or unprojected. */
GEOSGeometry *metric_to_local(const metric_frame_t *f, const GEOSGeometry *g);
GEOSGeometry *metric_to_lonlat(const metric_frame_t *f, const GEOSGeometry *g);

/* Area in m² of a lon/lat geometry, in the frame of its own centre. */
double metric_area_m2(const GEOSGeometry *g);

/* Distance in metres between two lon/lat geometries (in the frame of the
 * first's centre); *pa and *pb (optional) receive the nearest points, lon/lat. */
double metric_distance_m(const GEOSGeometry *a, const GEOSGeometry *b, double *pa_lon, double *pa_lat,
                         double *pb_lon, double *pb_lat);

/* Metres per degree of longitude and latitude at `lat` on the CGCS2000 ellipsoid. */
void metric_scale(double lat, double *kx, double *ky);
/* Geodesic distance in metres from (lon, lat) to the nearest point of g (found
 * as metric_path_nearest does, on a path made for the call); nlon and nlat
 * (optional) receive that point. NAN if g is empty. For one-off questions:
 * hot paths keep a metric_path_t. */
double metric_point_distance_m(const GEOSGeometry *g, double lon, double lat, double *nlon, double *nlat);

/* A geometry's vertices copied into flat arrays once, cut into runs of at
 * most METRIC_CHUNK segments with their envelopes, for the nearest-point
 * question asked on every point lookup (GET /divisions/locate): a run whose
 * envelope is farther than the best point so far is skipped without reading
 * its vertices, and no GEOS call is made per query. Read-only after
 * metric_path_new, so threads share it. The caller owns the path and frees it
 * with metric_path_free. */
typedef struct metric_path metric_path_t;
metric_path_t *metric_path_new(const GEOSGeometry *g); /* NULL when empty or out of memory */
void metric_path_free(metric_path_t *p);
/* Nearest point of the path to (lon, lat) in the plane tangent at the point,
 * scaled by kx, ky (metric_scale at lat): returns the plane distance in metres
 * (within 0.1 % of the geodesic one over 10 km) and the point in lon/lat; NAN
 * for an empty path. Used to rank candidates; the distance reported is the
 * geodesic one to the winner (crs_geodesic_distance_m). */
double metric_path_nearest(const metric_path_t *p, double lon, double lat, double kx, double ky, double *nlon,
                           double *nlat);

/* Degrees of longitude and latitude spanned by `m` metres at latitude lat
 * (for search rectangles; generous by 1 %). */
void metric_degrees(double lat, double m, double *dlon, double *dlat);

#endif
