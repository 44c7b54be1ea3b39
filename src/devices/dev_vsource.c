/* dev_vsource.c — independent voltage source with branch current i
 * (positive into the + terminal, as in ngspice):
 *   KCL: f_a += i, f_b -= i;  branch: va - vb - V(t) = 0. */
#include "noise_wave.h"
#include "source_parse.h"
#include "stamp.h"

typedef struct VSource {
    MsInstHead h;
    int a, b, k, id;
    MsWave w;
    int ak, bk, ka, kb;
} VSource;

static int vs_parse(MsElab *el, const MsCard *c, void *p)
{
    VSource *v = p;
    int nodes[2], rc;
    if ((rc = ms_parse_nodes(el, c, 2, nodes)))
        return rc;
    v->a = nodes[0];
    v->b = nodes[1];
    v->id = ms_elab_source_id(el, v->h.name);
    rc = ms_parse_source(el, c, 3, &v->w);
    v->w.stream = ms_noise_stream(ms_elab_seed(el), v->h.name);
    return rc ? rc : ms_source_prepare(el, c, &v->w, v->h.name);
}

static int vs_unknowns(MsSetup *s, void *insts, int n)
{
    VSource *v = insts;
    for (int i = 0; i < n; i++)
        v[i].k = ms_setup_branch(s, v[i].h.name);
    return MS_OK;
}

static int vs_entries(MsSetup *s, void *insts, int n)
{
    VSource *v = insts;
    for (int i = 0; i < n; i++) {
        ms_setup_entry(s, v[i].a, v[i].k, &v[i].ak);
        ms_setup_entry(s, v[i].b, v[i].k, &v[i].bk);
        ms_setup_entry(s, v[i].k, v[i].a, &v[i].ka);
        ms_setup_entry(s, v[i].k, v[i].b, &v[i].kb);
    }
    return MS_OK;
}

static void vs_stamp(const void *insts, int n, double *G, double *C)
{
    (void)C;
    const VSource *v = insts;
    for (int i = 0; i < n; i++) {
        G[v[i].ak] += 1;
        G[v[i].bk] -= 1;
        G[v[i].ka] += 1;
        G[v[i].kb] -= 1;
    }
}

static void vs_load(const void *insts, int n, const MsSourceEval *se, double *b)
{
    const VSource *v = insts;
    for (int i = 0; i < n; i++)
        b[v[i].k] += ms_source_value(&v[i].w, v[i].id, se);
}

static void vs_breaks(const void *insts, int n, double tstop, MsBreaks *bp)
{
    const VSource *v = insts;
    for (int i = 0; i < n; i++)
        if (!bp->override || !bp->override[v[i].id])
            ms_wave_breaks(&v[i].w, tstop, bp);
}

static void vs_free(void *insts, int n)
{
    VSource *v = insts;
    for (int i = 0; i < n; i++)
        ms_wave_free(&v[i].w);
}

static double *vs_value(void *inst) { return ms_wave_level(&((VSource *)inst)->w); }

/* branch: va - vb - V(t) = 0  =>  d f_k / d level = -dV/dlevel */
static double vs_dvalue(const void *inst, const MsEval *ev, const MsSourceEval *se, const double *wq,
                        const double *wf)
{
    (void)ev, (void)wq;
    const VSource *v = inst;
    return -ms_source_dlevel(&v->w, v->id, se) * wf[v->k];
}

static void vs_describe(const void *inst, MsElemInfo *o)
{
    const VSource *v = inst;
    *o = (MsElemInfo){.kind = 'v', .a = v->a, .b = v->b, .branch = v->k, .source_id = v->id,
                      .is_dc = v->w.kind == WF_DC, .value = ms_wave_dc(&v->w)};
}

/* absorbed: negative while the source delivers power (i(v1) flows into n+) */
static double vs_power(const void *inst, const double *x)
{
    const VSource *v = inst;
    return (x[v->a] - x[v->b]) * x[v->k];
}

const MsDevType ms_dev_vsource = {
    .name = "vsource", .letter = 'v', .inst_size = sizeof(VSource), .flags = MS_DEV_SOURCE,
    .parse = vs_parse, .unknowns = vs_unknowns, .entries = vs_entries, .stamp_linear = vs_stamp,
    .load_sources = vs_load, .breakpoints = vs_breaks, .free = vs_free,
    .value_name = "level", .value_ref = vs_value, .dvalue = vs_dvalue, .describe = vs_describe,
    .power = vs_power,
};
