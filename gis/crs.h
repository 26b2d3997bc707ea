/* crs.h — coordinate reference systems: everything into CGCS2000 lon/lat.
 *
 * diming stores every geometry in CGCS2000 (EPSG:4490) with lon/lat axis
 * order (RFC 7946 order, PROJ's "visualisation" order). A crs_transform_t
 * turns coordinates of one source CRS into that. Sources PROJ knows (EPSG codes,
 * WKT from a .prj, PROJ strings) go through PROJ with axis order normalised;
 * GCJ-02 ("Mars coordinates" of Amap, Tencent and DataV), which PROJ does not
 * know, is converted by inverting the published WGS-84→GCJ-02 offset formula
 * iteratively (crs_gcj02_to_wgs84) and then treating WGS-84 as CGCS2000
 * (the two frames differ by centimetres, far below the data's accuracy).
 *
 * Ownership: crs_transform_new returns an object the caller frees with
 * crs_transform_free. One object may be used by one thread at a time. */
#ifndef DIMING_CRS_H
#define DIMING_CRS_H

#include "gis/error.h"

#define CRS_STORE_EPSG 4490

typedef struct crs_transform crs_transform_t;

/* `src` is "GCJ02" (any case, also "GCJ-02"), or anything proj_create accepts:
 * "EPSG:4549", a WKT string, a PROJ string. Returns NULL and fills err if the
 * CRS is unknown or no transformation to EPSG:4490 exists. */
crs_transform_t *crs_transform_new(const char *src, dm_error *err);
void crs_transform_free(crs_transform_t *t);

/* Transforms n points in place (x = lon/easting, y = lat/northing in the
 * source's visualisation order). Returns 0, or DM_EGEOM if a point could not
 * be transformed or fell outside lon/lat range. */
int crs_transform_points(crs_transform_t *t, double *x, double *y, size_t n, dm_error *err);

/* True if the transform is the identity (source already EPSG:4490 lon/lat). */
int crs_transform_is_identity(const crs_transform_t *t);

/* A short description of the source ("EPSG:4549", "GCJ02", or the CRS name). */
const char *crs_transform_source_name(const crs_transform_t *t);

/* GCJ-02 ↔ WGS-84. Points outside China's rough bounding box are returned
 * unchanged (as the offset is only applied inside it). The inverse iterates
 * until the forward image matches within 1e-9 degrees (well under 1 mm). */
int crs_outside_china(double lon, double lat);
void crs_wgs84_to_gcj02(double lon, double lat, double *out_lon, double *out_lat);
void crs_gcj02_to_wgs84(double lon, double lat, double *out_lon, double *out_lat);

/* Geodesic distance in metres between two lon/lat points on the CGCS2000
 * ellipsoid (PROJ's geodesic routines, Karney's algorithm). */
double crs_geodesic_distance_m(double lon1, double lat1, double lon2, double lat2);

#endif
