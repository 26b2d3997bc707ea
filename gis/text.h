/* text.h — the text normaliser used wherever a name enters diming.
 *
 * One pipeline for import, lookup and check, so that a name typed by an
 * officer and the same name read from a GBK shapefile compare equal:
 *   1. reject text that is not valid UTF-8;
 *   2. ICU NFKC (full-width ＡＢＣ１２３（路） → ABC123(路), compatibility forms);
 *   3. OpenCC t2s (traditional → simplified: 長樂路 → 长乐路);
 *   4. white space folded: trimmed, runs collapsed to one space, and removed
 *      entirely when it touches a CJK character (人民 路 → 人民路).
 * The names module adds its own folding (punctuation, numerals) on top.
 *
 * Ownership: text_normalizer_new returns an object the caller frees with
 * text_normalizer_free; it is not thread-safe (one per thread). Strings
 * returned through `out` are newly allocated; the caller frees them. */
#ifndef DIMING_TEXT_H
#define DIMING_TEXT_H

#include <stddef.h>

#include "gis/error.h"

typedef struct text_normalizer text_normalizer_t;

text_normalizer_t *text_normalizer_new(dm_error *err);
void text_normalizer_free(text_normalizer_t *tn);

/* Normalises `in` (len bytes, or strlen if len == (size_t)-1). On success
 * *out is a new NUL-terminated string. DM_EINVAL if `in` is not UTF-8. */
int text_normalize(text_normalizer_t *tn, const char *in, size_t len, char **out, dm_error *err);

/* Makes a NUL-terminated string valid UTF-8 in place: every byte that does
 * not start a valid sequence becomes '?', and a sequence cut off at the end
 * (by a length-limited printf) is dropped. For messages that quote input. */
void text_scrub_utf8(char *s);

/* 1 if the len bytes at s are valid UTF-8 (no overlongs, no surrogates). */
int text_is_utf8(const char *s, size_t len);

/* Decodes one UTF-8 code point at *p (advancing it); -1 on malformed input. */
long text_next_codepoint(const char **p, const char *end);

/* 1 for CJK ideographs (URO, extensions A–G, compatibility ideographs, 〇). */
int text_is_cjk(long cp);

#endif
