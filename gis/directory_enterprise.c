/* directory_enterprise.c — the names audit (names_audit, gis/names_audit.c)
 * summed per responsible enterprise, with the enterprise's 统一社会信用代码
 * checked against GB 32100-2015 (creditcode.h): 地名信用 (DOMAIN.md §5) feeds
 * violations into enterprise social credit, so an invalid code is reported
 * with the enterprise instead of being dropped. */
#include "gis/directory.h"
#include "gis/signsInt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void trimmed(const char *s, char *out, size_t n)
{
    while (s && (*s == ' ' || *s == '\t'))
        s++;
    sg_copy(out, n, s);
    size_t k = strlen(out);
    while (k && (out[k - 1] == ' ' || out[k - 1] == '\t'))
        out[--k] = '\0';
}

/* The grouping key: the upper-cased code when one is given, else the name. */
static int same(const enterprise_summary_t *e, const char *code, const char *name)
{
    if (*code || *e->credit_code)
        return strcasecmp(e->credit_code, code) == 0;
    return strcmp(e->name, name) == 0;
}

static int by_summary(const void *a, const void *b)
{
    const enterprise_summary_t *x = a, *y = b;
    if (x->violations != y->violations)
        return x->violations > y->violations ? -1 : 1;
    int c = strcmp(x->credit_code, y->credit_code);
    return c ? c : strcmp(x->name, y->name);
}

int directory_enterprise_audit(names_worker_t *w, const names_index_t *ix, const name_observation_t *obs,
                               const enterprise_ref_t *ents, size_t n, const names_audit_params_t *params,
                               enterprise_report_t *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = names_audit(w, ix, obs, n, params, &out->findings, &out->nfindings, err);
    if (rc)
        return rc;
    /* which summary each observation belongs to (-1: none) */
    long *owner = malloc((n ? n : 1) * sizeof *owner);
    if (!owner)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        char code[64], name[128];
        trimmed(ents ? ents[i].credit_code : NULL, code, sizeof code);
        trimmed(ents ? ents[i].name : NULL, name, sizeof name);
        owner[i] = -1;
        if (!*code && !*name)
            continue;
        for (size_t k = 0; k < out->n && owner[i] < 0; k++)
            if (same(&out->e[k], code, name))
                owner[i] = (long)k;
        if (owner[i] < 0) {
            enterprise_summary_t *e = realloc(out->e, (out->n + 1) * sizeof *e);
            if (!e)
                goto oom;
            out->e = e;
            e = &out->e[out->n];
            memset(e, 0, sizeof *e);
            sg_copy(e->name, sizeof e->name, name);
            char canon[CREDITCODE_LEN + 1];
            e->code_status = creditcode_check(code, canon, &e->expected_check);
            sg_copy(e->credit_code, sizeof e->credit_code, *canon ? canon : code);
            owner[i] = (long)out->n++;
        }
        enterprise_summary_t *e = &out->e[owner[i]];
        e->observations++;
        if (!*e->name && *name)
            sg_copy(e->name, sizeof e->name, name);
    }
    for (size_t f = 0; f < out->nfindings; f++) {
        long o = out->findings[f].observation;
        if (o < 0 || (size_t)o >= n)
            continue; /* approved_not_used concerns a name, not a user */
        if (owner[o] < 0) {
            out->unattributed++;
            continue;
        }
        enterprise_summary_t *e = &out->e[owner[o]];
        size_t *x = realloc(e->findings, (e->nfindings + 1) * sizeof *x);
        if (!x)
            goto oom;
        e->findings = x;
        e->findings[e->nfindings++] = f;
        e->violations++;
        if ((unsigned)out->findings[f].type < 4)
            e->by_type[out->findings[f].type]++;
    }
    free(owner);
    if (out->n > 1)
        qsort(out->e, out->n, sizeof *out->e, by_summary);
    return 0;
oom:
    free(owner);
    directory_enterprise_clear(out);
    return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
}

void directory_enterprise_clear(enterprise_report_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->e[i].findings);
    free(r->e);
    free(r->findings);
    memset(r, 0, sizeof *r);
}
