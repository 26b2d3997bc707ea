/* json.c — GeoJSON encoding; see json.h. */
#include "server/json.h"

#include <math.h>
#include <stdlib.h>

#include "gis/divcode.h"
#include "gis/geom.h"
#include "server/jsonw.h"

static json_t *coord(double x, double y)
{
    /* 7 decimals ≈ 1 cm; avoids 104.07000000000001 in the output. */
    return json_pack("[ff]", round(x * 1e7) / 1e7, round(y * 1e7) / 1e7);
}

static json_t *coord_seq(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, g);
    unsigned n = 0;
    json_t *arr = json_array();
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n))
        return arr;
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
        json_array_append_new(arr, coord(x, y));
    }
    return arr;
}

static json_t *polygon_rings(GEOSContextHandle_t h, const GEOSGeometry *p)
{
    json_t *rings = json_array();
    json_array_append_new(rings, coord_seq(h, GEOSGetExteriorRing_r(h, p)));
    int n = GEOSGetNumInteriorRings_r(h, p);
    for (int i = 0; i < n; i++)
        json_array_append_new(rings, coord_seq(h, GEOSGetInteriorRingN_r(h, p, i)));
    return rings;
}

json_t *geojson_geometry(const GEOSGeometry *g)
{
    GEOSContextHandle_t h = geom_ctx();
    int t = GEOSGeomTypeId_r(h, g);
    int n = GEOSGetNumGeometries_r(h, g);
    json_t *coords = NULL;
    const char *type = NULL;
    switch (t) {
    case GEOS_POINT: {
        double x, y;
        GEOSGeomGetX_r(h, g, &x);
        GEOSGeomGetY_r(h, g, &y);
        type = "Point", coords = coord(x, y);
        break;
    }
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
        type = "LineString", coords = coord_seq(h, g);
        break;
    case GEOS_POLYGON:
        type = "Polygon", coords = polygon_rings(h, g);
        break;
    case GEOS_MULTIPOINT:
        type = "MultiPoint", coords = json_array();
        for (int i = 0; i < n; i++) {
            double x, y;
            const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
            GEOSGeomGetX_r(h, p, &x);
            GEOSGeomGetY_r(h, p, &y);
            json_array_append_new(coords, coord(x, y));
        }
        break;
    case GEOS_MULTILINESTRING:
        type = "MultiLineString", coords = json_array();
        for (int i = 0; i < n; i++)
            json_array_append_new(coords, coord_seq(h, GEOSGetGeometryN_r(h, g, i)));
        break;
    case GEOS_MULTIPOLYGON:
        type = "MultiPolygon", coords = json_array();
        for (int i = 0; i < n; i++)
            json_array_append_new(coords, polygon_rings(h, GEOSGetGeometryN_r(h, g, i)));
        break;
    case GEOS_GEOMETRYCOLLECTION: {
        json_t *geoms = json_array();
        for (int i = 0; i < n; i++)
            json_array_append_new(geoms, geojson_geometry(GEOSGetGeometryN_r(h, g, i)));
        return json_pack("{s:s,s:o}", "type", "GeometryCollection", "geometries", geoms);
    }
    default:
        return json_null();
    }
    return json_pack("{s:s,s:o}", "type", type, "coordinates", coords);
}

json_t *geojson_geometry_wkb(const unsigned char *wkb, size_t len)
{
    if (!wkb || !len)
        return json_null();
    GEOSGeometry *g = geom_from_wkb(wkb, len, NULL);
    if (!g)
        return json_null();
    json_t *j = geojson_geometry(g);
    GEOSGeom_destroy_r(geom_ctx(), g);
    return j;
}

static json_t *str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

json_t *division_properties(const char code[13], const char *parent_code, const char *name, division_level_t level,
                            const char *type, const char *urban_rural, const char *valid_from, const char *valid_to)
{
    char adcode[7], shortc[13];
    divcode_adcode(code, adcode);
    divcode_short(code, shortc);
    json_t *p = json_object();
    json_object_set_new(p, "code", json_string(code));
    json_object_set_new(p, "short_code", json_string(shortc));
    json_object_set_new(p, "adcode", str_or_null(adcode));
    json_object_set_new(p, "name", json_string(name ? name : ""));
    json_object_set_new(p, "level", json_string(division_level_name(level)));
    json_object_set_new(p, "level_no", json_integer(level));
    json_object_set_new(p, "type", str_or_null(type));
    json_object_set_new(p, "parent_code", str_or_null(parent_code));
    json_object_set_new(p, "urban_rural", str_or_null(urban_rural));
    json_object_set_new(p, "valid_from", str_or_null(valid_from));
    json_object_set_new(p, "valid_to", str_or_null(valid_to));
    return p;
}

json_t *division_feature(const division_t *d)
{
    json_t *props = division_properties(d->code, d->parent_code, d->name, d->level, d->type, d->urban_rural,
                                        d->valid_from, d->valid_to);
    if (d->name_original)
        json_object_set_new(props, "name_original", json_string(d->name_original));
    return json_pack("{s:s,s:s,s:o,s:o}", "type", "Feature", "id", d->code, "geometry",
                     geojson_geometry_wkb(d->wkb, d->wkb_len), "properties", props);
}

void division_entry_feature_write(jsonw_t *w, const division_entry_t *e)
{
    char adcode[7], shortc[13];
    divcode_adcode(e->code, adcode);
    divcode_short(e->code, shortc);
    jsonw_lit(w, "{\"type\":\"Feature\",\"id\":");
    jsonw_str_always(w, e->code);
    jsonw_lit(w, ",\"geometry\":null,\"properties\":{\"code\":");
    jsonw_str_always(w, e->code);
    jsonw_lit(w, ",\"short_code\":");
    jsonw_str_always(w, shortc);
    jsonw_lit(w, ",\"adcode\":");
    jsonw_str(w, adcode);
    jsonw_lit(w, ",\"name\":");
    jsonw_str_always(w, e->name ? e->name : "");
    jsonw_lit(w, ",\"level\":");
    jsonw_str_always(w, division_level_name(e->level));
    jsonw_lit(w, ",\"level_no\":");
    jsonw_int(w, e->level);
    jsonw_lit(w, ",\"type\":");
    jsonw_str(w, e->type);
    jsonw_lit(w, ",\"parent_code\":");
    jsonw_str(w, e->parent_code);
    jsonw_lit(w, ",\"urban_rural\":");
    jsonw_str(w, e->urban_rural);
    jsonw_lit(w, ",\"valid_from\":");
    jsonw_str(w, e->valid_from);
    jsonw_lit(w, ",\"valid_to\":");
    jsonw_str(w, e->valid_to);
    jsonw_lit(w, "}}");
}

json_t *feature_collection(json_t *features)
{
    return json_pack("{s:s,s:o}", "type", "FeatureCollection", "features", features);
}

json_t *boundary_distance_json(const char *code, const boundary_distance_t *bd)
{
    json_t *line = json_null();
    if (bd->line)
        line = json_pack("{s:I,s:s,s:s,s:s,s:f}", "id", (json_int_t)bd->line->id, "name", bd->line->name,
                         "left_code", bd->line->left_code, "right_code", bd->line->right_code, "distance_m",
                         round(bd->line_distance_m * 10) / 10);
    return json_pack("{s:s,s:f,s:[ff],s:o}", "code", code, "distance_m", round(bd->distance_m * 10) / 10,
                     "nearest_point", round(bd->nearest_lon * 1e7) / 1e7, round(bd->nearest_lat * 1e7) / 1e7, "line",
                     line);
}

void boundary_distance_write(jsonw_t *w, const char *code, const boundary_distance_t *bd)
{
    jsonw_lit(w, "{\"code\":");
    jsonw_str_always(w, code);
    jsonw_lit(w, ",\"distance_m\":");
    jsonw_fixed(w, bd->distance_m, 1);
    jsonw_lit(w, ",\"nearest_point\":[");
    jsonw_fixed(w, bd->nearest_lon, 7);
    jsonw_lit(w, ",");
    jsonw_fixed(w, bd->nearest_lat, 7);
    jsonw_lit(w, "],\"line\":");
    if (!bd->line) {
        jsonw_lit(w, "null}");
        return;
    }
    jsonw_lit(w, "{\"id\":");
    jsonw_int(w, bd->line->id);
    jsonw_lit(w, ",\"name\":");
    jsonw_str_always(w, bd->line->name ? bd->line->name : "");
    jsonw_lit(w, ",\"left_code\":");
    jsonw_str_always(w, bd->line->left_code);
    jsonw_lit(w, ",\"right_code\":");
    jsonw_str_always(w, bd->line->right_code);
    jsonw_lit(w, ",\"distance_m\":");
    jsonw_fixed(w, bd->line_distance_m, 1);
    jsonw_lit(w, "}}");
}

json_t *boundary_audit_json(const boundary_audit_result_t *r, const boundary_audit_opts_t *o)
{
    json_t *features = json_array(), *summary = json_object();
    for (size_t i = 0; i < r->n; i++) {
        const audit_finding_t *f = &r->findings[i];
        json_t *props = json_pack("{s:s,s:s,s:s,s:s}", "kind", audit_kind_name(f->kind), "number", f->number,
                                  "line_code", f->line_code, "reason", f->reason);
        json_object_set_new(props, "rule", json_string(f->rule ? f->rule : audit_rule_id(f->kind)));
        json_object_set_new(props, "distance_m",
                            isfinite(f->distance_m) ? json_real(round(f->distance_m * 10) / 10) : json_null());
        json_t *geom = isfinite(f->lon) ? json_pack("{s:s,s:[ff]}", "type", "Point", "coordinates",
                                                    round(f->lon * 1e7) / 1e7, round(f->lat * 1e7) / 1e7)
                                        : json_null();
        json_array_append_new(features, json_pack("{s:s,s:o,s:o}", "type", "Feature", "properties", props,
                                                  "geometry", geom));
        const char *k = audit_kind_name(f->kind);
        json_object_set_new(summary, k, json_integer(json_integer_value(json_object_get(summary, k)) + 1));
    }
    json_t *doc = feature_collection(features);
    json_object_set_new(doc, "line", o->line_code && *o->line_code ? json_string(o->line_code) : json_null());
    json_object_set_new(doc, "tolerance_m", json_real(o->tolerance_m));
    json_object_set_new(doc, "as_of", json_string(o->as_of ? o->as_of : ""));
    json_object_set_new(doc, "markers", json_integer(r->markers));
    json_object_set_new(doc, "lines", json_integer(r->lines));
    json_object_set_new(doc, "summary", summary);
    return doc;
}

json_t *boundary_qa_json(const boundary_qa_result_t *r, const char *parent, const char *date, double tolerance_m)
{
    json_t *features = json_array(), *summary = json_object();
    for (size_t i = 0; i < r->n; i++) {
        const qa_finding_t *f = &r->findings[i];
        json_t *codes = json_array();
        if (f->code_a[0])
            json_array_append_new(codes, json_string(f->code_a));
        if (f->code_b[0])
            json_array_append_new(codes, json_string(f->code_b));
        json_t *props = json_pack("{s:s,s:o,s:s}", "kind", qa_kind_name(f->kind), "codes", codes, "reason", f->reason);
        json_object_set_new(props, "area_m2", isfinite(f->area_m2) ? json_real(round(f->area_m2 * 10) / 10) : json_null());
        json_array_append_new(features, json_pack("{s:s,s:o,s:o}", "type", "Feature", "properties", props, "geometry",
                                                  f->geom ? geojson_geometry(f->geom) : json_null()));
        const char *k = qa_kind_name(f->kind);
        json_object_set_new(summary, k, json_integer(json_integer_value(json_object_get(summary, k)) + 1));
    }
    json_t *doc = feature_collection(features);
    json_object_set_new(doc, "parent", json_string(parent));
    json_object_set_new(doc, "date", json_string(date));
    json_object_set_new(doc, "tolerance_m", json_real(tolerance_m));
    json_object_set_new(doc, "children", json_integer(r->children));
    json_object_set_new(doc, "parent_area_m2", json_real(round(r->parent_area_m2)));
    json_object_set_new(doc, "children_area_m2", json_real(round(r->children_area_m2)));
    json_object_set_new(doc, "summary", summary);
    return doc;
}
