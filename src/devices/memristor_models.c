/* memristor_models.c — see memristor_models.h. */
#include "memristor_models.h"
#include "memristor_xyce.h"
#include "../util/util.h"

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
    {"von", offsetof(MsMemModel, par[MP_VON]), 0, MS_PF_TRAINABLE, "switch-on voltage, V (levels 5, 7)"},
    {"voff", offsetof(MsMemModel, par[MP_VOFF]), 0, MS_PF_TRAINABLE, "switch-off voltage, V (levels 5, 7)"},
    {"tau", offsetof(MsMemModel, par[MP_TAU]), 0, MS_PF_TRAINABLE, "time constant, s (level 5)"},
    {"kt", offsetof(MsMemModel, par[MP_KT]), 0, MS_PF_TRAINABLE, "thermal voltage scale kT/q, V (level 5)"},
    {"x0", offsetof(MsMemModel, par[MP_X0]), 0, MS_PF_TRAINABLE, "initial state in [0, 1]"},
#define P(name, idx, flags, help) {name, offsetof(MsMemModel, par[idx]), 0, flags, help}
    P("ion", MP_ION, MS_PF_TRAINABLE, "on-switching current threshold, A (< 0; level 2)"),
    P("ioff", MP_IOFF, MS_PF_TRAINABLE, "off-switching current threshold, A (> 0; level 2)"),
    P("kon", MP_KON, MS_PF_TRAINABLE, "on-switching rate, 1/s (> 0; levels 2, 7)"),
    P("koff", MP_KOFF, MS_PF_TRAINABLE, "off-switching rate, 1/s (> 0; levels 2, 7)"),
    P("alphaon", MP_AON, 0, "on-switching exponent (levels 2, 7)"),
    P("alphaoff", MP_AOFF, 0, "off-switching exponent (levels 2, 7)"),
    P("iv", MP_IV, 0, "I-V relation: 0 linear, 1 exponential (levels 2, 7)"),
    P("a1", MP_A1, MS_PF_TRAINABLE, "current scale for v >= 0, A (level 3)"),
    P("a2", MP_A2, MS_PF_TRAINABLE, "current scale for v < 0, A (level 3)"),
    P("b", MP_B, MS_PF_TRAINABLE, "sinh slope, 1/V (level 3)"),
    P("ap", MP_AP, MS_PF_TRAINABLE, "positive switching amplitude, 1/s (level 3)"),
    P("an", MP_AN, MS_PF_TRAINABLE, "negative switching amplitude, 1/s (level 3)"),
    P("vp", MP_VP, MS_PF_TRAINABLE, "positive threshold, V (level 3)"),
    P("vn", MP_VN, MS_PF_TRAINABLE, "negative threshold magnitude, V (level 3)"),
    P("alphap", MP_ALPHAP, MS_PF_TRAINABLE, "positive window decay (level 3)"),
    P("alphan", MP_ALPHAN, MS_PF_TRAINABLE, "negative window decay (level 3)"),
    P("xp", MP_XP, 0, "positive window onset (level 3)"),
    P("xn", MP_XN, 0, "negative window onset (level 3)"),
    P("eta", MP_ETA, 0, "switching direction, +1 or -1 (level 3)"),
    P("i0", MP_I0, MS_PF_TRAINABLE, "current scale, A (level 6)"),
    P("g0", MP_G0, MS_PF_TRAINABLE, "gap decay length, m (level 6)"),
    P("v0", MP_V0, MS_PF_TRAINABLE, "sinh voltage scale, V (level 6)"),
    P("gmin", MP_GMIN, 0, "smallest gap, m (level 6)"),
    P("gmax", MP_GMAX, 0, "largest gap, m (level 6)"),
    P("nu0", MP_NU0, MS_PF_TRAINABLE, "gap velocity scale, m/s (level 6)"),
    P("ea", MP_EA, MS_PF_TRAINABLE, "activation energy, eV (level 6)"),
    P("a0", MP_A0, MS_PF_TRAINABLE, "atomic hopping distance, m (level 6)"),
    P("tox", MP_TOX, 0, "oxide thickness, m (level 6)"),
    P("gam0", MP_GAM0, MS_PF_TRAINABLE, "field enhancement at zero gap (level 6)"),
    P("beta", MP_BETA, MS_PF_TRAINABLE, "field enhancement decay, 1/nm^3 (level 6)"),
    P("xon", MP_XON, 0, "on (Ron) end of the physical state, m (level 2, Xyce's TEAM)"),
    P("xoff", MP_XOFF, 0, "off (Roff) end of the physical state, m (level 2, Xyce's TEAM)"),
    P("xscaling", MP_XSCALING, 0, "the state is the physical one times xscaling (levels 2, 3: Xyce's forms)"),
    P("wt", MP_WT, 0, "window: 0 none, 1 Joglekar, 2 Biolek, 3 Prodromakis, 4 Kvatinsky (level 2, Xyce's TEAM)"),
    P("wc", MP_WC, 0, "Kvatinsky window width, m (level 2, Xyce's TEAM)"),
    P("aon", MP_WAON, 0, "Kvatinsky window position on the on side, m (level 2, Xyce's TEAM)"),
    P("aoff", MP_WAOFF, 0, "Kvatinsky window position on the off side, m (level 2, Xyce's TEAM)"),
    /* after every MP_ entry (the table's index is the parameter's): */
    {"level", offsetof(MsMemModel, level_given), 0, 0, "model equations (.model only)"},
    {"xyce", offsetof(MsMemModel, xyce_given), 0, 0, "1: Xyce's form of level 2 or 3 (.model only)"},
    P("xo", MP_X0, 0, "Xyce's spelling of x0 (level 3)"),
    P("ivrelation", MP_IV, 0, "Xyce's spelling of iv (level 2, Xyce's TEAM)"),
#undef P
    {0, 0, 0, 0, 0},
};

static void level_defaults(MsMemModel *m)
{
    if (m->xyce) {
        ms_mem_xyce_defaults(m);
        return;
    }
    double *p = m->par;
    memset(p, 0, sizeof m->par);
    p[MP_P] = 1;
    switch (m->level) {
    case 1:
        p[MP_RON] = 100, p[MP_ROFF] = 16e3, p[MP_D] = 10e-9, p[MP_UV] = 1e-14, p[MP_WINDOW] = 2, p[MP_J] = 1;
        p[MP_X0] = 0.1;
        break;
    case 2:
        p[MP_RON] = 50, p[MP_ROFF] = 1e3, p[MP_ION] = -8.9e-6, p[MP_IOFF] = 115e-6, p[MP_KON] = 1.56e2;
        p[MP_KOFF] = 4.87e2, p[MP_AON] = 10, p[MP_AOFF] = 10, p[MP_X0] = 0.5;
        break;
    case 3:
        p[MP_A1] = 0.17, p[MP_A2] = 0.17, p[MP_B] = 0.05, p[MP_AP] = 4000, p[MP_AN] = 4000, p[MP_VP] = 0.16;
        p[MP_VN] = 0.15, p[MP_ALPHAP] = 1, p[MP_ALPHAN] = 5, p[MP_XP] = 0.3, p[MP_XN] = 0.5, p[MP_ETA] = 1;
        p[MP_X0] = 0.11;
        break;
    case 7:
        p[MP_RON] = 1e3, p[MP_ROFF] = 10e3, p[MP_VON] = -0.3, p[MP_VOFF] = 0.3, p[MP_KON] = 1e3, p[MP_KOFF] = 1e3;
        p[MP_AON] = 3, p[MP_AOFF] = 3, p[MP_X0] = 0.5;
        break;
    case 5:
        p[MP_RON] = 1e3, p[MP_ROFF] = 100e3, p[MP_VON] = 0.11, p[MP_VOFF] = 0.005, p[MP_KT] = 0.015;
        p[MP_TAU] = 100e-6, p[MP_X0] = 0.0238;
        break;
    default: /* 6 */
        p[MP_I0] = 1e-3, p[MP_G0] = 0.25e-9, p[MP_V0] = 0.25, p[MP_GMIN] = 0.1e-9, p[MP_GMAX] = 1.7e-9;
        p[MP_NU0] = 10, p[MP_EA] = 0.6, p[MP_A0] = 0.25e-9, p[MP_TOX] = 12e-9, p[MP_GAM0] = 16, p[MP_BETA] = 0.8;
        p[MP_P] = 5, p[MP_X0] = 0.1;
    }
}

int ms_mem_param_index(const char *name)
{
    for (int k = 0; mem_params[k].name; k++)
        if (!strcmp(mem_params[k].name, name))
            return (mem_params[k].flags & MS_PF_TRAINABLE) ? k : -1;
    return -1;
}

int ms_mem_param_trainable(int k)
{
    return k >= 0 && k < MP_COUNT && (mem_params[k].flags & MS_PF_TRAINABLE);
}

/* kon < 0 is Xyce's TEAM convention (its physical state falls toward xon
 * when switching on); memspice's TEAM would switch the wrong way. */
static int refuse_xyce_kon(MsElab *el, const MsCard *c, int first, int last, const MsMemModel *m)
{
    if (m->level != 2 || m->xyce || !(m->par[MP_KON] < 0))
        return MS_OK;
    for (int i = first; i + 1 < last; i++)
        if (ms_tok_is(&c->tok[i], "kon") && c->tok[i + 1].kind == TK_EQ)
            return ms_elab_error(el, MS_ERR_SEMANTIC, &c->tok[i],
                                 "memristor level 2: kon=%g is negative, Xyce's TEAM convention (a physical "
                                 "state that falls to xon when switching on), but this is memspice's TEAM "
                                 "(x in [0, 1], x = 1 on, kon >= 0): add xyce=1 to the .model card for Xyce's "
                                 "TEAM, or give memspice's kon = -kon_xyce/(xoff - xon)", m->par[MP_KON]);
    return MS_OK;
}

int ms_mem_params_read(MsElab *el, const MsCard *c, int first, int last, const MsModelDef *md, MsMemModel *m)
{
    double level = m->level_given;
    int rc = ms_mem_xyce_instance(el, c, first, last, md, m);
    if (rc == MS_OK)
        rc = ms_elab_params(el, c, first, last, mem_params, m, NULL);
    if (rc == MS_OK && m->level_given != level)
        return ms_elab_error(el, MS_ERR_SEMANTIC, &c->tok[first], "%s", "level= belongs on the .model card");
    return rc ? rc : refuse_xyce_kon(el, c, first, last, m);
}

int ms_mem_model_read(MsElab *el, const MsModelDef *md, MsMemModel *m)
{
    const MsMemModel *kept = ms_elab_model_kept(el, md, sizeof *m);
    if (kept) {
        *m = *kept;
        return MS_OK;
    }
    /* first the level alone; then its defaults, then the values */
    MsMemModel probe = {0};
    probe.level_given = 1;
    int rc = MS_OK;
    for (int i = md->first; i + 2 < md->last && !rc; i++)
        if (ms_tok_is(&md->card->tok[i], "level") && md->card->tok[i + 1].kind == TK_EQ)
            rc = ms_elab_params(el, md->card, i, i + 3, mem_params, &probe, NULL);
    double v = probe.level_given;
    if (rc)
        return rc;
    if (v == 4)   /* Xyce's level 4 is PEM, memspice's VTEAM was level 4 until it moved to 7 */
        return ms_elab_error(el, MS_ERR_SEMANTIC, &md->card->tok[1], "%s",
                             "memristor level 4 is Xyce's piecewise empirical model (PEM), which memspice "
                             "does not implement; memspice's VTEAM is level=7");
    if (!ms_whole_in(v, 1, 7))
        return ms_elab_error(el, MS_ERR_SEMANTIC, &md->card->tok[1],
                             "memristor level %g does not exist (1 HP, 2 TEAM, 3 Yakopcic, 5 MMS, "
                             "6 Stanford-PKU, 7 VTEAM)", v);
    int xyce;
    if ((rc = ms_mem_xyce_select(el, md->card, md->first, md->last, (int)v, &xyce)))
        return rc;
    m->level = (int)v;
    m->xyce = xyce;
    level_defaults(m);
    m->level_given = v;
    rc = ms_elab_params(el, md->card, md->first, md->last, mem_params, m, NULL);
    if (rc == MS_OK)
        rc = refuse_xyce_kon(el, md->card, md->first, md->last, m);
    if (rc == MS_OK && m->xyce && m->level == 2)   /* the one departure from Xyce's TEAM: said, never silent */
        ms_elab_notice_once(el, md->card, "Xyce's TEAM form: memspice holds the state inside [xon, xoff]*xscaling, "
                                          "where Xyce lets it run past the bounds (README, 'Memristors')");
    if (rc == MS_OK)
        ms_elab_model_keep(el, md, m, sizeof *m);
    return rc;
}

/* 1 if m's level (and form) uses parameter k. */
static int level_uses(const MsMemModel *m, int k)
{
    int level = m->level;
    if (m->xyce && ms_mem_xyce_uses(level, k))
        return 1;
    switch (k) {
    case MP_X0:
    case MP_P: return 1;   /* p defaults to 1 for every level */
    case MP_RON: case MP_ROFF: return level != 3 && level != 6;
    case MP_D: case MP_UV: case MP_WINDOW: case MP_J: return level == 1;
    case MP_VON: case MP_VOFF: return level == 7 || level == 5;
    case MP_TAU: case MP_KT: return level == 5;
    case MP_ION: case MP_IOFF: return level == 2;
    case MP_KON: case MP_KOFF: case MP_AON: case MP_AOFF: case MP_IV: return level == 2 || level == 7;
    case MP_A1: case MP_A2: case MP_B: case MP_AP: case MP_AN: case MP_VP: case MP_VN: case MP_ALPHAP:
    case MP_ALPHAN: case MP_XP: case MP_XN: case MP_ETA: return level == 3;
    case MP_I0: case MP_G0: case MP_V0: case MP_GMIN: case MP_GMAX: case MP_NU0: case MP_EA: case MP_A0:
    case MP_TOX: case MP_GAM0: case MP_BETA: return level == 6;
    default: return 0;   /* Xyce's TEAM parameters (above) */
    }
}

int ms_mem_model_check(MsElab *el, const MsToken *t, const MsMemModel *m)
{
    const double *p = m->par;
    const char *why = NULL;
    /* a parameter of another level (a TEAM/VTEAM mix-up) is set away from 0,
     * the value every level leaves its unused parameters at */
    for (int k = 0; mem_params[k].name; k++) {
        size_t off = mem_params[k].offset;
        if (k >= MP_COUNT)   /* level, xyce and the aliases */
            continue;
        int idx = (int)((off - offsetof(MsMemModel, par)) / sizeof(double));
        if (!level_uses(m, idx) && p[idx] != 0)
            return ms_elab_error(el, MS_ERR_SEMANTIC, t, "memristor level %d (%s form) has no parameter '%s'",
                                 m->level, m->xyce ? "Xyce's" : "memspice's", mem_params[k].name);
    }
    /* Xyce's TEAM uses p only in windows 1-3 (its default 1.15e-4 is no count) */
    int p_used = !(m->level == 2 && m->xyce && !(p[MP_WT] >= 1 && p[MP_WT] <= 3));
    if (m->xyce && (why = ms_mem_xyce_check(m)))
        ;
    else if (!(p[MP_X0] >= 0 && p[MP_X0] <= 1) && !(m->xyce && m->level == 2))
        why = "x0 must lie in [0, 1]";
    else if (p_used && !ms_whole_in(p[MP_P], 1, 1000))
        why = "p must be a whole number from 1 to 1000";
    else if (m->level != 3 && m->level != 6 && !(p[MP_RON] > 0 && p[MP_ROFF] > 0))
        why = "ron and roff must be positive";
    else if (m->level == 1 && !(p[MP_D] > 0 && p[MP_UV] > 0))
        why = "level 1: d and uv must be positive";
    else if (m->level == 1 && !ms_whole_in(p[MP_WINDOW], 0, 3))
        why = "level 1: window must be 0, 1, 2 or 3";
    else if (m->level == 2 && !(p[MP_ION] < 0 && p[MP_IOFF] > 0))
        why = "level 2: need ion < 0 < ioff";
    else if (m->level == 7 && !(p[MP_VON] < 0 && p[MP_VOFF] > 0))
        why = "level 7: need von < 0 < voff";
    else if ((m->level == 2 || m->level == 7) && p[MP_IV] != 0 && p[MP_IV] != 1)
        why = "levels 2 and 7: iv must be 0 (linear) or 1 (exponential)";
    else if ((m->level == 2 || m->level == 7) && !(p[MP_AON] >= 1 && p[MP_AOFF] >= 1))
        why = "levels 2 and 7: alphaon and alphaoff must be at least 1";
    else if ((m->level == 2 || m->level == 7) && !m->xyce && !(p[MP_KON] >= 0 && p[MP_KOFF] >= 0))
        why = "levels 2 and 7: kon and koff must not be negative (x = 1 is on: kon drives x up, koff down)";
    else if (m->level == 3 && !(p[MP_XP] < 1 && p[MP_XN] < 1 && p[MP_VP] >= 0 && p[MP_VN] >= 0))
        why = "level 3: need xp, xn < 1 and vp, vn >= 0";
    else if (m->level == 5 && !(p[MP_TAU] > 0 && p[MP_KT] > 0))
        why = "level 5: tau and kt must be positive";
    else if (m->level == 6 && !(p[MP_GMAX] > p[MP_GMIN] && p[MP_G0] > 0 && p[MP_V0] > 0 && p[MP_TOX] > 0))
        why = "level 6: need gmax > gmin and g0, v0, tox > 0";
    return why ? ms_elab_error(el, MS_ERR_SEMANTIC, t, "memristor: %s", why) : MS_OK;
}



/* HP without a window (window=0) moves at a rate that does not vanish at
 * the bounds, so an implicit step toward a bound has no root once it would
 * cross it (the rate drops from k I to 0 there).  Within HP_EDGE of the bound
 * ahead the rate falls linearly to 0: the root then lies inside, and the
 * model is unchanged elsewhere. */
#define HP_EDGE 1e-6

static void hp_eval(const MsMemModel *m, int seed, Dual v, Dual x, Dual *I, Dual *g)
{
    Dual ron = ms_mem_par(m, MP_RON, seed), roff = ms_mem_par(m, MP_ROFF, seed);
    Dual r = dadd(roff, dmul(dsub(ron, roff), x));          /* Ron x + Roff (1 - x) */
    *I = ddiv(v, r);
    Dual d = ms_mem_par(m, MP_D, seed);
    Dual k = ddiv(dmul(ms_mem_par(m, MP_UV, seed), ron), dmul(d, d));
    double e = 2 * m->par[MP_P];
    Dual F;
    switch ((int)m->par[MP_WINDOW]) {
    case 0:   /* none, but the last HP_EDGE before the bound ahead ramps to 0 (see HP_EDGE) */
        if (I->v >= 0 && x.v > 1 - HP_EDGE)
            F = dscale(dsub(dc(1), x), 1 / HP_EDGE);
        else if (I->v < 0 && x.v < HP_EDGE)
            F = dscale(x, 1 / HP_EDGE);
        else
            F = dc(1);
        break;
    case 1:
        F = dsub(dc(1), dpowc(daddc(dscale(x, 2), -1), e));
        break;
    case 3: {
        Dual s = daddc(dmul(daddc(x, -0.5), daddc(x, -0.5)), 0.75);
        F = dmul(ms_mem_par(m, MP_J, seed), dsub(dc(1), dpowc(s, m->par[MP_P])));
        break;
    }
    default:   /* Biolek: stp(-I) is 1 while the current is negative */
        F = dsub(dc(1), dpowc(daddc(x, I->v < 0 ? -1 : 0), e));
    }
    *g = dmul(dmul(k, *I), F);
}

static void mms_eval(const MsMemModel *m, int seed, Dual v, Dual x, Dual *I, Dual *g)
{
    Dual kt = ms_mem_par(m, MP_KT, seed);
    Dual on = dsigmoid(ddiv(dsub(v, ms_mem_par(m, MP_VON, seed)), kt));
    Dual off = dsigmoid(ddiv(dsub(ms_mem_par(m, MP_VOFF, seed), v), kt));
    Dual rate = dsub(dmul(dsub(dc(1), x), on), dmul(x, off));
    *g = ddiv(rate, ms_mem_par(m, MP_TAU, seed));
    Dual G = dadd(ddiv(x, ms_mem_par(m, MP_RON, seed)), ddiv(dsub(dc(1), x), ms_mem_par(m, MP_ROFF, seed)));
    *I = dmul(G, v);
}

/* Win(x) = 1 - (2x - 1)^(2p) */
static Dual joglekar(Dual x, double p) { return dsub(dc(1), dpowc(daddc(dscale(x, 2), -1), 2 * p)); }

/* R(x) of TEAM and VTEAM: linear, or exponential between Roff and Ron. */
static Dual team_resistance(const MsMemModel *m, int seed, Dual x)
{
    Dual ron = ms_mem_par(m, MP_RON, seed), roff = ms_mem_par(m, MP_ROFF, seed);
    if (m->par[MP_IV] != 0)
        return dmul(roff, dexp(dneg(dmul(dlog(ddiv(roff, ron)), x))));
    return dadd(roff, dmul(dsub(ron, roff), x));
}

/* TEAM and VTEAM: thresholds on s (the current, or the voltage) */
static Dual team_rate(const MsMemModel *m, int seed, Dual s, Dual x, int on_i, int off_i)
{
    Dual on = ms_mem_par(m, on_i, seed), off = ms_mem_par(m, off_i, seed);
    Dual w = joglekar(x, m->par[MP_P]);
    if (s.v < on.v)
        return dmul(dmul(ms_mem_par(m, MP_KON, seed), dpowc(daddc(ddiv(s, on), -1), m->par[MP_AON])), w);
    if (s.v > off.v)
        return dneg(dmul(dmul(ms_mem_par(m, MP_KOFF, seed), dpowc(daddc(ddiv(s, off), -1), m->par[MP_AOFF])), w));
    return dc(0);
}

static void team_eval(const MsMemModel *m, int seed, Dual v, Dual x, Dual *I, Dual *g)
{
    if (m->xyce) {
        ms_mem_xteam_eval(m, seed, v, x, I, g);
        return;
    }
    *I = ddiv(v, team_resistance(m, seed, x));
    *g = team_rate(m, seed, *I, x, MP_ION, MP_IOFF);
}

static void vteam_eval(const MsMemModel *m, int seed, Dual v, Dual x, Dual *I, Dual *g)
{
    *I = ddiv(v, team_resistance(m, seed, x));
    *g = team_rate(m, seed, v, x, MP_VON, MP_VOFF);
}

static void yakopcic_eval(const MsMemModel *m, int seed, Dual v, Dual x, Dual *I, Dual *g)
{
    Dual a = ms_mem_par(m, v.v >= 0 ? MP_A1 : MP_A2, seed);
    *I = dmul(dmul(a, x), dsinh(dmul(ms_mem_par(m, MP_B, seed), v)));
    Dual vp = ms_mem_par(m, MP_VP, seed), vn = ms_mem_par(m, MP_VN, seed), G = dc(0);
    if (v.v > vp.v)
        G = dmul(ms_mem_par(m, MP_AP, seed), dsub(dexp(v), dexp(vp)));
    else if (v.v < -vn.v)
        G = dneg(dmul(ms_mem_par(m, MP_AN, seed), dsub(dexp(dneg(v)), dexp(vn))));
    double xp = m->par[MP_XP], xn = m->par[MP_XN], eta = m->par[MP_ETA];
    Dual F = dc(1);
    if (eta * G.v > 0 && x.v >= xp)
        F = dmul(dexp(dneg(dmul(ms_mem_par(m, MP_ALPHAP, seed), daddc(x, -xp)))), daddc(dscale(daddc(dneg(x), xp), 1 / (1 - xp)), 1));
    else if (eta * G.v < 0 && x.v <= 1 - xn)
        F = dmul(dexp(dmul(ms_mem_par(m, MP_ALPHAN, seed), daddc(x, xn - 1))), dscale(x, 1 / (1 - xn)));
    *g = dscale(dmul(G, F), eta);
}

#define KT_300K_EV 0.025852   /* k T / q at 300 K, in eV (V) */

static void pku_eval(const MsMemModel *m, int seed, Dual v, Dual x, Dual *I, Dual *g)
{
    double gmin = m->par[MP_GMIN], gmax = m->par[MP_GMAX];
    Dual gap = daddc(dscale(x, -(gmax - gmin)), gmax);
    *I = dmul(dmul(ms_mem_par(m, MP_I0, seed), dexp(dneg(ddiv(gap, ms_mem_par(m, MP_G0, seed))))),
              dsinh(ddiv(v, ms_mem_par(m, MP_V0, seed))));
    Dual gn = dscale(gap, 1e9);   /* the gap in nm */
    Dual gam = dsub(ms_mem_par(m, MP_GAM0, seed), dmul(ms_mem_par(m, MP_BETA, seed), dmul(gn, dmul(gn, gn))));
    Dual field = dscale(dmul(dmul(gam, ms_mem_par(m, MP_A0, seed)), v), 1 / (m->par[MP_TOX] * KT_300K_EV));
    Dual rate = dmul(ms_mem_par(m, MP_NU0, seed), dexp(dscale(ms_mem_par(m, MP_EA, seed), -1 / KT_300K_EV)));
    *g = dscale(dmul(dmul(rate, dsinh(field)), joglekar(x, m->par[MP_P])), 1 / (gmax - gmin));
}

int ms_mem_rate_outward(double x, double g) { return (x >= 1 && g > 0) || (x <= 0 && g < 0); }

void ms_mem_range(const MsMemModel *m, double *lo, double *hi)
{
    if (m->level == 2 && m->xyce)
        *lo = m->par[MP_XON] * m->par[MP_XSCALING], *hi = m->par[MP_XOFF] * m->par[MP_XSCALING];
    else
        *lo = 0, *hi = 1;
}

double ms_mem_state_on(const MsMemModel *m)
{
    double lo, hi;
    ms_mem_range(m, &lo, &hi);
    return m->level == 2 && m->xyce ? lo : hi;   /* Xyce's TEAM: xon; else x = 1 */
}

double ms_mem_state_off(const MsMemModel *m)
{
    double lo, hi;
    ms_mem_range(m, &lo, &hi);
    return m->level == 2 && m->xyce ? hi : lo;
}

void ms_mem_eval(const MsMemModel *m, int seed, double v, double x, Dual *I, Dual *g)
{
    Dual dv = dvar(v, 0), dx = dvar(x, 1);
    switch (m->level) {
    case 1: hp_eval(m, seed, dv, dx, I, g); break;
    case 2: team_eval(m, seed, dv, dx, I, g); break;
    case 3: yakopcic_eval(m, seed, dv, dx, I, g); break;
    case 7: vteam_eval(m, seed, dv, dx, I, g); break;
    case 5: mms_eval(m, seed, dv, dx, I, g); break;
    default: pku_eval(m, seed, dv, dx, I, g);
    }
    if (m->level == 2 && m->xyce) {   /* Xyce's TEAM: its own range */
        double lo, hi;
        ms_mem_range(m, &lo, &hi);
        if ((x >= hi && g->v > 0) || (x <= lo && g->v < 0))
            *g = dc(0);
    } else if (ms_mem_rate_outward(x, g->v))
        *g = dc(0);
}

/* Hand-written derivatives of the two levels simulated most (HP, the MMS of
 * the MIF neuron), for the evaluation without a parameter derivative: the
 * same equations as hp_eval / mms_eval, about four times cheaper than the
 * dual numbers.  tests/unit/test_memristor.c holds them equal. */
static double ipow(double a, int n)
{
    double r = 1;
    for (int i = 0; i < n; i++)
        r *= a;
    return r;
}

/* I = {I, dI/dv, dI/dx}, g = {g, dg/dv, dg/dx} */
static void hp_fast(const MsMemModel *m, double v, double x, double I[3], double g[3])
{
    const double *p = m->par;
    double dr = p[MP_RON] - p[MP_ROFF], R = p[MP_ROFF] + dr * x;
    I[1] = 1 / R;   /* one division: the rest multiplies by it */
    I[0] = v * I[1];
    I[2] = -I[0] * dr * I[1];
    double k = p[MP_UV] * p[MP_RON] / (p[MP_D] * p[MP_D]);
    int e = 2 * (int)p[MP_P];
    double F, dF;   /* window and dF/dx */
    switch ((int)p[MP_WINDOW]) {
    case 0:   /* see HP_EDGE */
        if (I[0] >= 0 && x > 1 - HP_EDGE)
            F = (1 - x) / HP_EDGE, dF = -1 / HP_EDGE;
        else if (I[0] < 0 && x < HP_EDGE)
            F = x / HP_EDGE, dF = 1 / HP_EDGE;
        else
            F = 1, dF = 0;
        break;
    case 1: {
        double u = 2 * x - 1, ue = ipow(u, e - 1);
        F = 1 - ue * u, dF = -2 * e * ue;
        break;
    }
    case 3: {
        int pp = (int)p[MP_P];
        double s = (x - 0.5) * (x - 0.5) + 0.75, sp = ipow(s, pp - 1);
        F = p[MP_J] * (1 - sp * s), dF = -p[MP_J] * pp * sp * 2 * (x - 0.5);
        break;
    }
    default: {   /* Biolek: stp(-I) is piecewise constant in I */
        double s = x - (I[0] < 0 ? 1 : 0), se = ipow(s, e - 1);
        F = 1 - se * s, dF = -e * se;
    }
    }
    g[0] = k * I[0] * F;
    g[1] = k * I[1] * F;
    g[2] = k * (I[2] * F + I[0] * dF);
    if (ms_mem_rate_outward(x, g[0]))
        g[0] = g[1] = g[2] = 0;
}

static double sigmoid(double s) { return s >= 0 ? 1 / (1 + exp(-s)) : exp(s) / (1 + exp(s)); }

static void mms_fast(const MsMemModel *m, double v, double x, double I[3], double g[3])
{
    const double *p = m->par;
    double kt = p[MP_KT], on = sigmoid((v - p[MP_VON]) / kt), off = sigmoid((p[MP_VOFF] - v) / kt);
    double don = on * (1 - on) / kt, doff = -off * (1 - off) / kt;
    g[0] = ((1 - x) * on - x * off) / p[MP_TAU];
    g[1] = ((1 - x) * don - x * doff) / p[MP_TAU];
    g[2] = (-on - off) / p[MP_TAU];
    double G = x / p[MP_RON] + (1 - x) / p[MP_ROFF];
    I[0] = G * v;
    I[1] = G;
    I[2] = (1 / p[MP_RON] - 1 / p[MP_ROFF]) * v;
}

int ms_mem_eval_fast(const MsMemModel *m, double v, double x, double I[3], double g[3])
{
    if (m->level == 1)
        hp_fast(m, v, x, I, g);
    else if (m->level == 5)
        mms_fast(m, v, x, I, g);
    else
        return 0;
    return 1;
}
