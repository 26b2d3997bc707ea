/* names.h — place-name standardisation (地名标准化): the name normaliser, the
 * 专名/通名 (specific/generic) split, standard pinyin, the duplicate and
 * homophone keys, the in-memory name index, the standard-name lookup and the
 * check of a proposed name.
 *
 * The rules come from 《地名管理条例》(2022) 第九条, its 2024 implementing
 * measures, the 1984 《中国地名汉语拼音字母拼写规则（汉语地名部分）》,
 * GB/T 16159-2012 and GB/T 38207-2019; DOMAIN.md §3–§4 paraphrases them and
 * docs/names.md says what this module implements. Every word list (generic
 * terms, orientations, grandiose, foreign, brand, person, meaning words, the
 * project's own readings, ethnic names, road sections, dialect homophone
 * groups, size limits of generics, protected names, audit channels and the
 * per-rule severities) is a data file in a directory given at load time
 * (share/names/ in the source tree): local rules change, the code does not.
 *
 * Pieces and ownership:
 *   - names_lexicon_t: the word lists and the pinyin dictionary. Loaded once,
 *     read-only afterwards, shared by all threads. names_lexicon_free frees it.
 *   - names_worker_t: per-thread scratch (a text normaliser and an ICU
 *     Han-Latin transliterator, neither thread-safe). One per thread.
 *   - name_parts_t: the analysis of one name, fixed-size buffers filled by
 *     names_analyze; the caller owns it (usually on the stack).
 *   - names_index_t: the standard names of a store, keyed for lookup; built
 *     once (names_index_build), read-only afterwards, freed by names_index_free.
 *   - Results (name_match_t arrays, name_check_t) are newly allocated and
 *     freed with their *_free function. */
#ifndef DIMING_NAMES_H
#define DIMING_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "gis/error.h"
#include "gis/locate.h"
#include "gis/store.h"

/* A longer name (in bytes, before normalisation) is refused as bad input:
 * the longest approved names are a few dozen characters. */
#define NAMES_MAX_INPUT 256
#define NAMES_BUF 640

typedef enum {
    NAME_CAT_ROAD,        /* 街路巷 */
    NAME_CAT_RESIDENTIAL, /* 住宅区 */
    NAME_CAT_BUILDING,    /* 楼宇 */
    NAME_CAT_DIVISION,    /* 行政区划 */
    NAME_CAT_VILLAGE,     /* 村(居)委会所在地, 自然村 */
    NAME_CAT_NATURAL,     /* 自然地理实体 */
    NAME_CAT_FACILITY,    /* transport, water, power facilities, parks, landmarks */
    NAME_CAT__COUNT
} name_category_t;

/* "road", "residential", "building", "division", "village", "natural",
 * "facility" (also "transport", "landmark"). DM_EINVAL for anything else. */
int names_category_parse(const char *s, name_category_t *out, dm_error *err);
const char *names_category_name(name_category_t c);

typedef struct names_config {
    const char *data_dir;    /* directory of generics.tsv, readings.tsv, … */
    const char *pinyin_dict; /* Rime dictionary (luna_pinyin.dict.yaml); NULL or "" = none */
    int pinyin_dict_optional; /* 1: a missing dictionary file is skipped (ICU and the own table only) */
} names_config_t;

typedef struct names_lexicon names_lexicon_t;
typedef struct names_worker names_worker_t;

int names_lexicon_load(const names_config_t *cfg, names_lexicon_t **out, dm_error *err);
void names_lexicon_free(names_lexicon_t *lx);
/* Number of multi-character words in the pinyin dictionary (0 when none). */
size_t names_lexicon_words(const names_lexicon_t *lx);

names_worker_t *names_worker_new(const names_lexicon_t *lx, dm_error *err);
void names_worker_free(names_worker_t *w);
/* The lexicon a worker reads (borrowed). */
const names_lexicon_t *names_worker_lexicon(const names_worker_t *w);

/* The normaliser used everywhere (import, lookup, check): text_normalize
 * (NFKC, t2s, white space) plus punctuation folding, glued pinyin
 * annotations dropped (长乐(chánglè)路), ASCII digits to Chinese numerals
 * (2马路 → 二马路) and 〇 → 零. *out is newly allocated. DM_EINVAL for
 * invalid UTF-8, an empty result or an input over NAMES_MAX_INPUT bytes. */
int names_normalize(names_worker_t *w, const char *in, size_t len, char **out, dm_error *err);

typedef struct name_parts {
    char norm[NAMES_BUF];        /* normalised full name */
    char specific[NAMES_BUF];    /* 专名 (湟新, 中山) */
    char generic[NAMES_BUF];     /* 通名 with its orientation word (北路), "" if none */
    char orientation[NAMES_BUF]; /* 北 in 北路, "" if none */
    char base_generic[NAMES_BUF];/* 路 */
    char dup_key[NAMES_BUF];     /* specific with configured prefixes (city, 新, 大) dropped */
    char pinyin[NAMES_BUF];      /* standard spelling: Zhongshan Beilu */
    char pinyin_toned[NAMES_BUF];/* Zhōngshān Běilù */
    char hom_key[NAMES_BUF];     /* toneless pinyin of dup_key, no spaces, ü kept */
    char hom_toned[NAMES_BUF];   /* toned pinyin of dup_key, no spaces */
    char full_key[NAMES_BUF];    /* toneless pinyin of the whole name, no spaces, lower case */
    int ordinal_only;            /* the specific is only an ordinal or number (二马路) */
    int has_latin;               /* Latin letters remain after normalisation */
    char section[NAMES_BUF];     /* a road section after the generic (北段 in 天府大道北段), "" if none */
} name_parts_t;

/* Normalises `in` and fills *out for category `cat`. */
int names_analyze(names_worker_t *w, const char *in, size_t len, name_category_t cat, name_parts_t *out,
                  dm_error *err);

/* Toneless pinyin of free text typed as a query ("Renmin Lu", "renminlu"):
 * lower case, spaces and apostrophes removed, "v"/"u:" → ü. 1 if the text
 * looks like pinyin (ASCII letters, spaces, apostrophes, ü only), else 0. */
int names_pinyin_query_key(const char *in, char *out, size_t outsz);

/* ---- the index of standard names ---------------------------------------- */

typedef struct names_index names_index_t;

/* Reads every place_names row of the store and keys it. */
int names_index_build(store_t *s, const names_lexicon_t *lx, names_index_t **out, dm_error *err);
void names_index_free(names_index_t *ix);

typedef struct names_index_stats {
    size_t names, keys, bytes;
    double build_seconds;
} names_index_stats_t;
names_index_stats_t names_index_stats(const names_index_t *ix);

typedef enum {
    NAME_MATCH_EXACT,           /* the query is the standard name as written */
    NAME_MATCH_NORMALISED,      /* equal after width/space/punctuation/numeral folding */
    NAME_MATCH_TRADITIONAL,     /* equal after traditional → simplified */
    NAME_MATCH_FORMER,          /* a former (historical) name of the feature */
    NAME_MATCH_MISSING_GENERIC, /* the query lacks the 通名 (湟新 → 湟新路) or prefix */
    NAME_MATCH_PINYIN,          /* same toneless pinyin (renmin lu, or homophone characters) */
    NAME_MATCH_FUZZY            /* one character apart */
} name_match_type_t;
const char *names_match_type_name(name_match_type_t t);

/* One entry of the index, borrowed from it. */
typedef struct name_entry {
    int64_t id;
    const char *name;          /* standard name */
    const char *former_names;  /* ";"-separated or NULL */
    const char *status;
    const char *pinyin;        /* as stored, or NULL */
    const char *approved_on;   /* YYYY-MM-DD or NULL */
    char division_code[13];
    name_category_t category;
    double lon, lat;           /* a representative point (NAN when no geometry) */
} name_entry_t;

typedef struct name_match {
    const name_entry_t *entry; /* borrowed from the index */
    name_match_type_t type;
    double score;              /* 0..1 */
    double distance_m;         /* to `near`, NAN when not asked */
} name_match_t;

typedef struct names_query {
    const char *text;
    size_t len;
    int has_category;
    name_category_t category;
    const char *division;      /* code prefix (6/9/12 digits, trailing zeros ignored) or NULL */
    int has_near;
    double near_lon, near_lat;
    int limit;                 /* default 10, at most 100 */
} names_query_t;

/* Ranked standard names for a variant. *out is newly allocated (free()),
 * *n may be 0. */
int names_standardize(names_worker_t *w, const names_index_t *ix, const names_query_t *q, name_match_t **out,
                      size_t *n, dm_error *err);

/* ---- checking a proposed name ------------------------------------------ */

typedef enum { NAME_VERDICT_ACCEPT, NAME_VERDICT_WARN, NAME_VERDICT_REJECT } name_verdict_t;
typedef enum { NAME_SEV_INFO, NAME_SEV_WARNING, NAME_SEV_ERROR } name_severity_t;
const char *names_verdict_name(name_verdict_t v);
const char *names_severity_name(name_severity_t s);

typedef struct name_finding {
    const char *rule;       /* NAME-DUP-EXACT, … (static) */
    name_severity_t severity;
    char message_zh[256];
    char message_en[256];
    const char *source;     /* the rule's source (static) */
    const name_entry_t *conflict; /* borrowed, or NULL */
} name_finding_t;

typedef struct name_conflict {
    const name_entry_t *entry; /* borrowed from the index */
    const char *rule;
    double distance_m;         /* NAN when either side has no geometry */
} name_conflict_t;

typedef struct name_check {
    name_verdict_t verdict;
    name_parts_t parts;
    name_finding_t *findings;
    size_t nfindings;
    name_conflict_t *conflicts;
    size_t nconflicts;
    const division_entry_t *divisions[16]; /* borrowed from the division index */
    size_t ndivisions;
    int crosses_county;        /* the geometry lies in more than one county */
    name_category_t category;  /* the proposal's category */
} name_check_t;

typedef struct names_proposal {
    const char *name;
    size_t len;
    name_category_t category;
    const unsigned char *wkb;  /* lon/lat geometry or NULL */
    size_t wkb_len;
    const char *division;      /* declared division code or NULL */
    const char *date;          /* YYYY-MM-DD for the division lookup */
    /* Optional facts for the rules of session 2 (0 / NULL = not given): */
    double width_m;            /* road red-line width (NAME-GENERIC-SCALE) */
    double area_ha;            /* site area of an estate, hectares (NAME-GENERIC-SCALE) */
    double floor_area_m2;      /* floor area of an estate (NAME-GENERIC-SCALE) */
    const char *locality;      /* the locality a facility serves (NAME-FACILITY-LOCALITY) */
    const char *replaces;      /* the name this proposal renames or cancels (NAME-HERITAGE) */
    int heritage_override;     /* 1: the renaming of a protected name is explicitly approved */
    const char *pinyin;        /* romanisation proposed or on the sign (NAME-PINYIN) */
} names_proposal_t;

/* Checks a proposal against the rules and the index. `divisions` may be
 * NULL (no division findings). *out is filled; free with names_check_clear. */
int names_check(names_worker_t *w, const names_index_t *ix, const division_index_t *divisions,
                const names_proposal_t *p, name_check_t *out, dm_error *err);
void names_check_clear(name_check_t *c);

/* ---- audit of names in use (未批擅用 / 批而不用 / 用而不全) -------------
 * DOMAIN.md §5; the definitions implemented are in docs/names.md. */

typedef struct name_observation {
    const char *id;      /* the caller's id, or NULL */
    const char *text;    /* the name as used */
    const char *channel; /* sign, household, property, enterprise, advert, map, … */
    int has_category;
    name_category_t category;
    double lon, lat;     /* NAN when unknown */
    const char *enterprise;  /* responsible enterprise (enterprise-register rows), or NULL */
    const char *credit_code; /* its 统一社会信用代码 as given (not validated here), or NULL */
    const char *pinyin;      /* the romanisation shown with it (a sign's lower 2/5), or NULL */
} name_observation_t;

typedef enum {
    NAME_AUDIT_UNAPPROVED,  /* 未批擅用 */
    NAME_AUDIT_NOT_USED,    /* 批而不用 */
    NAME_AUDIT_INCOMPLETE,  /* 用而不全 */
    NAME_AUDIT_FORMER       /* a former (historical) name still in use */
} name_audit_type_t;
const char *names_audit_type_name(name_audit_type_t t);

typedef struct name_audit_finding {
    name_audit_type_t type;
    const char *subtype;       /* generic_missing, wrong_generic, … (static) or NULL */
    const char *rule;          /* NAME-AUDIT-… (static) */
    long observation;          /* index into the observations, -1 for approved_not_used */
    const name_entry_t *entry; /* the standard name concerned (borrowed), or NULL */
    double distance_m;         /* observation ↔ standard name, NAN when unknown */
    /* Evidence: indices into the observations (the competing uses of a name
     * approved but not used, the wrong uses of a channel gap). The array
     * lives in the same allocation as the findings: free(findings) frees it. */
    const long *evidence;
    size_t nevidence;
    const char *channel;       /* canonical channel of the observation (sign, household, property,
                                * enterprise, advert, internet_map) or NULL; for a channel gap
                                * the first channel without a correct use */
} name_audit_finding_t;

typedef struct names_audit_params {
    double tolerance_m;          /* how far a use may be from its standard name (default 1000) */
    const char *approved_before; /* only names approved before this date can be "not used"; NULL = all */
    /* Channels a standard name must be used in (canonical names, see
     * names_channel_canonical); NULL = the required channels of channels.tsv. */
    const char *const *required_channels;
    size_t nrequired_channels;
} names_audit_params_t;

/* The canonical channel of a channel as written (sign, 标志, 地名标志 → "sign";
 * 户籍 → "household"; 企业登记 → "enterprise" …, share/names/channels.tsv), or
 * NULL when unknown. *required is set to 1 for a channel in which 第十八条
 * makes the standard name mandatory (when required is not NULL). */
const char *names_channel_canonical(const names_lexicon_t *lx, const char *channel, int *required);

/* Audits n observations. *out is newly allocated (free()). */
int names_audit(names_worker_t *w, const names_index_t *ix, const name_observation_t *obs, size_t n,
                const names_audit_params_t *params, name_audit_finding_t **out, size_t *nout, dm_error *err);

#endif
