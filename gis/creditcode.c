/* creditcode.c — GB 32100-2015 统一社会信用代码 validation; see creditcode.h. */
#include "gis/creditcode.h"

#include <string.h>

/* The code's alphabet in value order (GB 32100-2015 Table 1): I, O, S, V and
 * Z are left out because they are easily confused with 1, 0, 5, U and 2. */
static const char ALPHABET[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int value_of(char c)
{
    const char *p = c ? strchr(ALPHABET, c) : NULL;
    return p ? (int)(p - ALPHABET) : -1;
}

creditcode_status_t creditcode_check(const char *code, char canon[CREDITCODE_LEN + 1], char *expected)
{
    if (canon)
        canon[0] = '\0';
    if (expected)
        *expected = '\0';
    if (!code)
        return CREDITCODE_EMPTY;
    while (*code == ' ' || *code == '\t')
        code++;
    size_t n = strlen(code);
    while (n && (code[n - 1] == ' ' || code[n - 1] == '\t' || code[n - 1] == '\r' || code[n - 1] == '\n'))
        n--;
    if (n == 0)
        return CREDITCODE_EMPTY;
    if (n != CREDITCODE_LEN)
        return CREDITCODE_LENGTH;
    char c[CREDITCODE_LEN + 1];
    for (size_t i = 0; i < n; i++)
        c[i] = code[i] >= 'a' && code[i] <= 'z' ? (char)(code[i] - 'a' + 'A') : code[i];
    c[n] = '\0';
    if (canon)
        memcpy(canon, c, sizeof c);
    int sum = 0, w = 1, bad = 0;
    for (int i = 0; i < CREDITCODE_LEN; i++) {
        int v = value_of(c[i]);
        if (v < 0)
            bad = 1;
        if (i < CREDITCODE_LEN - 1 && v >= 0) {
            sum += v * w;
            w = w * 3 % 31; /* Wi = 3^(i-1) mod 31 */
        }
    }
    if (bad)
        return CREDITCODE_CHARSET;
    int r = 31 - sum % 31;
    char want = ALPHABET[r == 31 ? 0 : r];
    if (expected)
        *expected = want;
    for (int i = 2; i < 8; i++)
        if (c[i] < '0' || c[i] > '9')
            return CREDITCODE_DIVISION;
    return c[CREDITCODE_LEN - 1] == want ? CREDITCODE_OK : CREDITCODE_CHECK;
}

const char *creditcode_status_name(creditcode_status_t st)
{
    static const char *const n[] = {"ok", "empty", "length", "charset", "division", "check_digit"};
    return st <= CREDITCODE_CHECK ? n[st] : "?";
}

const char *creditcode_status_zh(creditcode_status_t st)
{
    static const char *const n[] = {"代码有效", "未提供统一社会信用代码", "统一社会信用代码应为18位",
                                    "含有非法字符（不使用I、O、S、V、Z）", "第3—8位登记管理机关行政区划码应为数字",
                                    "校验码错误（GB 32100-2015）"};
    return st <= CREDITCODE_CHECK ? n[st] : "?";
}

const char *creditcode_status_en(creditcode_status_t st)
{
    static const char *const n[] = {"valid code", "no unified social credit code given",
                                    "a unified social credit code has 18 characters",
                                    "character outside the code's alphabet (I, O, S, V, Z are not used)",
                                    "characters 3-8 (division code) must be digits",
                                    "check character wrong (GB 32100-2015)"};
    return st <= CREDITCODE_CHECK ? n[st] : "?";
}
