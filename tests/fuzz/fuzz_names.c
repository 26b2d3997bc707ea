/* fuzz_names.c — libFuzzer target: the place-name analyser (gis/names.h):
 * normaliser, 专名/通名 segmenter and pinyin, with the word lists of
 * share/names and the Rime pinyin dictionary when installed.
 * The first byte picks the category; the rest is the name.
 * Properties: a name that normalises is analysed without error unless it
 * is refused as invalid (DM_EINVAL); every part is valid NUL-terminated
 * UTF-8 within its buffer; the specific and generic are pieces of the
 * normalised name; analysing the normalised name again gives the same
 * parts (idempotent) when it is within NAMES_MAX_INPUT; the pinyin query
 * key never overflows. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gis/names.h"
#include "gis/text.h"

static names_worker_t *w;

static void check_part(const char *s)
{
    size_t n = strnlen(s, NAMES_BUF);
    if (n == NAMES_BUF || !text_is_utf8(s, n))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dm_error e;
    if (!w) {
        names_config_t cfg = {DIMING_SOURCE_DIR "/share/names", "/usr/share/rime-data/luna_pinyin.dict.yaml", 1};
        names_lexicon_t *lx;
        if (names_lexicon_load(&cfg, &lx, &e) || !(w = names_worker_new(lx, &e)))
            abort(); /* the lexicon lives as long as the process */
    }
    if (size < 1 || size > 2048)
        return 0;
    name_category_t cat = (name_category_t)(data[0] % NAME_CAT__COUNT);
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    name_parts_t *p = malloc(sizeof *p), *again = malloc(sizeof *again);
    int rc = names_analyze(w, in, len, cat, p, &e);
    if (rc != 0 && rc != DM_EINVAL)
        abort();
    if (rc == 0) {
        const char *parts[] = {p->norm, p->specific, p->generic, p->orientation, p->base_generic, p->dup_key,
                               p->pinyin, p->pinyin_toned, p->hom_key, p->hom_toned, p->full_key};
        for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
            check_part(parts[i]);
        if (!strstr(p->norm, p->specific) || !strstr(p->norm, p->generic))
            abort();
        /* A normalised name may outgrow the input limit (digits become 3-byte
         * numerals): then it is refused, which is right, not compared. */
        size_t nl = strlen(p->norm);
        if (nl <= NAMES_MAX_INPUT &&
            (names_analyze(w, p->norm, nl, cat, again, &e) != 0 || strcmp(again->norm, p->norm) ||
            strcmp(again->specific, p->specific) || strcmp(again->generic, p->generic) ||
             strcmp(again->pinyin, p->pinyin)))
            abort();
    }
    free(p), free(again);
    char *text = malloc(len + 1), key[64];
    memcpy(text, in, len);
    text[len] = '\0';
    if (names_pinyin_query_key(text, key, sizeof key) && strnlen(key, sizeof key) == sizeof key)
        abort();
    free(text);
    return 0;
}
