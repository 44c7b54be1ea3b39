/* dev_capacitor.c — linear capacitor: q = C (va - vb), stamped into C_L.
 * "ic=v" is the initial voltage used with .tran ... uic. */
#include "stamp.h"

#include <string.h>

typedef struct Capacitor {
    MsInstHead h;
    int a, b;
    double c, ic;
    int has_ic;
    MsQuad s;
} Capacitor;

static int cap_parse(MsElab *el, const MsCard *c, void *p)
{
    Capacitor *k = p;
    int nodes[2], next, rc;
    if ((rc = ms_parse_nodes(el, c, 2, nodes)) || (rc = ms_parse_value(el, c, 3, "c", &k->c, &next)))
        return rc;
    k->a = nodes[0];
    k->b = nodes[1];
    return ms_parse_ic_option(el, c, next, "capacitor", &k->ic, &k->has_ic);
}

static int cap_entries(MsSetup *s, void *insts, int n)
{
    Capacitor *k = insts;
    for (int i = 0; i < n; i++)
        ms_quad_declare(s, k[i].a, k[i].b, &k[i].s);
    return MS_OK;
}

static void cap_stamp(const void *insts, int n, double *G, double *C)
{
    (void)G;
    const Capacitor *k = insts;
    for (int i = 0; i < n; i++)
        ms_quad_add(C, &k[i].s, k[i].c);
}

static void cap_ics(const void *insts, int n, MsIcSink *sink)
{
    const Capacitor *k = insts;
    for (int i = 0; i < n; i++)
        if (k[i].has_ic)
            sink->add(sink, k[i].a, k[i].b, k[i].ic);
}

static double *cap_value(void *inst) { return &((Capacitor *)inst)->c; }

/* q = C (va - vb)  =>  d q / d C = va - vb */
static double cap_dvalue(const void *inst, const MsEval *ev, const MsSourceEval *se, const double *wq,
                         const double *wf)
{
    (void)se, (void)wf;
    const Capacitor *k = inst;
    return (ev->x[k->a] - ev->x[k->b]) * (wq[k->a] - wq[k->b]);
}

static void cap_describe(const void *inst, MsElemInfo *o)
{
    const Capacitor *k = inst;
    *o = (MsElemInfo){.kind = 'c', .a = k->a, .b = k->b, .branch = -1, .value = k->c, .ic = k->ic,
                      .has_ic = k->has_ic};
}

const MsDevType ms_dev_capacitor = {
    .name = "capacitor", .letter = 'c', .inst_size = sizeof(Capacitor),
    .parse = cap_parse, .entries = cap_entries, .stamp_linear = cap_stamp, .initial = cap_ics,
    .value_name = "c", .value_ref = cap_value, .dvalue = cap_dvalue, .describe = cap_describe,
};
