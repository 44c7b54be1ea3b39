/* memristor_models.c — see memristor_models.h. */
#include "memristor_models.h"

#include <stddef.h>
#include <string.h>

static const MsParamDesc mem_params[] = {
    {"ron", offsetof(MsMemModel, par[MP_RON]), 0, MS_PF_TRAINABLE, "low (on) resistance, ohm"},
    {"roff", offsetof(MsMemModel, par[MP_ROFF]), 0, MS_PF_TRAINABLE, "high (off) resistance, ohm"},
    {"d", offsetof(MsMemModel, par[MP_D]), 0, MS_PF_TRAINABLE, "device thickness, m (level 1)"},
    {"uv", offsetof(MsMemModel, par[MP_UV]), 0, MS_PF_TRAINABLE, "dopant mobility, m^2/(V s) (level 1)"},
    {"p", offsetof(MsMemModel, par[MP_P]), 0, 0, "window exponent (level 1, a positive integer)"},
    {"window", offsetof(MsMemModel, par[MP_WINDOW]), 0, 0, "0 none, 1 Joglekar, 2 Biolek, 3 Prodromakis (level 1)"},
    {"j", offsetof(MsMemModel, par[MP_J]), 0, MS_PF_TRAINABLE, "Prodromakis window scale (level 1)"},
    {"von", offsetof(MsMemModel, par[MP_VON]), 0, MS_PF_TRAINABLE, "switch-on voltage, V (level 5)"},
    {"voff", offsetof(MsMemModel, par[MP_VOFF]), 0, MS_PF_TRAINABLE, "switch-off voltage, V (level 5)"},
    {"tau", offsetof(MsMemModel, par[MP_TAU]), 0, MS_PF_TRAINABLE, "time constant, s (level 5)"},
    {"kt", offsetof(MsMemModel, par[MP_KT]), 0, MS_PF_TRAINABLE, "thermal voltage scale kT/q, V (level 5)"},
    {"x0", offsetof(MsMemModel, par[MP_X0]), 0, MS_PF_TRAINABLE, "initial state in [0, 1]"},
    {"level", offsetof(MsMemModel, level_given), 0, 0, "model equations (.model only)"},
    {0, 0, 0, 0, 0},
};

static void level_defaults(MsMemModel *m)
{
    double *p = m->par;
    memset(p, 0, sizeof m->par);
    if (m->level == 1) {
        p[MP_RON] = 100, p[MP_ROFF] = 16e3, p[MP_D] = 10e-9, p[MP_UV] = 1e-14, p[MP_P] = 1, p[MP_WINDOW] = 2;
        p[MP_J] = 1, p[MP_X0] = 0.1;
    } else {
        p[MP_RON] = 1e3, p[MP_ROFF] = 100e3, p[MP_VON] = 0.11, p[MP_VOFF] = 0.005, p[MP_KT] = 0.015;
        p[MP_TAU] = 100e-6, p[MP_X0] = 0.0238;
    }
}

int ms_mem_param_index(const char *name)
{
    for (int k = 0; mem_params[k].name; k++)
        if (!strcmp(mem_params[k].name, name))
            return (mem_params[k].flags & MS_PF_TRAINABLE) ? k : -1;
    return -1;
}

int ms_mem_params_read(MsElab *el, const MsCard *c, int first, int last, MsMemModel *m)
{
    double level = m->level_given;
    int rc = ms_elab_params(el, c, first, last, mem_params, m, NULL);
    if (rc == MS_OK && m->level_given != level)
        return ms_elab_error(el, MS_ERR_SEMANTIC, &c->tok[first], "%s", "level= belongs on the .model card");
    return rc;
}

int ms_mem_model_read(MsElab *el, const MsModelDef *md, MsMemModel *m)
{
    /* first pass: which level; second pass: its defaults, then the values */
    MsMemModel probe = {0};
    probe.level_given = 1;
    int rc = ms_elab_params(el, md->card, md->first, md->last, mem_params, &probe, NULL);
    if (rc)
        return rc;
    double v = probe.level_given;
    if (v != 1 && v != 5)
        return ms_elab_error(el, v >= 2 && v <= 6 && v == (int)v ? MS_ERR_UNSUPPORTED : MS_ERR_SEMANTIC,
                             &md->card->tok[1],
                             "memristor level %g is not available (1: HP with windows, 5: MMS; 2 TEAM, "
                             "3 Yakopcic, 4 VTEAM, 6 Stanford-PKU are not implemented yet)", v);
    m->level = (int)v;
    level_defaults(m);
    m->level_given = v;
    return ms_elab_params(el, md->card, md->first, md->last, mem_params, m, NULL);
}

int ms_mem_model_check(MsElab *el, const MsToken *t, const MsMemModel *m)
{
    const double *p = m->par;
    if (!(p[MP_RON] > 0 && p[MP_ROFF] > 0))
        return ms_elab_error(el, MS_ERR_SEMANTIC, t, "memristor: ron and roff must be positive");
    if (!(p[MP_X0] >= 0 && p[MP_X0] <= 1))
        return ms_elab_error(el, MS_ERR_SEMANTIC, t, "memristor: x0 must lie in [0, 1], found %g", p[MP_X0]);
    if (m->level == 1) {
        if (!(p[MP_D] > 0 && p[MP_UV] > 0))
            return ms_elab_error(el, MS_ERR_SEMANTIC, t, "memristor level 1: d and uv must be positive");
        if (!(p[MP_P] >= 1 && p[MP_P] == (int)p[MP_P]))
            return ms_elab_error(el, MS_ERR_SEMANTIC, t, "memristor level 1: p must be a positive integer");
        int w = (int)p[MP_WINDOW];
        if (w != p[MP_WINDOW] || w < 0 || w > 3)
            return ms_elab_error(el, MS_ERR_SEMANTIC, t, "memristor level 1: window must be 0, 1, 2 or 3");
    } else if (!(p[MP_TAU] > 0 && p[MP_KT] > 0)) {
        return ms_elab_error(el, MS_ERR_SEMANTIC, t, "memristor level 5: tau and kt must be positive");
    }
    return MS_OK;
}

/* Parameter k as a dual number, seeded when it is the one differentiated. */
static Dual par(const MsMemModel *m, int k, int seed)
{
    Dual r = dc(m->par[k]);
    if (k == seed)
        r.d[2] = 1;
    return r;
}

static void hp_eval(const MsMemModel *m, int seed, Dual v, Dual x, Dual *I, Dual *g)
{
    Dual ron = par(m, MP_RON, seed), roff = par(m, MP_ROFF, seed);
    Dual r = dadd(roff, dmul(dsub(ron, roff), x));          /* Ron x + Roff (1 - x) */
    *I = ddiv(v, r);
    Dual d = par(m, MP_D, seed);
    Dual k = ddiv(dmul(par(m, MP_UV, seed), ron), dmul(d, d));
    double e = 2 * m->par[MP_P];
    Dual F;
    switch ((int)m->par[MP_WINDOW]) {
    case 0:
        F = dc(1);
        break;
    case 1:
        F = dsub(dc(1), dpowc(daddc(dscale(x, 2), -1), e));
        break;
    case 3: {
        Dual s = daddc(dmul(daddc(x, -0.5), daddc(x, -0.5)), 0.75);
        F = dmul(par(m, MP_J, seed), dsub(dc(1), dpowc(s, m->par[MP_P])));
        break;
    }
    default:   /* Biolek: stp(-I) is 1 while the current is negative */
        F = dsub(dc(1), dpowc(daddc(x, I->v < 0 ? -1 : 0), e));
    }
    *g = dmul(dmul(k, *I), F);
}

static void mms_eval(const MsMemModel *m, int seed, Dual v, Dual x, Dual *I, Dual *g)
{
    Dual kt = par(m, MP_KT, seed);
    Dual on = dsigmoid(ddiv(dsub(v, par(m, MP_VON, seed)), kt));
    Dual off = dsigmoid(ddiv(dsub(par(m, MP_VOFF, seed), v), kt));
    Dual rate = dsub(dmul(dsub(dc(1), x), on), dmul(x, off));
    *g = ddiv(rate, par(m, MP_TAU, seed));
    Dual G = dadd(ddiv(x, par(m, MP_RON, seed)), ddiv(dsub(dc(1), x), par(m, MP_ROFF, seed)));
    *I = dmul(G, v);
}

void ms_mem_eval(const MsMemModel *m, int seed, double v, double x, Dual *I, Dual *g)
{
    Dual dv = dvar(v, 0), dx = dvar(x, 1);
    if (m->level == 1)
        hp_eval(m, seed, dv, dx, I, g);
    else
        mms_eval(m, seed, dv, dx, I, g);
}
