/* namesInt.h — internals shared by the files of the names module (names.c,
 * names_index.c, names_check.c). Nothing outside gis/names*.c includes it. */
#ifndef DIMING_NAMES_INT_H
#define DIMING_NAMES_INT_H

#include <stddef.h>
#include <stdint.h>
#include <unicode/utrans.h>

#include "gis/names.h"
#include "gis/text.h"

/* A string-keyed hash map; val is an owned string (or NULL), weight a
 * number the loader uses (frequency of a reading, leader flag). */
typedef struct strmap_slot {
    char *key;
    uint64_t hash;
    char *val;
    double weight;
    char *alt;             /* loader only: a competing reading */
    int weight_from_other; /* loader only */
} strmap_slot_t;

typedef struct strmap {
    strmap_slot_t *slots;
    size_t cap, len;
} strmap_t;

struct names_lexicon {
    strmap_t generics[NAME_CAT__COUNT];
    size_t max_generic_chars;
    strmap_t orientations, grandiose, foreign, brands, persons, meaning, prefixes;
    strmap_t own;   /* readings.tsv: word → toned syllables */
    strmap_t words; /* dictionary words (≥ 2 characters) → toneless syllables */
    strmap_t chars; /* dictionary characters → most frequent toneless syllable */
    size_t max_word_chars;
    /* Rules added in session 2 (docs/names.md): ethnic names written apart
     * (ethnic.txt), road sections (sections.txt), the protected-name list
     * (heritage.tsv: name → list), dialect homophone groups (dialect.tsv:
     * "region|character" → the characters of its group), the scale rules
     * (scale.tsv: "category|generic" → limits), channel aliases (channels.tsv:
     * alias → canonical, weight 1 = required channel) and severity overrides
     * (severity.tsv: rule → 0 info, 1 warning, 2 error). */
    strmap_t ethnic, sections, heritage, dialect, scale, channels, severity;
    size_t max_ethnic_chars;
    text_normalizer_t *tn; /* used only while loading */
};

struct names_worker {
    const names_lexicon_t *lx;
    text_normalizer_t *tn;
    UTransliterator *han;
    int skip_tones; /* index builds: no ICU call where the dictionary has a reading */
};

/* names_analyze on text already through names_normalize. */
void names_analyze_normalized(names_worker_t *w, const char *norm, name_category_t cat, name_parts_t *out);

/* Pinyin as written on a sign or in a register, folded for comparison with
 * the generated spelling: lower case, tone marks dropped (ü kept), runs of
 * white space as one space, trimmed. */
void names_pinyin_fold(const char *in, char *out, size_t outsz);

uint64_t names_hash(const char *s, size_t n);
int names_set_has(const strmap_t *m, const char *k, size_t n);
/* The slot of key k, or NULL. */
const strmap_slot_t *names_map_get(const strmap_t *m, const char *k, size_t n);

enum names_key_kind { KEY_NORM = 1, KEY_FORMER, KEY_DUP, KEY_HOM, KEY_FULLPY, KEY_DEL };

/* Calls fn(entry number) for every index record of (kind, text). */
int names_index_lookup(const names_index_t *ix, int kind, const char *text, int (*fn)(uint32_t id, void *ctx),
                       void *ctx);
int names_index_lookup_scoped(const names_index_t *ix, int kind, const char *text, uint64_t div_lo, uint64_t div_hi,
                              int (*fn)(uint32_t id, void *ctx), void *ctx);
/* [lo, hi) of the numeric 12-digit codes under the first `digits` digits of
 * code; digits 0 = everything. */
void names_scope_range(const char *code, size_t digits, uint64_t *lo, uint64_t *hi);
const name_entry_t *names_index_entry(const names_index_t *ix, uint32_t id);
size_t names_index_size(const names_index_t *ix);
/* Great-circle distance in metres (NAN if either point is NAN). */
double names_distance_m(double lon1, double lat1, double lon2, double lat2);
/* 1 if a division code lies under a division prefix (trailing zero groups of
 * the prefix ignored). */
int names_in_division(const char *code, const char *division);

#endif
