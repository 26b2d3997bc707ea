/* report_targets.c — reading plan targets from JSON files; see report_targets.h. */
#include "server/report_targets.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/divcode.h"

#ifndef DIMING_SHARE_DIR
#define DIMING_SHARE_DIR "share"
#endif

const char *report_targets_dir(void)
{
    static __thread char buf[1024];
    const char *env = getenv("DIMING_SHARE");
    snprintf(buf, sizeof buf, "%s/coverage/targets", env && *env ? env : DIMING_SHARE_DIR);
    return buf;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && *s ? s : NULL;
}

static double num(json_t *o, const char *k, double dflt)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : dflt;
}

/* True if the file's applies_to codes contain the division. */
static int applies(json_t *doc, const char *division)
{
    json_t *codes = json_object_get(doc, "applies_to");
    for (size_t i = 0; i < json_array_size(codes); i++) {
        const char *c = json_string_value(json_array_get(codes, i));
        if (!c)
            continue;
        if (!*c)
            return 1; /* "" applies everywhere */
        char code[13], prefix[13];
        dm_error e;
        if (divcode_parse(c, code, &e))
            continue;
        divcode_short(code, prefix);
        if (strncmp(division, prefix, strlen(prefix)) == 0)
            return 1;
    }
    return 0;
}

static int parse_target(json_t *doc, json_t *t, const char *file, report_target_t *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    out->id = str(t, "id");
    out->text = str(t, "text");
    int kind = report_kind_parse(str(t, "kind"));
    const char *op = str(t, "op");
    int opi = op ? report_op_parse(op) : REPORT_GE;
    if (!out->id || !out->text || kind < 0 || opi < 0)
        return dm_error_set(err, DM_EINVAL, NULL, "%s: target %s needs id, text, a known kind and op", file,
                            out->id ? out->id : "?");
    out->kind = (report_kind_t)kind;
    out->op = (report_op_t)opi;
    out->document = str(doc, "document");
    out->jurisdiction = str(doc, "jurisdiction");
    out->source = str(t, "source");
    out->binding = str(t, "binding");
    out->note = str(t, "note");
    out->year = (int)num(t, "year", 0);
    out->target = num(t, "target", 0);
    out->level = division_level_parse(str(t, "level") ? str(t, "level") : "");
    out->unit_types = str(t, "unit_types");
    out->urban_rural = str(t, "urban_rural");
    out->min_count = (long)num(t, "min_count", 1);
    out->facility_types = str(t, "facility_types");
    out->facility_functions = str(t, "facility_functions");
    out->numerator = str(t, "numerator");
    out->denominator = str(t, "denominator");
    out->scale = num(t, "scale", 1);
    out->min_beds = (long)num(t, "min_beds", 0);
    out->requires_function = str(t, "requires_function");
    out->minutes = num(t, "minutes", 0);
    out->speed_mps = num(t, "speed_mps", 0);
    out->measure = str(t, "measure");
    if (out->kind == REPORT_UNIT && out->level == LEVEL_NONE)
        return dm_error_set(err, DM_EINVAL, NULL, "%s: unit target %s needs a level", file, out->id);
    if (out->urban_rural && strcmp(out->urban_rural, "urban") != 0 && strcmp(out->urban_rural, "rural") != 0)
        return dm_error_set(err, DM_EINVAL, NULL, "%s: target %s: urban_rural must be urban or rural", file,
                            out->id);
    if (out->kind == REPORT_RATIO && (!out->numerator || !out->denominator))
        return dm_error_set(err, DM_EINVAL, NULL, "%s: ratio target %s needs numerator and denominator", file,
                            out->id);
    return 0;
}

int report_targets_load(const char *dir, const char *division, report_targets_t *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    out->docs = json_array();
    DIR *d = opendir(dir);
    if (!d)
        return dm_error_set(err, DM_EIO, NULL, "cannot read the plan targets in %s", dir);
    char **names = NULL;
    size_t nn = 0;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        size_t l = strlen(ent->d_name);
        if (l < 6 || strcmp(ent->d_name + l - 5, ".json") != 0)
            continue;
        char **v = realloc(names, (nn + 1) * sizeof *v);
        if (!v)
            break;
        names = v;
        if (!(names[nn] = strdup(ent->d_name)))
            break;
        nn++;
    }
    closedir(d);
    if (nn) /* qsort needs a valid pointer even for 0 items (C11 7.1.4) */
        qsort(names, nn, sizeof *names, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < nn && !rc; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        json_error_t je;
        json_t *doc = json_load_file(path, 0, &je);
        json_t *targets = json_object_get(doc, "targets");
        if (!doc || !json_is_array(targets)) {
            rc = dm_error_set(err, DM_EINVAL, NULL, "%s: not a targets file (%s)", names[i],
                              doc ? "no targets array" : je.text);
            json_decref(doc);
            break;
        }
        if (!applies(doc, division)) {
            json_decref(doc);
            continue;
        }
        json_array_append_new(out->docs, doc);
        size_t n = json_array_size(targets);
        report_target_t *v = realloc(out->v, (out->n + n + 1) * sizeof *v);
        if (!v) {
            rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
            break;
        }
        out->v = v;
        for (size_t k = 0; k < n && !rc; k++)
            if (!(rc = parse_target(doc, json_array_get(targets, k), names[i], &out->v[out->n], err)))
                out->n++;
    }
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    if (rc)
        report_targets_free(out);
    return rc;
}

void report_targets_free(report_targets_t *t)
{
    free(t->v);
    json_decref(t->docs);
    memset(t, 0, sizeof *t);
}
