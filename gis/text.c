/* text.c — UTF-8 checks and the NFKC + t2s + white-space normaliser; see text.h. */
#include "gis/text.h"

#include <opencc/opencc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#ifndef DIMING_OPENCC_DATA
#define DIMING_OPENCC_DATA "/usr/share/opencc"
#endif

struct text_normalizer {
    const UNormalizer2 *nfkc; /* owned by ICU, never freed */
    opencc_t t2s;
};

text_normalizer_t *text_normalizer_new(dm_error *err)
{
    text_normalizer_t *tn = calloc(1, sizeof *tn);
    if (!tn) {
        dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    UErrorCode uerr = U_ZERO_ERROR;
    tn->nfkc = unorm2_getNFKCInstance(&uerr);
    if (U_FAILURE(uerr)) {
        dm_error_set(err, DM_EINTERNAL, NULL, "ICU NFKC unavailable: %s", u_errorName(uerr));
        free(tn);
        return NULL;
    }
    tn->t2s = opencc_open("t2s.json");
    if (tn->t2s == (opencc_t)-1)
        tn->t2s = opencc_open(DIMING_OPENCC_DATA "/t2s.json");
    if (tn->t2s == (opencc_t)-1) {
        dm_error_set(err, DM_EINTERNAL, NULL, "OpenCC t2s.json unavailable: %s", opencc_error());
        free(tn);
        return NULL;
    }
    return tn;
}

void text_normalizer_free(text_normalizer_t *tn)
{
    if (!tn)
        return;
    if (tn->t2s != (opencc_t)-1)
        opencc_close(tn->t2s);
    free(tn);
}

long text_next_codepoint(const char **pp, const char *end)
{
    const unsigned char *p = (const unsigned char *)*pp;
    if ((const char *)p >= end)
        return -1;
    unsigned c = p[0];
    long cp;
    int n;
    if (c < 0x80) {
        *pp += 1;
        return c;
    } else if (c >= 0xC2 && c <= 0xDF) {
        cp = c & 0x1F;
        n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        cp = c & 0x0F;
        n = 2;
    } else if (c >= 0xF0 && c <= 0xF4) {
        cp = c & 0x07;
        n = 3;
    } else
        return -1;
    if (end - (const char *)p < n + 1)
        return -1;
    for (int i = 1; i <= n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    /* Overlongs, surrogates and values past U+10FFFF. */
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *pp += n + 1;
    return cp;
}

void text_scrub_utf8(char *s)
{
    char *p = s, *end = s + strlen(s);
    while (p < end) {
        const char *q = p;
        if (text_next_codepoint(&q, end) >= 0) {
            p = (char *)q;
            continue;
        }
        /* A lead byte whose sequence runs past the end: truncated, drop it. */
        unsigned c = (unsigned char)*p;
        int need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
        if (need && end - p < need) {
            int cont = 1;
            for (char *r = p + 1; r < end; r++)
                cont &= ((unsigned char)*r & 0xC0) == 0x80;
            if (cont) {
                *p = '\0';
                return;
            }
        }
        *p++ = '?';
    }
}

int text_is_utf8(const char *s, size_t len)
{
    const char *p = s, *end = s + len;
    while (p < end)
        if (text_next_codepoint(&p, end) < 0)
            return 0;
    return 1;
}

int text_is_cjk(long cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x323AF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || cp == 0x3007;
}

static int is_space_cp(long cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' || cp == 0xA0 ||
           cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0xFEFF;
}

/* Folds white space in place per the rule in text.h. */
static void fold_spaces(char *s)
{
    const char *p = s, *end = s + strlen(s);
    char *w = s;
    long prev = -1;    /* last code point written */
    int pending = 0;   /* a run of white space is waiting */
    while (p < end) {
        const char *start = p;
        long cp = text_next_codepoint(&p, end);
        if (cp < 0)
            break; /* cannot happen: input was validated */
        if (is_space_cp(cp)) {
            pending = 1;
            continue;
        }
        if (pending && prev >= 0 && !text_is_cjk(prev) && !text_is_cjk(cp))
            *w++ = ' ';
        pending = 0;
        size_t n = (size_t)(p - start);
        memmove(w, start, n);
        w += n;
        prev = cp;
    }
    *w = '\0';
}

int text_normalize(text_normalizer_t *tn, const char *in, size_t len, char **out, dm_error *err)
{
    *out = NULL;
    if (len == (size_t)-1)
        len = strlen(in);
    if (!text_is_utf8(in, len))
        return dm_error_set(err, DM_EINVAL, "text", "text is not valid UTF-8");
    if (len > (1u << 24))
        return dm_error_set(err, DM_ELIMIT, "text", "text too long (%zu bytes)", len);

    UErrorCode uerr = U_ZERO_ERROR;
    int32_t ulen = 0;
    u_strFromUTF8(NULL, 0, &ulen, in, (int32_t)len, &uerr);
    uerr = U_ZERO_ERROR;
    UChar *u16 = malloc(sizeof(UChar) * ((size_t)ulen + 1));
    if (!u16)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    u_strFromUTF8(u16, ulen + 1, NULL, in, (int32_t)len, &uerr);
    /* NFKC can expand a code unit up to 18 times; ask ICU for the size first. */
    int32_t nlen = unorm2_normalize(tn->nfkc, u16, ulen, NULL, 0, &uerr);
    if (uerr == U_BUFFER_OVERFLOW_ERROR)
        uerr = U_ZERO_ERROR;
    UChar *norm = malloc(sizeof(UChar) * ((size_t)nlen + 1));
    if (!norm) {
        free(u16);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    unorm2_normalize(tn->nfkc, u16, ulen, norm, nlen + 1, &uerr);
    free(u16);
    if (U_FAILURE(uerr)) {
        free(norm);
        return dm_error_set(err, DM_EINTERNAL, NULL, "NFKC failed: %s", u_errorName(uerr));
    }
    int32_t blen = 0;
    u_strToUTF8(NULL, 0, &blen, norm, nlen, &uerr);
    uerr = U_ZERO_ERROR;
    char *utf8 = malloc((size_t)blen + 1);
    if (!utf8) {
        free(norm);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    u_strToUTF8(utf8, blen + 1, NULL, norm, nlen, &uerr);
    free(norm);

    char *simp = opencc_convert_utf8(tn->t2s, utf8, (size_t)blen);
    free(utf8);
    if (!simp)
        return dm_error_set(err, DM_EINTERNAL, NULL, "OpenCC conversion failed: %s", opencc_error());
    char *res = strdup(simp);
    opencc_convert_utf8_free(simp);
    if (!res)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    fold_spaces(res);
    *out = res;
    return 0;
}
