/* ac_forms.c — see ac_forms.h. */
#include "ac_forms.h"
#include "../util/util.h"

#include <math.h>
#include <string.h>

static const char *const suffix[] = {"", "m", "db", "p", "r", "i"};

int ms_ac_form_of(const char *fn, char *letter)
{
    if (fn[0] != 'v' && fn[0] != 'i')
        return MS_FORM_NONE;
    for (int f = MS_FORM_MAG; f <= MS_FORM_IMAG; f++)
        if (!strcmp(fn + 1, suffix[f])) {
            *letter = fn[0];
            return f;
        }
    return MS_FORM_NONE;
}

char *ms_ac_form_label(int form, const char *vector)
{
    return ms_asprintf("%c%s%s", vector[0], suffix[form], vector + 1);
}

double ms_ac_form_value(int form, double re, double im)
{
    switch (form) {
    case MS_FORM_MAG:
        return hypot(re, im);
    case MS_FORM_DB:   /* -inf for a zero phasor, as 20 log10 0 */
        return 20 * log10(hypot(re, im));
    case MS_FORM_PHASE:
        return atan2(im, re);
    case MS_FORM_IMAG:
        return im;
    default:
        return re;
    }
}
