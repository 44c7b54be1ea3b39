/* number.c — SPICE number syntax.  Suffixes (case-insensitive): f p n u m k
 * meg g t mil a; any letters after the number and suffix are units and are
 * ignored ("10pF", "1kohm", "5V"), as in ngspice. */
#include "number.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static double suffix_scale(const char *s, int *len)
{
    *len = 1;
    if (!strncasecmp(s, "meg", 3)) { *len = 3; return 1e6; }
    if (!strncasecmp(s, "mil", 3)) { *len = 3; return 25.4e-6; }
    switch (tolower((unsigned char)*s)) {
    case 'f': return 1e-15;
    case 'p': return 1e-12;
    case 'n': return 1e-9;
    case 'u': return 1e-6;
    case 'm': return 1e-3;
    case 'k': return 1e3;
    case 'g': return 1e9;
    case 't': return 1e12;
    case 'a': return 1e-18;
    default: *len = 0; return 1.0;
    }
}

int ms_parse_number(const char *s, double *v, const char **end)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return 0;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p))
            p++;
    }
    /* exponent only when digits follow: "2e" alone is 2 with unit e */
    if ((*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        if (*q == '+' || *q == '-')
            q++;
        if (isdigit((unsigned char)*q)) {
            while (isdigit((unsigned char)*q))
                q++;
            p = q;
        }
    }
    /* convert only the scanned digits: strtod alone would also take hex and inf */
    char buf[64];
    size_t n = (size_t)(p - s);
    if (n >= sizeof buf)
        return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    double x = strtod(buf, NULL);
    int slen;
    double scale = suffix_scale(p, &slen);
    p += slen;
    while (isalpha((unsigned char)*p))   /* units */
        p++;
    *v = x * scale;
    *end = p;
    return isfinite(*v) ? 1 : -1;   /* 1e999, 1e308meg: beyond a double */
}

int ms_is_number(const char *s, double *v)
{
    const char *end;
    double x;
    int r = ms_parse_number(s, &x, &end);
    if (r == 0 || *end)
        return 0;
    if (v && r > 0)
        *v = x;
    return r;
}

int ms_number_error(MsError *err, MsLoc loc, const char *s, int r)
{
    if (r < 0)
        return ms_err_at(err, MS_ERR_SYNTAX, loc, "'%s' is out of range (a number's magnitude must be below 1.8e308)", s);
    return ms_err_at(err, MS_ERR_SYNTAX, loc, "number expected, found '%s'", s);
}
