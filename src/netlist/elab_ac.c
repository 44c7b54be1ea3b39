/* elab_ac.c — the .ac card: `.ac dec|oct|lin N FSTART FSTOP`, values
 * evaluated at the top level (numbers, parameters, {expressions}) and
 * checked, the sweep's length against MS_MAX_AC_POINTS. */
#include "elab_internal.h"
#include "../solver/ac_sweep.h"
#include "../util/limits.h"

#include <math.h>

int ms_elab_ac_card(MsElab *el)
{
    MsDeck *d = &el->c->deck;
    const MsCard *c = d->ac_card;
    if (!c)
        return MS_OK;
    const MsToken *tk = c->tok;
    if (c->ntok != 5)
        return ms_elab_error(el, MS_ERR_SYNTAX, &tk[c->ntok > 5 ? 5 : 0], "%s",
                             ".ac expects: .ac dec|oct|lin N FSTART FSTOP");
    MsAcSpec s = {0};
    if (ms_tok_is(&tk[1], "dec"))
        s.sweep = MS_AC_DEC;
    else if (ms_tok_is(&tk[1], "oct"))
        s.sweep = MS_AC_OCT;
    else if (ms_tok_is(&tk[1], "lin"))
        s.sweep = MS_AC_LIN;
    else
        return ms_elab_error(el, MS_ERR_SYNTAX, &tk[1], ".ac sweep must be dec, oct or lin, found '%s'", tk[1].s);
    double v[3];
    int rc;
    for (int k = 0; k < 3; k++)
        if ((rc = ms_elab_value(el, &tk[2 + k], &v[k])))
            return rc;
    if (!(v[0] >= 1 && v[0] <= MS_MAX_AC_POINTS && v[0] == floor(v[0])))
        return ms_elab_error(el, MS_ERR_SYNTAX, &tk[2], ".ac number of points must be a whole number from 1 to %ld, found '%s'",
                             MS_MAX_AC_POINTS, tk[2].s);
    for (int k = 1; k < 3; k++)
        if (!(v[k] > 0 && isfinite(v[k])))
            return ms_elab_error(el, MS_ERR_SYNTAX, &tk[2 + k], ".ac %s frequency must be positive and finite, found '%s'",
                                 k == 1 ? "start" : "stop", tk[2 + k].s);
    if (v[2] < v[1])
        return ms_elab_error(el, MS_ERR_SYNTAX, &tk[4], ".ac stop frequency %g is below the start frequency %g", v[2], v[1]);
    s.npoints = (long)v[0];
    s.fstart = v[1];
    s.fstop = v[2];
    long n = ms_ac_sweep(&s, d->opt.reltol, NULL);
    if (n > MS_MAX_AC_POINTS)
        return ms_elab_error(el, MS_ERR_SEMANTIC, &tk[0], ".ac sweep from %g to %g Hz has more than the limit of %ld points",
                             s.fstart, s.fstop, MS_MAX_AC_POINTS);
    d->ac = s;
    return MS_OK;
}
