/* signs_json.c — the GeoJSON and CSV documents of the signs and directory
 * endpoints and commands (signs_json.h). */
#include "server/signs_json.h"
#include "server/json.h"

#include <geos_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *point_or_null(double lon, double lat)
{
    if (isnan(lon) || isnan(lat))
        return json_null();
    return json_pack("{s:s,s:[f,f]}", "type", "Point", "coordinates", lon, lat);
}

static json_t *str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

static json_t *density(long signs, double km2)
{
    return json_pack("{s:I,s:f,s:o}", "signs", (json_int_t)signs, "area_km2", round(km2 * 1000) / 1000,
                     "signs_per_km2", km2 > 0 ? json_real(round(signs / km2 * 1000) / 1000) : json_null());
}

json_t *signs_audit_json(const signs_audit_result_t *r)
{
    json_t *features = json_array(), *counts = json_object();
    for (size_t i = 0; i < r->nfindings; i++) {
        const sign_finding_t *f = &r->findings[i];
        json_t *p = json_pack("{s:s,s:s,s:s,s:s,s:s}", "rule", f->rule, "severity", f->severity, "message_zh",
                              f->message_zh, "message_en", f->message_en, "source", f->source);
        json_object_set_new(p, "sign_id", f->sign_id ? json_integer((json_int_t)f->sign_id) : json_null());
        json_object_set_new(p, "name_id", f->name_id ? json_integer((json_int_t)f->name_id) : json_null());
        json_object_set_new(p, "division_code", str_or_null(f->division_code));
        json_object_set_new(p, "subject", json_string(f->subject));
        json_object_set_new(p, "expected", str_or_null(f->expected));
        json_object_set_new(p, "found", str_or_null(f->found));
        const char *vk = strcmp(f->rule, "SIGN-MISSING-ROAD") == 0 ? "length_m" : "distance_m";
        json_object_set_new(p, vk, isnan(f->value_m) ? json_null() : json_real(round(f->value_m * 10) / 10));
        json_array_append_new(features, json_pack("{s:s,s:o,s:o}", "type", "Feature", "geometry",
                                                  point_or_null(f->lon, f->lat), "properties", p));
        json_t *c = json_object_get(counts, f->rule);
        json_object_set_new(counts, f->rule, json_integer(c ? json_integer_value(c) + 1 : 1));
    }
    json_t *units = json_array();
    static const char *const cls[] = {"unclassified", "urban", "rural"};
    for (size_t i = 0; i < r->nunits; i++) {
        const sign_density_t *u = &r->units[i];
        json_t *o = density(u->signs, u->area_km2);
        json_object_set_new(o, "code", json_string(u->code));
        json_object_set_new(o, "name", json_string(u->name));
        json_object_set_new(o, "class", json_string(cls[u->urban_class]));
        json_array_append_new(units, o);
    }
    json_t *doc = feature_collection(features);
    json_object_set_new(doc, "division", json_pack("{s:s,s:s}", "code", r->division_code, "name", r->division_name));
    json_object_set_new(doc, "signs", json_integer(r->signs));
    json_object_set_new(doc, "counts", counts);
    json_object_set_new(doc, "density",
                        json_pack("{s:o,s:o,s:o,s:o}", "units", units, "urban",
                                  density(r->class_signs[1], r->class_km2[1]), "rural",
                                  density(r->class_signs[2], r->class_km2[2]), "unclassified",
                                  density(r->class_signs[0], r->class_km2[0])));
    json_object_set_new(doc, "params",
                        json_pack("{s:f,s:f,s:f,s:f}", "road_radius_m", r->params.road_radius_m, "road_slack_m",
                                  r->params.road_slack_m, "road_signed_m", r->params.road_signed_m,
                                  "village_signed_m", r->params.village_signed_m));
    return doc;
}

json_t *directory_json(const directory_t *d)
{
    json_t *features = json_array();
    for (size_t i = 0; i < d->n; i++) {
        const directory_entry_t *e = &d->entries[i];
        json_t *p = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)e->id, "name", e->name, "pinyin",
                              e->pinyin, "category", e->category, "division_code", e->division_code, "status",
                              e->status);
        json_object_set_new(p, "approval_doc", str_or_null(e->approval_doc));
        json_object_set_new(p, "approved_on", str_or_null(e->approved_on));
        json_object_set_new(p, "former_names", str_or_null(e->former_names));
        json_array_append_new(features, json_pack("{s:s,s:I,s:o,s:o}", "type", "Feature", "id", (json_int_t)e->id,
                                                  "geometry", point_or_null(e->lon, e->lat), "properties", p));
    }
    json_t *doc = feature_collection(features);
    json_object_set_new(doc, "division", json_pack("{s:s,s:s}", "code", d->division_code, "name", d->division_name));
    json_object_set_new(doc, "count", json_integer((json_int_t)d->n));
    return doc;
}

json_t *candidates_json(const naming_candidates_t *c)
{
    json_t *features = json_array();
    for (size_t i = 0; i < c->n; i++) {
        const naming_candidate_t *k = &c->c[i];
        json_t *p = json_pack("{s:I,s:s,s:f,s:s,s:s,s:s}", "road_id", (json_int_t)k->road_id, "class", k->road_class,
                              "length_m", round(k->length_m * 10) / 10, "unit_code", k->unit_code, "unit_name",
                              k->unit_name, "unit_type", k->unit_type);
        json_object_set_new(p, "osm_id", str_or_null(k->osm_id));
        json_object_set_new(p, "midpoint", json_pack("[f,f]", k->lon, k->lat));
        json_array_append_new(features, json_pack("{s:s,s:o,s:o}", "type", "Feature", "geometry",
                                                  geojson_geometry_wkb(k->wkb, k->wkb_len), "properties", p));
    }
    json_t *doc = feature_collection(features);
    json_object_set_new(doc, "division", json_pack("{s:s,s:s}", "code", c->division_code, "name", c->division_name));
    json_object_set_new(doc, "count", json_integer((json_int_t)c->n));
    json_object_set_new(doc, "total_length_m", json_real(round(c->total_m * 10) / 10));
    json_object_set_new(doc, "rural_units", json_integer((json_int_t)c->rural_units));
    return doc;
}

static const char *const TYPE_KEYS[4] = {"unapproved_use", "approved_not_used", "used_incompletely",
                                         "former_name_used"};

json_t *enterprise_report_json(const enterprise_report_t *r, const name_observation_t *obs)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const enterprise_summary_t *e = &r->e[i];
        json_t *by = json_object();
        for (int t = 0; t < 4; t++)
            json_object_set_new(by, TYPE_KEYS[t], json_integer(e->by_type[t]));
        json_t *fs = json_array();
        for (size_t k = 0; k < e->nfindings; k++) {
            const name_audit_finding_t *f = &r->findings[e->findings[k]];
            const name_observation_t *o = &obs[f->observation];
            json_t *x = json_pack("{s:I,s:s,s:s,s:s}", "observation", (json_int_t)f->observation, "text", o->text,
                                  "type", names_audit_type_name(f->type), "rule", f->rule);
            json_object_set_new(x, "observation_id", str_or_null(o->id));
            json_object_set_new(x, "subtype", str_or_null(f->subtype));
            json_object_set_new(x, "standard_name", f->entry ? json_string(f->entry->name) : json_null());
            json_array_append_new(fs, x);
        }
        char check[2] = {e->expected_check, '\0'};
        json_t *o = json_pack("{s:o,s:o,s:b,s:s,s:s,s:s}", "enterprise", str_or_null(e->name), "credit_code",
                              str_or_null(e->credit_code), "credit_code_valid", e->code_status == CREDITCODE_OK,
                              "credit_code_status", creditcode_status_name(e->code_status), "credit_code_message_zh",
                              creditcode_status_zh(e->code_status), "credit_code_message_en",
                              creditcode_status_en(e->code_status));
        json_object_set_new(o, "expected_check_character",
                            e->code_status == CREDITCODE_CHECK ? json_string(check) : json_null());
        json_object_set_new(o, "observations", json_integer(e->observations));
        json_object_set_new(o, "violations", json_integer(e->violations));
        json_object_set_new(o, "by_type", by);
        json_object_set_new(o, "findings", fs);
        json_array_append_new(arr, o);
    }
    long invalid = 0;
    for (size_t i = 0; i < r->n; i++)
        invalid += r->e[i].code_status != CREDITCODE_OK;
    return json_pack("{s:o,s:I,s:I,s:I}", "enterprises", arr, "findings", (json_int_t)r->nfindings, "unattributed",
                     (json_int_t)r->unattributed, "invalid_credit_codes", (json_int_t)invalid);
}

static void csv_field(FILE *f, const char *v)
{
    if (!strpbrk(v, ",\"\r\n")) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (; *v; v++) {
        if (*v == '"')
            fputc('"', f);
        fputc(*v, f);
    }
    fputc('"', f);
}

char *enterprise_report_csv(const enterprise_report_t *r, size_t *len)
{
    char *buf = NULL;
    *len = 0;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        return NULL;
    fputs("enterprise,credit_code,credit_code_status,observations,violations", f);
    for (int t = 0; t < 4; t++)
        fprintf(f, ",%s", TYPE_KEYS[t]);
    fputs("\r\n", f);
    for (size_t i = 0; i < r->n; i++) {
        const enterprise_summary_t *e = &r->e[i];
        csv_field(f, e->name);
        fputc(',', f);
        csv_field(f, e->credit_code);
        fprintf(f, ",%s,%ld,%ld", creditcode_status_name(e->code_status), e->observations, e->violations);
        for (int t = 0; t < 4; t++)
            fprintf(f, ",%ld", e->by_type[t]);
        fputs("\r\n", f);
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

int enterprise_refs_from_json(json_t *arr, enterprise_ref_t **out, dm_error *err)
{
    size_t n = json_array_size(arr);
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        json_t *e = json_object_get(v, "enterprise"), *c = json_object_get(v, "credit_code");
        if ((e && !json_is_string(e) && !json_is_null(e)) || (c && !json_is_string(c) && !json_is_null(c))) {
            free(*out);
            *out = NULL;
            return dm_error_set(err, DM_EINVAL, e && !json_is_string(e) ? "enterprise" : "credit_code",
                                "observations[%zu]: enterprise and credit_code must be strings", i);
        }
        (*out)[i].name = json_is_string(e) ? json_string_value(e) : NULL;
        (*out)[i].credit_code = json_is_string(c) ? json_string_value(c) : NULL;
    }
    return 0;
}
