/* dev_inductor.c — linear inductor with branch current i:
 *   KCL: f_a += i, f_b -= i;  branch: d/dt (L i) - (va - vb) = 0.
 * "ic=i0" is the initial current used with .tran ... uic. */
#include "stamp.h"

typedef struct Inductor {
    MsInstHead h;
    int a, b, k;
    double l, ic;
    int has_ic;
    int ak, bk, ka, kb, kk;
} Inductor;

static int ind_parse(MsElab *el, const MsCard *c, void *p)
{
    Inductor *d = p;
    int nodes[2], next, rc;
    if ((rc = ms_parse_nodes(el, c, 2, nodes)) || (rc = ms_parse_value(el, c, 3, "l", &d->l, &next)))
        return rc;
    d->a = nodes[0];
    d->b = nodes[1];
    return ms_parse_ic_option(el, c, next, "inductor", &d->ic, &d->has_ic);
}

static int ind_unknowns(MsSetup *s, void *insts, int n)
{
    Inductor *d = insts;
    for (int i = 0; i < n; i++)
        d[i].k = ms_setup_branch(s, d[i].h.name);
    return MS_OK;
}

static int ind_entries(MsSetup *s, void *insts, int n)
{
    Inductor *d = insts;
    for (int i = 0; i < n; i++) {
        ms_setup_entry(s, d[i].a, d[i].k, &d[i].ak);
        ms_setup_entry(s, d[i].b, d[i].k, &d[i].bk);
        ms_setup_entry(s, d[i].k, d[i].a, &d[i].ka);
        ms_setup_entry(s, d[i].k, d[i].b, &d[i].kb);
        ms_setup_entry(s, d[i].k, d[i].k, &d[i].kk);
    }
    return MS_OK;
}

static void ind_stamp(const void *insts, int n, double *G, double *C)
{
    const Inductor *d = insts;
    for (int i = 0; i < n; i++) {
        G[d[i].ak] += 1;
        G[d[i].bk] -= 1;
        G[d[i].ka] -= 1;
        G[d[i].kb] += 1;
        C[d[i].kk] += d[i].l;
    }
}

static void ind_ics(const void *insts, int n, MsIcSink *sink)
{
    const Inductor *d = insts;
    for (int i = 0; i < n; i++)
        if (d[i].has_ic)
            sink->add(sink, d[i].k, 0, d[i].ic);
}

static double *ind_value(void *inst) { return &((Inductor *)inst)->l; }

/* q_k = L i  =>  d q_k / d L = i */
static double ind_dvalue(const void *inst, const MsEval *ev, const MsSourceEval *se, const double *wq,
                         const double *wf)
{
    (void)se, (void)wf;
    const Inductor *d = inst;
    return ev->x[d->k] * wq[d->k];
}

static double ind_power(const void *inst, const double *x)
{
    const Inductor *d = inst;
    return (x[d->a] - x[d->b]) * x[d->k];
}

const MsDevType ms_dev_inductor = {
    .name = "inductor", .letter = 'l', .inst_size = sizeof(Inductor),
    .parse = ind_parse, .unknowns = ind_unknowns, .entries = ind_entries,
    .stamp_linear = ind_stamp, .initial = ind_ics,
    .value_name = "l", .value_ref = ind_value, .dvalue = ind_dvalue, .power = ind_power,
};
