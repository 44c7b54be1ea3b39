/* dev_diode.c — junction diode (SPICE level 1 subset).
 *
 *   D name anode cathode model [area]
 *   .model name D (IS N RS CJO VJ M FC TT)
 *
 *   i_d = IS (exp(v / (N Vt)) - 1) + gmin v
 *   q_d = TT i_d + depletion charge:
 *     v <  FC VJ: CJO VJ / (1-M) (1 - (1 - v/VJ)^(1-M))
 *     v >= FC VJ: linear-capacitance extension as in SPICE2 (Nagel 1975)
 * RS puts an internal node between the anode and the junction.  Newton
 * steps on v are limited with the usual pnjlim rule; the device then
 * returns the linearisation at the limited voltage, f(vl) + g (v - vl), so
 * the residual stays consistent with the Jacobian it reports. */
#include "stamp.h"

#include <math.h>
#include <stddef.h>

/* k T / q at 300.15 K, ngspice's default temperature, with ngspice's
 * constants (CONSTboltz 1.38064852e-23, CHARGE 1.6021766208e-19) */
#define VT_300K (1.38064852e-23 * 300.15 / 1.6021766208e-19)

typedef struct DiodeModel {
    double is, n, rs, cjo, vj, m, fc, tt;
} DiodeModel;

static const MsParamDesc diode_params[] = {
    {"is", offsetof(DiodeModel, is), 1e-14, 0, "saturation current (A)"},
    {"n", offsetof(DiodeModel, n), 1.0, 0, "emission coefficient"},
    {"rs", offsetof(DiodeModel, rs), 0.0, 0, "series resistance (ohm)"},
    {"cjo", offsetof(DiodeModel, cjo), 0.0, 0, "zero-bias junction capacitance (F)"},
    {"cj0", offsetof(DiodeModel, cjo), 0.0, 0, "alias of cjo"},
    {"vj", offsetof(DiodeModel, vj), 1.0, 0, "junction potential (V)"},
    {"m", offsetof(DiodeModel, m), 0.5, 0, "grading coefficient"},
    {"fc", offsetof(DiodeModel, fc), 0.5, 0, "forward-bias depletion capacitance coefficient"},
    {"tt", offsetof(DiodeModel, tt), 0.0, 0, "transit time (s)"},
    {0, 0, 0, 0, 0},
};

typedef struct Diode {
    MsInstHead h;
    int a, b, ai;          /* anode, cathode, internal anode (== a without RS) */
    DiodeModel mod;        /* area already applied */
    double vcrit;
    int st;                /* numeric state: last junction voltage */
    MsQuad rs, j;
} Diode;

static int diode_parse(MsElab *el, const MsCard *c, void *p)
{
    Diode *d = p;
    int nodes[2], rc;
    if ((rc = ms_parse_nodes(el, c, 2, nodes)))
        return rc;
    d->a = d->ai = nodes[0];
    d->b = nodes[1];
    if (c->ntok < 4)
        return ms_elab_error(el, MS_ERR_SYNTAX, &c->tok[c->ntok - 1], "%s needs a model name", c->tok[0].s);
    /* the model is ngspice's at its nominal 27 °C: no temperature scaling of IS, VT */
    if (ms_elab_temp(el) != 27)
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, &c->tok[0],
                             "%s: diodes are simulated at 27 C only (.temp %g would change IS and VT)", c->tok[0].s,
                             ms_elab_temp(el));
    const MsModelDef *m;
    if ((rc = ms_elab_model(el, &c->tok[3], "d", &m)))
        return rc;
    ms_params_default(diode_params, &d->mod);
    if ((rc = ms_elab_params(el, m->card, m->first, m->last, diode_params, &d->mod, NULL)))
        return rc;
    double area = 1;
    if (c->ntok > 4 && (rc = ms_elab_value(el, &c->tok[4], &area)))
        return rc;
    if (c->ntok > 5)
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, &c->tok[5], "unsupported diode argument '%s'", c->tok[5].s);
    if (area <= 0 || d->mod.is <= 0 || d->mod.n <= 0 || d->mod.vj <= 0 || d->mod.m >= 1 || d->mod.fc >= 1)
        return ms_elab_error(el, MS_ERR_SEMANTIC, &c->tok[3],
                             "diode %s: need area, IS, N, VJ > 0 and M, FC < 1", d->h.name);
    d->mod.is *= area;
    d->mod.cjo *= area;
    d->mod.rs /= area;
    double nvt = d->mod.n * VT_300K;
    d->vcrit = nvt * log(nvt / (sqrt(2.0) * d->mod.is));
    return MS_OK;
}

static int diode_unknowns(MsSetup *s, void *insts, int n)
{
    Diode *d = insts;
    for (int i = 0; i < n; i++)
        if (d[i].mod.rs > 0)
            d[i].ai = ms_setup_internal(s, d[i].h.name, "internal");
    return MS_OK;
}

static int diode_entries(MsSetup *s, void *insts, int n)
{
    Diode *d = insts;
    for (int i = 0; i < n; i++) {
        if (d[i].ai != d[i].a)
            ms_quad_declare(s, d[i].a, d[i].ai, &d[i].rs);
        ms_quad_declare(s, d[i].ai, d[i].b, &d[i].j);
        d[i].st = ms_setup_state(s, 1);
    }
    return MS_OK;
}

static void diode_stamp(const void *insts, int n, double *G, double *C)
{
    (void)C;
    const Diode *d = insts;
    for (int i = 0; i < n; i++)
        if (d[i].ai != d[i].a)
            ms_quad_add(G, &d[i].rs, 1.0 / d[i].mod.rs);
}

/* pnjlim: keep the exponential from exploding between Newton iterations. */
static double pnjlim(double vnew, double vold, double nvt, double vcrit)
{
    if (vnew > vcrit && fabs(vnew - vold) > 2 * nvt) {
        if (vold > 0) {
            double arg = 1 + (vnew - vold) / nvt;
            return arg > 0 ? vold + nvt * log(arg) : vcrit;
        }
        return nvt * log(vnew / nvt);
    }
    return vnew;
}

static void diode_eval(const void *insts, int n, MsEval *ev)
{
    const Diode *d = insts;
    for (int i = 0; i < n; i++) {
        const Diode *D = &d[i];
        const DiodeModel *m = &D->mod;
        double nvt = m->n * VT_300K;
        double v = ev->x[D->ai] - ev->x[D->b];
        double vl = ev->no_limit ? v : pnjlim(v, ev->state[D->st], nvt, D->vcrit);
        if (vl != v)
            ev->limited = 1;
        if (!ev->values_only)   /* a values-only look must not move the limiting memory */
            ev->state[D->st] = vl;
        /* beyond 80 thermal voltages continue the exponential linearly */
        double u = vl / nvt, e, de;
        if (u > 80) {
            e = exp(80.0) * (1 + u - 80);
            de = exp(80.0);
        } else {
            e = exp(u);
            de = e;
        }
        double id = m->is * (e - 1) + ev->gmin * vl;
        double gd = m->is * de / nvt + ev->gmin;
        double qd = m->tt * m->is * (e - 1), cd = m->tt * m->is * de / nvt;
        if (m->cjo > 0) {
            double vlim = m->fc * m->vj;
            if (vl < vlim) {
                double s = 1 - vl / m->vj;
                qd += m->cjo * m->vj / (1 - m->m) * (1 - pow(s, 1 - m->m));
                cd += m->cjo * pow(s, -m->m);
            } else {
                double f1 = m->vj / (1 - m->m) * (1 - pow(1 - m->fc, 1 - m->m));
                double f2 = pow(1 - m->fc, 1 + m->m), f3 = 1 - m->fc * (1 + m->m);
                qd += m->cjo * (f1 + (f3 * (vl - vlim) + m->m / (2 * m->vj) * (vl * vl - vlim * vlim)) / f2);
                cd += m->cjo / f2 * (f3 + m->m * vl / m->vj);
            }
        }
        double fi = id + gd * (v - vl), qi = qd + cd * (v - vl);
        ev->f[D->ai] += fi;
        ev->f[D->b] -= fi;
        ev->q[D->ai] += qi;
        ev->q[D->b] -= qi;
        if (ev->values_only)
            continue;
        ms_quad_add(ev->G, &D->j, gd);
        ms_quad_add(ev->C, &D->j, cd);
    }
}

const MsDevType ms_dev_diode = {
    .name = "diode", .letter = 'd', .inst_size = sizeof(Diode), .flags = MS_DEV_NONLINEAR,
    .parse = diode_parse, .unknowns = diode_unknowns, .entries = diode_entries,
    .stamp_linear = diode_stamp, .eval = diode_eval,
};
