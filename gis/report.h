/* report.h — plan indicators for elderly services (养老服务规划指标): the
 * targets of the civil-affairs five-year plans evaluated for one division on
 * one date (DOMAIN.md §9).
 *
 * Targets are configuration, never code: the caller reads them (the server
 * from share/coverage/targets/NAME.json) and passes them in as report_target_t.
 * Each kind of target is one evaluation:
 *   unit      share of units at a level (街道, 镇, 社区, 村; optionally only
 *             urban or rural ones) containing ≥ N operating facilities of the
 *             given types or functions (DOMAIN.md §8, coverage meaning A);
 *   ratio     Σ numerator ÷ Σ denominator × scale, over the operating
 *             facilities (beds, nursing_beds) and residential areas (pop_60,
 *             pop_80, households) of the division;
 *   attribute facilities with beds ≥ min_beds must offer a function (医疗);
 *   reach     share of 60+ people (or areas) within the walking budget of a
 *             facility (coverage meaning B, coverage.h);
 *   count     number of operating facilities of the types, ≥ target;
 *   manual    kept with its source but not computable from diming's data
 *             (the reason says what is missing).
 * A facility belongs to a unit when its division code starts with the unit's
 * significant digits; a unit is urban when its 城乡分类代码 starts with 1, or,
 * when that is unknown, when it is a 街道 or 社区 (GB/T 10114 type digits).
 *
 * Ownership: targets are borrowed for the call; items returned are freed with
 * report_items_free. */
#ifndef DIMING_REPORT_H
#define DIMING_REPORT_H

#include <stddef.h>

#include "gis/coverage.h"
#include "gis/error.h"
#include "gis/store.h"

typedef enum { REPORT_UNIT, REPORT_RATIO, REPORT_ATTRIBUTE, REPORT_REACH, REPORT_COUNT, REPORT_MANUAL } report_kind_t;

typedef enum { REPORT_GE, REPORT_GT, REPORT_LE, REPORT_EQ } report_op_t;

typedef struct report_target {
    const char *id, *text, *document, *source, *jurisdiction, *binding, *note;
    int year;
    report_kind_t kind;
    report_op_t op;
    double target;           /* share 0–1 for unit/reach/attribute, the figure for ratio/count */
    /* unit */
    division_level_t level;
    const char *unit_types;  /* comma list of division types (街道,镇), NULL = any */
    const char *urban_rural; /* "urban", "rural" or NULL */
    long min_count;          /* facilities a unit needs (default 1) */
    /* unit, count, ratio, attribute, reach: which facilities */
    const char *facility_types, *facility_functions;
    /* ratio */
    const char *numerator, *denominator; /* beds nursing_beds pop_60 pop_80 households */
    double scale;                        /* 1 for shares, 1000 for "per 1000" */
    /* attribute */
    long min_beds;
    const char *requires_function;
    /* reach */
    double minutes, speed_mps;
    const char *measure; /* "pop_60" (default) or "areas" */
} report_target_t;

typedef struct report_failing {
    char *code;              /* unit code, or facility id as text */
    char *name;
    unsigned char *wkb;      /* outline or point, NULL if none */
    size_t wkb_len;
} report_failing_t;

typedef struct report_item {
    const report_target_t *target;
    int evaluated;           /* 0 for manual targets and missing data */
    char *why_not;           /* when not evaluated */
    double value;
    double numerator, denominator;
    int pass;
    report_failing_t *failing;
    size_t nfailing;
} report_item_t;

/* Evaluates every target for `division` (12 digits) on `date`. The graph
 * serves reach targets (straight lines when it is empty). *items is a new
 * array of n items. DM_EINVAL (param "division") for an unknown division. */
int report_evaluate(store_t *s, const coverage_graph_t *g, const char *division, const char *date,
                    const report_target_t *targets, size_t n, report_item_t **items, dm_error *err);
void report_items_free(report_item_t *items, size_t n);

/* "unit", "ratio" … ↔ kind; -1 when unknown. */
int report_kind_parse(const char *s);
const char *report_kind_name(report_kind_t k);
/* ">=", ">", "<=", "=" ↔ op; -1 when unknown. */
int report_op_parse(const char *s);
const char *report_op_name(report_op_t op);

#endif
