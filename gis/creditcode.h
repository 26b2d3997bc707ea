/* creditcode.h — the 统一社会信用代码 (unified social credit code) of an
 * enterprise or organisation, GB 32100-2015.
 *
 * 18 characters from the 31-character set 0-9 A-Z without I O S V Z:
 * 1 registration authority + 1 organisation type + 6 division code (GB/T
 * 2260) + 9 organisation code (GB 11714) + 1 check character. The check
 * character is C18 = 31 − (Σ Ci·Wi mod 31), Wi = 3^(i−1) mod 31, with 31
 * written as 0 (GB 32100-2015 §5 and Annex). The name audit reports
 * violations per enterprise with its code (DOMAIN.md §5, 地名信用); a code
 * that fails this check is reported as invalid, never silently dropped.
 *
 * No allocation: results go into caller buffers. */
#ifndef DIMING_CREDITCODE_H
#define DIMING_CREDITCODE_H

#include <stddef.h>

#define CREDITCODE_LEN 18

typedef enum {
    CREDITCODE_OK = 0,
    CREDITCODE_EMPTY,     /* no code given */
    CREDITCODE_LENGTH,    /* not 18 characters */
    CREDITCODE_CHARSET,   /* a character outside 0-9 A-Z without I O S V Z */
    CREDITCODE_DIVISION,  /* characters 3–8 are not six digits */
    CREDITCODE_CHECK      /* the 18th character is not the check character */
} creditcode_status_t;

/* Validates `code` (surrounding blanks ignored; lower-case letters are
 * upper-cased first, as registers print codes in capitals). `canon` (19
 * bytes, may be NULL) receives the upper-cased code when it has 18
 * characters, else "". `expected` (may be NULL) receives the check
 * character the first 17 characters call for, or '\0' when they cannot
 * be checked. */
creditcode_status_t creditcode_check(const char *code, char canon[CREDITCODE_LEN + 1], char *expected);

/* A stable word for the status: "ok", "empty", "length", "charset",
 * "division", "check_digit"; and Chinese / English sentences. */
const char *creditcode_status_name(creditcode_status_t st);
const char *creditcode_status_zh(creditcode_status_t st);
const char *creditcode_status_en(creditcode_status_t st);

#endif
