/* json.h — GeoJSON encoding of libdiming results (RFC 7946: lon/lat order,
 * CGCS2000 treated as the WGS-84 the RFC names; the difference is centimetres).
 *
 * Ownership: every function returns a new json_t reference the caller owns
 * (or hands to a container with the *_new setters). */
#ifndef DIMING_SERVER_JSON_H
#define DIMING_SERVER_JSON_H

#include <geos_c.h>
#include <jansson.h>

#include "gis/boundary.h"
#include "gis/locate.h"
#include "gis/store.h"

/* GeoJSON geometry object of g, coordinates rounded to 7 decimals (~1 cm). */
json_t *geojson_geometry(const GEOSGeometry *g);

/* GeoJSON geometry from ISO WKB; JSON null when wkb is NULL or unreadable. */
json_t *geojson_geometry_wkb(const unsigned char *wkb, size_t len);

/* Properties shared by every division answer. */
json_t *division_properties(const char code[13], const char *parent_code, const char *name,
                            division_level_t level, const char *type, const char *urban_rural,
                            const char *valid_from, const char *valid_to);

json_t *division_feature(const division_t *d);
/* A division of the in-memory index as a Feature without geometry (the
 * locate answer), appended as text. */
struct jsonw;
void division_entry_feature_write(struct jsonw *w, const division_entry_t *e);

/* {"code", "distance_m", "nearest_point", "line": {…} | null} for locate. */
json_t *boundary_distance_json(const char *code, const boundary_distance_t *bd);
/* The same object appended as text (the hot path of /divisions/locate). */
void boundary_distance_write(struct jsonw *w, const char *code, const boundary_distance_t *bd);

/* The marker audit as a FeatureCollection of findings (Point geometry, null
 * for sequence gaps) with "summary": {kind: count}, "markers", "lines". */
json_t *boundary_audit_json(const boundary_audit_result_t *r, const boundary_audit_opts_t *o);

/* The topology QA as a FeatureCollection of findings (geometry null for
 * code findings) with the parent, counts and areas. */
json_t *boundary_qa_json(const boundary_qa_result_t *r, const char *parent, const char *date, double tolerance_m);

/* A FeatureCollection holding `features` (reference stolen). */
json_t *feature_collection(json_t *features);

#endif
