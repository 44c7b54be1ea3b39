/* memristor_xyce.c — see memristor_xyce.h.
 *
 * Xyce reads YMEMRISTOR with the same level numbers as memspice, but its
 * TEAM (level 2) has a physical state, other windows and other defaults,
 * and its Yakopcic (level 3) other defaults.  A .model card chooses: xyce=1,
 * or any parameter only Xyce's level has, gives Xyce's form; a card naming
 * none keeps memspice's (so memspice's own netlists are unchanged).  A card
 * or instance that mixes the two is refused with the way to choose. */
#include "memristor_xyce.h"

#include <stddef.h>
#include <string.h>

/* Parameters only Xyce's form of a level has (bit 1 << level). */
static const struct {
    const char *name;
    int levels;
} xyce_names[] = {
    {"xon", 1 << 2}, {"xoff", 1 << 2}, {"wt", 1 << 2}, {"wc", 1 << 2}, {"aon", 1 << 2}, {"aoff", 1 << 2},
    {"d", 1 << 2}, {"j", 1 << 2}, {"ivrelation", 1 << 2}, {"xscaling", 1 << 2 | 1 << 3}, {"xo", 1 << 3},
};

/* Level bits of a name only Xyce has, 0 for others.  d and j are memspice's
 * own at level 1 (HP), so they count only for level 2. */
static int xyce_levels(const char *s)
{
    for (size_t k = 0; k < sizeof xyce_names / sizeof xyce_names[0]; k++)
        if (!strcmp(s, xyce_names[k].name))
            return xyce_names[k].levels;
    return 0;
}

/* Xyce's random telegraph noise on R and x: res..., x... */
static int xyce_noise(const char *s)
{
    static const char *const names[] = {"resnoise", "resseed", "reslambda", "restd", "reseptd", "resdelta",
                                        "resdeltagrad", "xnoise", "xseed", "xlambda", "xtd", "xeptd",
                                        "xdelta", "xdeltagrad"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (!strcmp(s, names[k]))
            return 1;
    return 0;
}

static int is_assign(const MsCard *c, int i, int last)
{
    return i + 1 < last && c->tok[i].kind == TK_WORD && c->tok[i + 1].kind == TK_EQ;
}

/* Names no form of any level here takes: noise, and Xyce's names at the
 * levels that have no Xyce form. */
static int refuse_foreign(MsElab *el, const MsToken *t, int level)
{
    if (xyce_noise(t->s))
        return ms_elab_error(el, MS_ERR_SEMANTIC, t, "memristor: '%s' is a parameter of Xyce's random telegraph "
                             "noise, which memspice does not implement", t->s);
    int lv = xyce_levels(t->s);
    if (!strcmp(t->s, "xo") && level == 2)
        return ms_elab_error(el, MS_ERR_SEMANTIC, t, "%s", "memristor level 2: Xyce's TEAM has no xo (its state "
                             "starts at 0); x0 sets the initial state, in the units of the state (memspice's "
                             "TEAM: [0, 1]; Xyce's: [xon, xoff] * xscaling)");
    if (lv && level != 2 && level != 3 && strcmp(t->s, "d") && strcmp(t->s, "j"))
        return ms_elab_error(el, MS_ERR_SEMANTIC, t, "memristor level %d has no parameter '%s' (it is one of "
                             "Xyce's TEAM (level 2) or Yakopcic (level 3) parameters)", level, t->s);
    return MS_OK;
}

int ms_mem_xyce_select(MsElab *el, const MsCard *c, int first, int last, int level, int *xyce)
{
    const MsToken *named = NULL, *given = NULL;
    double v = -1;
    for (int i = first; i < last; i++) {
        if (!is_assign(c, i, last))
            continue;
        const MsToken *t = &c->tok[i];
        int rc = refuse_foreign(el, t, level);
        if (rc)
            return rc;
        if (ms_tok_is(t, "xyce") && i + 2 < last) {
            if ((rc = ms_elab_value(el, &c->tok[i + 2], &v)))
                return rc;
            if (v != 0 && v != 1)
                return ms_elab_error(el, MS_ERR_SEMANTIC, &c->tok[i + 2], "%s", "memristor: xyce must be 0 "
                                     "(memspice's form) or 1 (Xyce's)");
            given = t;
        } else if (!named && (xyce_levels(t->s) & (1 << level)))
            named = t;
    }
    if (given && v == 1 && level != 2 && level != 3)
        return ms_elab_error(el, MS_ERR_SEMANTIC, given, "memristor level %d has no Xyce form (xyce=1 takes "
                             "Xyce's TEAM, level 2, or Yakopcic, level 3)", level);
    if (given && v == 0 && named)
        return ms_elab_error(el, MS_ERR_SEMANTIC, named, "memristor: '%s' is a parameter of Xyce's level %d, but "
                             "xyce=0 asks for memspice's: drop xyce=0 for Xyce's form, or '%s' for memspice's",
                             named->s, level, named->s);
    *xyce = given ? (int)v : named != NULL;
    return MS_OK;
}

/* Xyce's Yakopcic parameters: a memspice-form model that names them all is
 * the same model as Xyce's, whatever the defaults. */
static int names_all_yakopcic(const MsModelDef *md)
{
    static const char *const names[] = {"a1", "a2", "b", "vp", "vn", "ap", "an", "xp", "xn", "alphap",
                                        "alphan", "eta"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        int found = 0;
        for (int i = md->first; i < md->last && !found; i++)
            found = is_assign(md->card, i, md->last) && ms_tok_is(&md->card->tok[i], names[k]);
        if (!found)
            return 0;
    }
    return 1;
}

int ms_mem_xyce_instance(MsElab *el, const MsCard *c, int first, int last, const MsModelDef *md,
                         const MsMemModel *m)
{
    for (int i = first; i < last; i++) {
        if (!is_assign(c, i, last))
            continue;
        const MsToken *t = &c->tok[i];
        int rc = refuse_foreign(el, t, m->level);
        if (rc)
            return rc;
        if (ms_tok_is(t, "xyce"))
            return ms_elab_error(el, MS_ERR_SEMANTIC, t, "%s", "xyce= belongs on the .model card");
        if (m->xyce || !(xyce_levels(t->s) & (1 << m->level)))
            continue;
        /* Xyce's xo on a memspice-form Yakopcic: the same model if the card
         * leaves no default to either simulator */
        if (m->level == 3 && ms_tok_is(t, "xo") && names_all_yakopcic(md))
            continue;
        return ms_elab_error(el, MS_ERR_SEMANTIC, t, "memristor: '%s' is a parameter of Xyce's %s, but model '%s' "
                             "is memspice's (its card names none of Xyce's parameters)%s: add xyce=1 to the "
                             ".model card for Xyce's equations and defaults", t->s,
                             m->level == 2 ? "TEAM" : "Yakopcic", md->name,
                             m->level == 3 ? " and leaves some to memspice's defaults" : "");
    }
    return MS_OK;
}

void ms_mem_xyce_defaults(MsMemModel *m)
{
    double *p = m->par;
    memset(p, 0, sizeof m->par);
    p[MP_XSCALING] = 1;
    if (m->level == 2) {
        p[MP_KON] = -8e-13, p[MP_KOFF] = 8e-13, p[MP_AON] = 3, p[MP_AOFF] = 3, p[MP_XON] = 0, p[MP_XOFF] = 3e-9;
        p[MP_RON] = 50, p[MP_ROFF] = 1e3, p[MP_ION] = 8.9e-6, p[MP_IOFF] = 1.15e-4;
        p[MP_D] = 1.15e-4, p[MP_P] = 1.15e-4, p[MP_J] = 1.15e-4;
        p[MP_WAON] = 0, p[MP_WAOFF] = 3e-9, p[MP_WC] = 1.07e-12, p[MP_WT] = 0, p[MP_IV] = 0, p[MP_X0] = 0;
    } else {
        p[MP_A1] = 1, p[MP_A2] = 1, p[MP_B] = 1, p[MP_AP] = 1, p[MP_AN] = 1, p[MP_VP] = 1e-2, p[MP_VN] = -1e-2;
        p[MP_ALPHAP] = 1, p[MP_ALPHAN] = 1, p[MP_XP] = 1, p[MP_XN] = 1, p[MP_ETA] = 1, p[MP_X0] = 0;
        p[MP_P] = 1;   /* unused; every level's p is checked */
    }
}

int ms_mem_xyce_uses(int level, int k)
{
    if (level == 3)
        return k == MP_XSCALING;
    switch (k) {
    case MP_XON: case MP_XOFF: case MP_XSCALING: case MP_WT: case MP_WC: case MP_WAON: case MP_WAOFF:
    case MP_D: case MP_J: return 1;
    default: return 0;
    }
}

const char *ms_mem_xyce_check(const MsMemModel *m)
{
    const double *p = m->par;
    if (m->level == 3) {
        if (!(p[MP_VN] >= 0 && p[MP_VP] >= 0))
            return "level 3 (Xyce's form): vp and vn must not be negative (with Xyce's default vn = -0.01 the rate "
                   "takes the wrong sign below 0.01 V and the state leaves [0, 1]): give vn";
        if (!(p[MP_XP] < 1 && p[MP_XN] < 1))
            return "level 3 (Xyce's form): need xp, xn < 1 (Xyce's default 1 divides by zero in its windows)";
        if (!isfinite(p[MP_XSCALING]))
            return "level 3 (Xyce's form): xscaling must be finite";
        return NULL;
    }
    double s = p[MP_XSCALING], wt = p[MP_WT];
    if (!(s > 0 && isfinite(s * p[MP_XON]) && isfinite(s * p[MP_XOFF])))
        return "level 2 (Xyce's TEAM): xscaling must be positive, xon and xoff * xscaling finite";
    if (!(p[MP_XON] < p[MP_XOFF]))
        return "level 2 (Xyce's TEAM): need xon < xoff (xon the low-resistance end)";
    if (!(p[MP_ION] < 0 && p[MP_IOFF] > 0))
        return "level 2 (Xyce's TEAM): need ion < 0 < ioff (with ion >= 0, Xyce's default 8.9e-6, the on branch "
               "I <= ion covers zero current and the state moves without one): give ion";
    if (!(p[MP_KON] <= 0 && p[MP_KOFF] >= 0))
        return "level 2 (Xyce's TEAM): need kon <= 0 <= koff (kon drives the state toward xon, koff toward xoff)";
    if (!(p[MP_AON] >= 1 && p[MP_AOFF] >= 1))
        return "level 2 (Xyce's TEAM): alphaon and alphaoff must be at least 1 (a smaller one has an infinite "
               "slope at the threshold)";
    if (!ms_whole_in(wt, 0, 4))
        return "level 2 (Xyce's TEAM): wt must be 0 (none), 1 (Joglekar), 2 (Biolek), 3 (Prodromakis) or 4 "
               "(Kvatinsky)";
    if (wt >= 1 && wt <= 3 && !ms_whole_in(p[MP_P], 1, 1000))
        return "level 2 (Xyce's TEAM): windows 1-3 raise a number that may be negative to the power p (2p): p must "
               "be a whole number from 1 to 1000 (Xyce's default is 1.15e-4): give p";
    if ((wt == 1 || wt == 2) && !(p[MP_D] > 0))
        return "level 2 (Xyce's TEAM): windows 1 and 2 need d > 0 (in the units of the state, xon..xoff * "
               "xscaling)";
    if (wt == 4 && !(p[MP_WC] > 0))
        return "level 2 (Xyce's TEAM): window 4 needs wc > 0";
    double lo = s * p[MP_XON], hi = s * p[MP_XOFF];
    if (!(p[MP_X0] >= lo && p[MP_X0] <= hi))
        return "level 2 (Xyce's TEAM): the initial state x0 must lie in [xon, xoff] * xscaling (Xyce's TEAM has no "
               "initial-state parameter and starts at 0: give x0 when 0 lies outside)";
    return NULL;
}

/* Within TEAM_EDGE of the range from the bound ahead the rate ramps to 0:
 * windows that do not vanish there would let the state pass the bound, and
 * an implicit step toward it would then have no root. */
#define TEAM_EDGE 1e-6

/* exp(-exp(z)), the Kvatinsky window; 0 where exp(z) overflows */
static Dual dexpnegexp(Dual z)
{
    if (z.v > 700)
        return dc(0);
    double e = exp(z.v), w = exp(-e);
    return dchain(z, w, -e * w);
}

static Dual window(const MsMemModel *m, int seed, Dual X, double I)
{
    const double *p = m->par;
    double s = p[MP_XSCALING];
    switch ((int)p[MP_WT]) {
    case 1:   /* Joglekar on X/D */
        return dsub(dc(1), dpowc(daddc(dscale(ddiv(X, ms_mem_par(m, MP_D, seed)), 2), -1), 2 * p[MP_P]));
    case 2:   /* Biolek with Xyce's stp(I) = 1 for I >= 0 */
        return dsub(dc(1), dpowc(daddc(ddiv(X, ms_mem_par(m, MP_D, seed)), I >= 0 ? -1 : 0), 2 * p[MP_P]));
    case 3: {   /* Xyce's Prodromakis: (X - 1/2)^2 - 3/4, on X itself */
        Dual h = daddc(X, -0.5);
        return dmul(ms_mem_par(m, MP_J, seed), dsub(dc(1), dpowc(daddc(dmul(h, h), -0.75), p[MP_P])));
    }
    case 4:   /* Kvatinsky: toward aoff for I >= 0, toward aon below */
        if (I >= 0)
            return dexpnegexp(dscale(daddc(X, -p[MP_WAOFF] * s), 1 / (p[MP_WC] * s)));
        return dexpnegexp(dscale(daddc(X, -p[MP_WAON] * s), -1 / (p[MP_WC] * s)));
    default:
        return dc(1);
    }
}

void ms_mem_xteam_eval(const MsMemModel *m, int seed, Dual v, Dual X, Dual *I, Dual *g)
{
    const double *p = m->par;
    double s = p[MP_XSCALING], lo = p[MP_XON] * s, hi = p[MP_XOFF] * s;
    Dual ron = ms_mem_par(m, MP_RON, seed), roff = ms_mem_par(m, MP_ROFF, seed);
    Dual u = dscale(daddc(X, -lo), 1 / (hi - lo));   /* 0 on, 1 off */
    Dual R = p[MP_IV] != 0 ? dmul(ron, dexp(dmul(u, dlog(ddiv(roff, ron))))) : dadd(ron, dmul(u, dsub(roff, ron)));
    *I = ddiv(v, R);
    Dual ion = ms_mem_par(m, MP_ION, seed), ioff = ms_mem_par(m, MP_IOFF, seed), k;
    if (I->v >= ioff.v)
        k = dmul(dscale(ms_mem_par(m, MP_KOFF, seed), s), dpowc(daddc(ddiv(*I, ioff), -1), p[MP_AOFF]));
    else if (I->v <= ion.v)
        k = dmul(dscale(ms_mem_par(m, MP_KON, seed), s), dpowc(daddc(ddiv(*I, ion), -1), p[MP_AON]));
    else {
        *g = dc(0);
        return;
    }
    *g = dmul(k, window(m, seed, X, I->v));
    double edge = TEAM_EDGE * (hi - lo);
    if (g->v > 0 && X.v > hi - edge)
        *g = dmul(*g, dscale(dsub(dc(hi), X), 1 / edge));
    else if (g->v < 0 && X.v < lo + edge)
        *g = dmul(*g, dscale(daddc(X, -lo), 1 / edge));
}
