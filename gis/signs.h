/* signs.h — the audit of place-name signs (地名标志) in a division against
 * the register of standard names and the road network.
 *
 * Legal basis: 《地名管理条例》(2022) 第十八条 (standard names are mandatory on
 * signs); GB 17733-2008 《地名 标志》 (the plate kinds, Chinese text above
 * pinyin, no foreign spellings); the 1984 pinyin rules and GB/T 16159-2012
 * (the spelling); DOMAIN.md §5 (the sign gap of 用而不全). The operational
 * definitions and distances are the project's own: docs/signs.md.
 *
 * Rules (each finding names one):
 *   SIGN-LINK             the sign's standard name cannot be found or is not standard
 *   SIGN-TEXT             the text differs from the standard name (after normalisation)
 *   SIGN-PINYIN           the pinyin differs from the standard spelling, or is missing
 *   SIGN-ROAD             a road/lane sign whose nearest road carries another name
 *                         (or no road within road_radius_m)
 *   SIGN-MISSING-ROAD     a named road of the division with no sign of it within road_signed_m
 *   SIGN-MISSING-VILLAGE  a 村 with no village sign inside it or within village_signed_m
 * plus a density summary: signs per km² in each child division, urban vs rural.
 *
 * Ownership: the result owns its arrays; free with signs_audit_clear. */
#ifndef DIMING_SIGNS_H
#define DIMING_SIGNS_H

#include <stddef.h>
#include <stdint.h>

#include "gis/error.h"
#include "gis/names.h"
#include "gis/store.h"

typedef struct signs_audit_params {
    const char *date;        /* division versions valid on this date; NULL = today */
    double road_radius_m;    /* default 100 */
    double road_slack_m;     /* default 15: edges this much further than the nearest also count */
    double road_signed_m;    /* default 30 */
    double village_signed_m; /* default 200 */
} signs_audit_params_t;

typedef struct sign_finding {
    const char *rule;     /* SIGN-… (static) */
    const char *severity; /* "error", "warning" (static) */
    const char *source;   /* the rule's source (static) */
    int64_t sign_id;      /* 0 for a road or village without sign */
    int64_t name_id;      /* the standard name concerned, 0 if none */
    char division_code[13]; /* the village (SIGN-MISSING-VILLAGE), else "" */
    char subject[128];    /* sign text, road or village name */
    char expected[192], found[192];
    double lon, lat;
    double value_m;       /* distance to the road, or the road's length; NAN if none */
    char message_zh[384], message_en[384];
} sign_finding_t;

typedef struct sign_density {
    char code[13];
    char name[96];
    int urban_class;      /* 1 urban, 2 rural, 0 unknown */
    long signs;
    double area_km2;
} sign_density_t;

typedef struct signs_audit_result {
    char division_code[13];
    char division_name[96];
    long signs;           /* signs inside the division */
    sign_finding_t *findings;
    size_t nfindings;
    sign_density_t *units;
    size_t nunits;
    long class_signs[3];     /* by urban_class: [0] unknown, [1] urban, [2] rural */
    double class_km2[3];
    signs_audit_params_t params; /* with defaults filled in */
} signs_audit_result_t;

/* Audits the signs inside `division` (a 12-digit code, see divcode_parse).
 * DM_ENOTFOUND (param "division") for an unknown division, DM_EINVAL when
 * it has no outline. */
int signs_audit(store_t *s, names_worker_t *w, const char *division, const signs_audit_params_t *p,
                signs_audit_result_t *out, dm_error *err);
void signs_audit_clear(signs_audit_result_t *r);

/* Pinyin as compared on signs: ASCII lower case, runs of blanks as one
 * space, trimmed (GB 17733 allows capitals; word division matters). */
void signs_pinyin_fold(const char *in, char *out, size_t n);

#endif
