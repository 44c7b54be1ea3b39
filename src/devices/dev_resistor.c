/* dev_resistor.c — linear resistor: i = (va - vb) / R, stamped into G_L. */
#include "stamp.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

typedef struct Resistor {
    MsInstHead h;
    int a, b;
    double r;
    double ac;        /* ngspice's ac=: the resistance the .ac analysis sees (0: r) */
    MsQuad g;
} Resistor;

/* ngspice's resistor model (.model NAME R(...)): a default resistance, or
 * one from the sheet resistance and the geometry, and temperature
 * coefficients about tnom. */
typedef struct ResModel {
    double r, rsh, defw, narrow, shrt, tc1, tc2, tnom, kf, af;
} ResModel;

#define RM(f) offsetof(ResModel, f)
static const MsParamDesc res_model_params[] = {
    {"r", RM(r), 0, 0, "resistance when the instance gives none"},
    {"res", RM(r), 0, 0, "the same"},
    {"rsh", RM(rsh), 0, 0, "sheet resistance (Ohm/square)"},
    {"defw", RM(defw), 1e-6, 0, "default width"},
    {"narrow", RM(narrow), 0, 0, "narrowing of the width"},
    {"short", RM(shrt), 0, 0, "shortening of the length"},
    {"tc1", RM(tc1), 0, 0, "first-order temperature coefficient"},
    {"tc2", RM(tc2), 0, 0, "second-order temperature coefficient"},
    {"tnom", RM(tnom), 27, 0, "temperature of the parameters (C)"},
    {"kf", RM(kf), 0, 0, "flicker noise (no effect here)"},
    {"af", RM(af), 0, 0, "flicker noise (no effect here)"},
    {NULL, 0, 0, 0, NULL},
};

/* Instance options after the value and model: l= w= m= tc1= tc2= scale=
 * (multiplies the resistance, as in ngspice), ac= (the resistance of the
 * .ac analysis, scaled alike; .op/.dc/.tran use the value), noisy= (no
 * effect: no noise analysis). */
typedef struct ResOpts {
    double l, w, m, tc1, tc2, ac, noisy, scale;
} ResOpts;

#define RO(f) offsetof(ResOpts, f)
static const MsParamDesc res_inst_params[] = {
    {"l", RO(l), 0, 0, "length"},   {"w", RO(w), 0, 0, "width"},
    {"m", RO(m), 1, 0, "parallel multiplier"}, {"tc1", RO(tc1), 0, 0, "temperature coefficient"},
    {"tc2", RO(tc2), 0, 0, "temperature coefficient"}, {"ac", RO(ac), NAN, 0, "small-signal value"},
    {"noisy", RO(noisy), 1, 0, "noise"}, {"scale", RO(scale), 1, 0, "scale"},
    {NULL, 0, 0, 0, NULL},
};

/* R from the model and options, for an instance without its own value. */
static int model_value(MsElab *el, const MsCard *c, const ResModel *rm, const ResOpts *o, double *r)
{
    if (rm->r > 0) {
        *r = rm->r;
        return MS_OK;
    }
    double w = (o->w > 0 ? o->w : rm->defw) - rm->narrow, l = o->l - rm->shrt;
    if (!(rm->rsh > 0 && l > 0 && w > 0))
        return ms_elab_error(el, MS_ERR_SEMANTIC, &c->tok[0],
                             "%s has no value: give one, r= on its model, or rsh= on the model with l= (and w=)",
                             c->tok[0].s);
    *r = rm->rsh * l / w;
    return MS_OK;
}

static int res_parse(MsElab *el, const MsCard *c, void *p)
{
    Resistor *r = p;
    int nodes[2], next = 3, rc;
    if ((rc = ms_parse_nodes(el, c, 2, nodes)))
        return rc;
    r->a = nodes[0];
    r->b = nodes[1];
    /* R1 a b VALUE [MODEL] [opts], or R1 a b MODEL [VALUE] [opts] */
    const MsModelDef *md = next < c->ntok && c->tok[next].kind == TK_WORD ? ms_elab_find_model(el, c->tok[next].s) : NULL;
    int has_value = !md;
    if (has_value && (rc = ms_parse_value(el, c, 3, "r", &r->r, &next)))
        return rc;
    if (!md && next < c->ntok && c->tok[next].kind == TK_WORD && !(next + 1 < c->ntok && c->tok[next + 1].kind == TK_EQ))
        md = ms_elab_find_model(el, c->tok[next].s);
    if (md) {
        if (strcmp(md->type, "r") && strcmp(md->type, "res"))
            return ms_elab_error(el, MS_ERR_SEMANTIC, &c->tok[next], "model '%s' is of type '%s', expected 'r'",
                                 md->name, md->type);
        next++;
        if (!has_value && next < c->ntok && !(next + 1 < c->ntok && c->tok[next + 1].kind == TK_EQ)) {
            has_value = 1;
            if ((rc = ms_parse_value(el, c, next, "r", &r->r, &next)))
                return rc;
        }
    }
    if (!md && !has_value)
        return ms_elab_error(el, MS_ERR_SYNTAX, &c->tok[c->ntok - 1], "%s needs a value", c->tok[0].s);
    if (!md && next >= c->ntok)
        goto check;   /* the common case: a value alone */
    ResModel rm;
    ResOpts o;
    ms_params_default(res_model_params, &rm);
    ms_params_default(res_inst_params, &o);
    if (md && (rc = ms_elab_params(el, md->card, md->first, md->last, res_model_params, &rm, NULL)))
        return rc;
    if ((rc = ms_elab_params(el, c, next, c->ntok, res_inst_params, &o, NULL)))
        return rc;
    if (!has_value && (rc = model_value(el, c, &rm, &o, &r->r)))
        return rc;
    double dt = ms_elab_temp(el) - rm.tnom;
    double tc1 = o.tc1 != 0 ? o.tc1 : rm.tc1, tc2 = o.tc2 != 0 ? o.tc2 : rm.tc2;
    if (!(o.m > 0))
        return ms_elab_error(el, MS_ERR_SEMANTIC, &c->tok[0], "%s: m= must be positive", c->tok[0].s);
    if (!(o.scale > 0))
        return ms_elab_error(el, MS_ERR_SEMANTIC, &c->tok[0], "%s: scale= must be positive", c->tok[0].s);
    double factor = (1 + tc1 * dt + tc2 * dt * dt) * o.scale / o.m;
    if (factor != 1)
        r->r *= factor;
    if (!isnan(o.ac)) {
        if (o.ac == 0)
            return ms_elab_error(el, MS_ERR_SEMANTIC, &c->tok[0], "resistor %s has zero AC resistance (ac=0)", r->h.name);
        r->ac = o.ac * factor;
    }
check:
    if (r->r == 0)
        return ms_elab_error(el, MS_ERR_SEMANTIC, &c->tok[0], "resistor %s has zero resistance", r->h.name);
    return MS_OK;
}

static int res_entries(MsSetup *s, void *insts, int n)
{
    Resistor *r = insts;
    for (int i = 0; i < n; i++)
        ms_quad_declare(s, r[i].a, r[i].b, &r[i].g);
    return MS_OK;
}

static void res_stamp(const void *insts, int n, double *G, double *C)
{
    (void)C;
    const Resistor *r = insts;
    for (int i = 0; i < n; i++)
        ms_quad_add(G, &r[i].g, 1.0 / r[i].r);
}

/* In small signal, an instance with ac= conducts 1/ac instead of 1/r. */
static void res_stamp_ac(const void *insts, int n, double *G)
{
    const Resistor *r = insts;
    for (int i = 0; i < n; i++)
        if (r[i].ac != 0)
            ms_quad_add(G, &r[i].g, 1.0 / r[i].ac - 1.0 / r[i].r);
}

static double *res_value(void *inst) { return &((Resistor *)inst)->r; }

/* i = (va - vb) / R  =>  d i / d R = -(va - vb) / R^2 */
static double res_dvalue(const void *inst, const MsEval *ev, const MsSourceEval *se, const double *wq,
                         const double *wf)
{
    (void)se, (void)wq;
    const Resistor *r = inst;
    double d = -(ev->x[r->a] - ev->x[r->b]) / (r->r * r->r);
    return d * (wf[r->a] - wf[r->b]);
}

static double res_power(const void *inst, const double *x)
{
    const Resistor *r = inst;
    double v = x[r->a] - x[r->b];
    return v * v / r->r;
}

const MsDevType ms_dev_resistor = {
    .name = "resistor", .letter = 'r', .inst_size = sizeof(Resistor),
    .parse = res_parse, .entries = res_entries, .stamp_linear = res_stamp, .stamp_ac = res_stamp_ac,
    .value_name = "r", .value_ref = res_value, .dvalue = res_dvalue, .power = res_power,
};
