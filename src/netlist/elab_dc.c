/* elab_dc.c — the .dc card's values, evaluated at the top level once the
 * circuit is flattened (the swept sources must exist):
 *   .dc SRC START STOP INCR [SRC2 START2 STOP2 INCR2]
 * SRC names an independent V or I source; ngspice's temperature and
 * resistor sweeps are refused with the reason. */
#include "elab_internal.h"
#include "../util/limits.h"

#include <math.h>
#include <string.h>

static int find_source(const MsCircuit *c, const char *name)
{
    for (int i = 0; i < c->nsources; i++)
        if (!strcmp(c->source_name[i], name))
            return i;
    return -1;
}

static int one_sweep(MsElab *el, const MsCard *c, int first, MsDcSweep *s)
{
    const MsToken *t = &c->tok[first];
    const char *name = t->s;
    if (t->kind != TK_WORD)
        return ms_elab_error(el, MS_ERR_SYNTAX, t, "source name expected in .dc, found '%s'", t->s);
    if (!strcmp(name, "temp"))
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, t, "%s",
                             "'.dc temp' is not supported: memspice simulates at one temperature (.temp); "
                             "sweep an independent V or I source");
    const char *base = strrchr(name, '.') ? strrchr(name, '.') + 1 : name;
    if (base[0] == 'r')
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, t,
                             "'.dc %s': resistor sweeps are not supported; sweep an independent V or I source", name);
    if (find_source(el->c, name) < 0)
        return ms_elab_error(el, MS_ERR_SEMANTIC, t, "'.dc %s': no independent V or I source named '%s'", name, name);
    double v[3];
    for (int k = 0; k < 3; k++) {
        if (first + 1 + k >= c->ntok)
            return ms_elab_error(el, MS_ERR_SYNTAX, &c->tok[c->ntok - 1], "'.dc %s' needs START STOP INCR", name);
        int rc = ms_elab_value(el, &c->tok[first + 1 + k], &v[k]);
        if (rc)
            return rc;
    }
    *s = (MsDcSweep){name, v[0], v[1], v[2]};
    const MsToken *tincr = &c->tok[first + 3];
    if (v[2] == 0)
        return ms_elab_error(el, MS_ERR_SYNTAX, tincr, "'.dc %s': INCR must not be 0", name);
    if ((v[1] - v[0]) * v[2] < 0)
        return ms_elab_error(el, MS_ERR_SYNTAX, tincr,
                             "'.dc %s %g %g %g': INCR must have the sign of STOP - START (%s)", name, v[0], v[1], v[2],
                             v[1] > v[0] ? "positive" : "negative");
    if (!(fabs(v[1] - v[0]) / fabs(v[2]) <= (double)MS_MAX_DC_POINTS))
        return ms_elab_error(el, MS_ERR_SEMANTIC, tincr, "'.dc %s %g %g %g' has more than %ld points", name, v[0], v[1],
                             v[2], MS_MAX_DC_POINTS);
    return MS_OK;
}

int ms_elab_dc(MsElab *el)
{
    MsDeck *d = &el->c->deck;
    const MsCard *c = d->dc_card;
    if (!c)
        return MS_OK;
    if (c->ntok != 5 && c->ntok != 9) {
        const MsToken *t = &c->tok[c->ntok > 9 ? 9 : c->ntok - 1];
        return ms_elab_error(el, MS_ERR_SYNTAX, t, "%s",
                             ".dc expects SRC START STOP INCR [SRC2 START2 STOP2 INCR2]");
    }
    MsDcSpec *s = &d->dc;
    s->nsweeps = c->ntok == 9 ? 2 : 1;
    for (int i = 0; i < s->nsweeps; i++) {
        int rc = one_sweep(el, c, 1 + 4 * i, &s->sweep[i]);
        if (rc)
            return rc;
    }
    if (s->nsweeps == 2 && !strcmp(s->sweep[0].source, s->sweep[1].source))
        return ms_elab_error(el, MS_ERR_SEMANTIC, &c->tok[5], "'.dc': source '%s' swept twice", s->sweep[0].source);
    double n = ms_dc_sweep_points(&s->sweep[0]) * (s->nsweeps == 2 ? ms_dc_sweep_points(&s->sweep[1]) : 1);
    if (!(n <= (double)MS_MAX_DC_POINTS))
        return ms_elab_error(el, MS_ERR_SEMANTIC, &c->tok[0], ".dc sweep of %.3g points: more than the limit of %ld",
                             n, MS_MAX_DC_POINTS);
    return MS_OK;
}
