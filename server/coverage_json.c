/* coverage_json.c — GeoJSON encoding of coverage results; see coverage_json.h. */
#include "server/coverage_json.h"

#include <math.h>

#include "server/json.h"

static json_t *num_or_null(double v) { return isfinite(v) ? json_real(round(v * 100) / 100) : json_null(); }
static json_t *str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }
static json_t *share(long part, long whole) { return whole > 0 ? json_real(round(1e4 * part / whole) / 1e4) : json_null(); }

static json_t *point(double lon, double lat)
{
    return json_pack("{s:s,s:[ff]}", "type", "Point", "coordinates", round(lon * 1e7) / 1e7, round(lat * 1e7) / 1e7);
}

json_t *coverage_summary_json(const coverage_summary_t *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(s->code));
    json_object_set_new(o, "name", str_or_null(s->name));
    json_object_set_new(o, "areas", json_integer(s->areas));
    json_object_set_new(o, "areas_covered", json_integer(s->areas_covered));
    json_object_set_new(o, "areas_share", share(s->areas_covered, s->areas));
    json_object_set_new(o, "households", json_integer(s->households));
    json_object_set_new(o, "households_covered", json_integer(s->households_covered));
    json_object_set_new(o, "households_share", share(s->households_covered, s->households));
    json_object_set_new(o, "pop_60", json_integer(s->pop_60));
    json_object_set_new(o, "pop_60_covered", json_integer(s->pop_60_covered));
    json_object_set_new(o, "pop_60_share", share(s->pop_60_covered, s->pop_60));
    json_object_set_new(o, "pop_80", json_integer(s->pop_80));
    json_object_set_new(o, "pop_80_covered", json_integer(s->pop_80_covered));
    json_object_set_new(o, "pop_80_share", share(s->pop_80_covered, s->pop_80));
    return o;
}

static json_t *params_json(const coverage_query_t *q, double budget_m)
{
    return json_pack("{s:f,s:f,s:f,s:o,s:o,s:s}", "minutes", q->params.minutes, "speed_mps", q->params.speed_mps,
                     "budget_m", budget_m, "types", str_or_null(q->types), "functions", str_or_null(q->functions),
                     "date", q->date ? q->date : "");
}

static json_t *count_or_null(long v) { return v >= 0 ? json_integer(v) : json_null(); }

json_t *coverage_result_json(const coverage_result_t *r, const coverage_query_t *q)
{
    json_t *features = json_array();
    for (size_t i = 0; i < r->nareas; i++) {
        const coverage_area_t *a = &r->areas[i];
        json_t *p = json_object();
        json_object_set_new(p, "kind", json_string("residential_area"));
        json_object_set_new(p, "id", json_integer(a->id));
        json_object_set_new(p, "name", str_or_null(a->name));
        json_object_set_new(p, "division_code", str_or_null(a->division_code));
        json_object_set_new(p, "households", count_or_null(a->households));
        json_object_set_new(p, "pop_60", count_or_null(a->pop_60));
        json_object_set_new(p, "pop_80", count_or_null(a->pop_80));
        json_object_set_new(p, "covered", json_boolean(a->covered));
        json_object_set_new(p, "walk_m", num_or_null(a->walk_m));
        json_object_set_new(p, "walk_minutes", num_or_null(a->walk_m / q->params.speed_mps / 60.0));
        json_object_set_new(p, "facilities_within", json_integer(a->facilities_within));
        if (a->nearest >= 0) {
            const coverage_facility_t *f = &r->facilities[a->nearest];
            json_object_set_new(p, "nearest_facility",
                                json_pack("{s:I,s:o,s:o}", "id", (json_int_t)f->id, "name", str_or_null(f->name),
                                          "type", str_or_null(f->type)));
        } else
            json_object_set_new(p, "nearest_facility", json_null());
        json_t *f = json_pack("{s:s,s:o,s:o}", "type", "Feature", "properties", p, "geometry",
                              geojson_geometry_wkb(a->wkb, a->wkb_len));
        json_array_append_new(features, f);
    }
    json_t *up = json_pack("{s:s,s:I}", "kind", "uncovered", "areas", (json_int_t)(r->total.areas - r->total.areas_covered));
    json_array_append_new(features, json_pack("{s:s,s:o,s:o}", "type", "Feature", "properties", up, "geometry",
                                              r->uncovered ? geojson_geometry(r->uncovered) : json_null()));
    json_t *doc = feature_collection(features);
    json_object_set_new(doc, "method", json_string(r->method ? r->method : "network"));
    json_object_set_new(doc, "division", json_pack("{s:s,s:o}", "code", r->total.code, "name", str_or_null(r->total.name)));
    json_object_set_new(doc, "params", params_json(q, r->budget_m));
    json_object_set_new(doc, "facilities_used", json_integer((json_int_t)r->nfacilities));
    json_object_set_new(doc, "summary", coverage_summary_json(&r->total));
    json_t *subs = json_array();
    for (size_t i = 0; i < r->nsubs; i++)
        json_array_append_new(subs, coverage_summary_json(&r->subs[i]));
    json_object_set_new(doc, "subdivisions", subs);
    json_t *sens = json_array();
    for (int k = 0; k < 2; k++)
        json_array_append_new(sens, json_pack("{s:f,s:f,s:I,s:I}", "speed_mps", r->sens_speed_mps[k], "budget_m",
                                              q->params.minutes * 60 * r->sens_speed_mps[k], "areas_covered",
                                              (json_int_t)r->sens_areas_covered[k], "pop_60_covered",
                                              (json_int_t)r->sens_pop_60_covered[k]));
    json_object_set_new(doc, "sensitivity", sens);
    return doc;
}

json_t *coverage_isochrone_json(const coverage_isochrone_t *iso, double lon, double lat, const coverage_params_t *p)
{
    json_t *features = json_array();
    if (iso->reached && iso->area) {
        json_t *props = json_object();
        json_object_set_new(props, "kind", json_string("isochrone"));
        json_object_set_new(props, "minutes", json_real(p->minutes));
        json_object_set_new(props, "speed_mps", json_real(p->speed_mps));
        json_object_set_new(props, "budget_m", json_real(iso->budget_m));
        json_object_set_new(props, "buffer_m", json_real(p->buffer_m));
        json_object_set_new(props, "polygon", json_string(p->exact ? "exact GEOS buffer" : "buffer traced on a grid of buffer_m/4"));
        json_object_set_new(props, "access_m", num_or_null(iso->start.access_m));
        json_object_set_new(props, "edges_full", json_integer((json_int_t)iso->edges_full));
        json_object_set_new(props, "edges_partial", json_integer((json_int_t)iso->edges_partial));
        json_object_set_new(props, "reach_length_m", num_or_null(iso->reach_length_m));
        json_object_set_new(props, "area_m2", json_real(round(iso->area_m2)));
        json_object_set_new(props, "euclidean_area_m2", json_real(round(iso->euclid_area_m2)));
        /* network-vs-Euclidean gap (DOMAIN.md §8): how much of the straight-line disc the walk reaches */
        json_object_set_new(props, "network_to_euclidean", share((long)iso->area_m2, (long)iso->euclid_area_m2));
        json_array_append_new(features, json_pack("{s:s,s:o,s:o}", "type", "Feature", "properties", props,
                                                  "geometry", geojson_geometry(iso->area)));
        if (iso->edges)
            json_array_append_new(features,
                                  json_pack("{s:s,s:{s:s},s:o}", "type", "Feature", "properties", "kind",
                                            "reachable_edges", "geometry", geojson_geometry(iso->edges)));
    }
    json_t *doc = feature_collection(features);
    json_object_set_new(doc, "query", json_pack("{s:f,s:f,s:f,s:f}", "lon", lon, "lat", lat, "minutes", p->minutes,
                                                "speed_mps", p->speed_mps));
    json_object_set_new(doc, "reached", json_boolean(iso->reached));
    json_object_set_new(doc, "start", iso->reached ? point(iso->start.lon, iso->start.lat) : json_null());
    return doc;
}

json_t *coverage_suggestion_json(const coverage_suggestion_t *sg, const coverage_query_t *q, int k)
{
    json_t *features = json_array();
    for (size_t i = 0; i < sg->nsites; i++) {
        const coverage_site_t *s = &sg->sites[i];
        json_t *p = json_object();
        json_object_set_new(p, "rank", json_integer((json_int_t)i + 1));
        json_object_set_new(p, "source", json_string(s->source));
        json_object_set_new(p, "candidate", s->candidate >= 0 ? json_integer(s->candidate) : json_null());
        json_object_set_new(p, "areas_gain", json_integer(s->areas_gain));
        json_object_set_new(p, "pop_60_gain", json_integer(s->pop_60_gain));
        json_object_set_new(p, "pop_80_gain", json_integer(s->pop_80_gain));
        json_object_set_new(p, "households_gain", json_integer(s->households_gain));
        json_array_append_new(features,
                              json_pack("{s:s,s:o,s:o}", "type", "Feature", "properties", p, "geometry", point(s->lon, s->lat)));
    }
    json_t *doc = feature_collection(features);
    json_object_set_new(doc, "method", json_string(sg->before.method ? sg->before.method : "network"));
    json_object_set_new(doc, "algorithm", json_string("greedy maximal covering (MCLP), weight = people 60+"));
    json_object_set_new(doc, "division", json_pack("{s:s,s:o}", "code", sg->before.total.code, "name",
                                                   str_or_null(sg->before.total.name)));
    json_object_set_new(doc, "params", params_json(q, sg->before.budget_m));
    json_object_set_new(doc, "k", json_integer(k));
    json_object_set_new(doc, "candidates_considered", json_integer((json_int_t)sg->ncandidates));
    const coverage_summary_t *t = &sg->before.total;
    json_object_set_new(doc, "before", coverage_summary_json(t));
    json_object_set_new(doc, "after", json_pack("{s:I,s:o,s:I,s:o}", "areas_covered", (json_int_t)sg->areas_after,
                                                "areas_share", share(sg->areas_after, t->areas), "pop_60_covered",
                                                (json_int_t)sg->pop_60_after, "pop_60_share",
                                                share(sg->pop_60_after, t->pop_60)));
    return doc;
}

static json_t *rounded(double v) { return isfinite(v) ? json_real(round(v * 1e4) / 1e4) : json_null(); }

json_t *coverage_report_json(const report_item_t *items, size_t n, const char *division, const char *name,
                             const char *date)
{
    json_t *list = json_array();
    long passed = 0, failed = 0, open = 0;
    for (size_t i = 0; i < n; i++) {
        const report_item_t *it = &items[i];
        const report_target_t *t = it->target;
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(t->id));
        json_object_set_new(o, "text", json_string(t->text));
        json_object_set_new(o, "jurisdiction", str_or_null(t->jurisdiction));
        json_object_set_new(o, "document", str_or_null(t->document));
        json_object_set_new(o, "source", str_or_null(t->source));
        json_object_set_new(o, "year", t->year ? json_integer(t->year) : json_null());
        json_object_set_new(o, "binding", str_or_null(t->binding));
        json_object_set_new(o, "kind", json_string(report_kind_name(t->kind)));
        json_object_set_new(o, "op", json_string(report_op_name(t->op)));
        json_object_set_new(o, "target", t->kind == REPORT_MANUAL ? json_null() : json_real(t->target));
        json_object_set_new(o, "evaluated", json_boolean(it->evaluated));
        if (!it->evaluated) {
            open++;
            json_object_set_new(o, "value", json_null());
            json_object_set_new(o, "pass", json_null());
            json_object_set_new(o, "why_not", str_or_null(it->why_not));
            json_array_append_new(list, o);
            continue;
        }
        it->pass ? passed++ : failed++;
        json_object_set_new(o, "value", rounded(it->value));
        json_object_set_new(o, "numerator", rounded(it->numerator));
        json_object_set_new(o, "denominator", t->kind == REPORT_COUNT ? json_null() : rounded(it->denominator));
        json_object_set_new(o, "pass", json_boolean(it->pass));
        json_t *features = json_array();
        for (size_t k = 0; k < it->nfailing; k++) {
            const report_failing_t *f = &it->failing[k];
            json_array_append_new(features, json_pack("{s:s,s:{s:o,s:o},s:o}", "type", "Feature", "properties",
                                                      "code", str_or_null(f->code), "name", str_or_null(f->name),
                                                      "geometry", geojson_geometry_wkb(f->wkb, f->wkb_len)));
        }
        json_object_set_new(o, "failing", feature_collection(features));
        json_array_append_new(list, o);
    }
    return json_pack("{s:{s:s,s:o},s:s,s:{s:I,s:I,s:I},s:o}", "division", "code", division, "name",
                     str_or_null(name), "date", date, "counts", "passed", (json_int_t)passed, "failed",
                     (json_int_t)failed, "not_evaluated", (json_int_t)open, "indicators", list);
}
