/* dev_resistor.c — linear resistor: i = (va - vb) / R, stamped into G_L. */
#include "stamp.h"

typedef struct Resistor {
    MsInstHead h;
    int a, b;
    double r;
    MsQuad g;
} Resistor;

static int res_parse(MsElab *el, const MsCard *c, void *p)
{
    Resistor *r = p;
    int nodes[2], next, rc;
    if ((rc = ms_parse_nodes(el, c, 2, nodes)) || (rc = ms_parse_value(el, c, 3, "r", &r->r, &next)))
        return rc;
    r->a = nodes[0];
    r->b = nodes[1];
    if (next < c->ntok)
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, &c->tok[next], "unsupported resistor argument '%s'", c->tok[next].s);
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

const MsDevType ms_dev_resistor = {
    .name = "resistor", .letter = 'r', .inst_size = sizeof(Resistor),
    .parse = res_parse, .entries = res_entries, .stamp_linear = res_stamp,
    .value_name = "r", .value_ref = res_value, .dvalue = res_dvalue,
};
