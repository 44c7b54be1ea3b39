/* dev_isource.c — independent current source: I(t) flows from the + node
 * through the source to the - node:  f_a += I, f_b -= I  (so b_a -= I). */
#include "noise_wave.h"
#include "source_parse.h"
#include "stamp.h"

typedef struct ISource {
    MsInstHead h;
    int a, b, id;
    MsWave w;
} ISource;

static int is_parse(MsElab *el, const MsCard *c, void *p)
{
    ISource *s = p;
    int nodes[2], rc;
    if ((rc = ms_parse_nodes(el, c, 2, nodes)))
        return rc;
    s->a = nodes[0];
    s->b = nodes[1];
    s->id = ms_elab_source_id(el, s->h.name);
    rc = ms_parse_source(el, c, 3, &s->w);
    s->w.stream = ms_noise_stream(ms_elab_seed(el), s->h.name);
    return rc ? rc : ms_source_prepare(el, c, &s->w, s->h.name);
}

static void is_load(const void *insts, int n, const MsSourceEval *se, double *b)
{
    const ISource *s = insts;
    for (int i = 0; i < n; i++) {
        double val = ms_source_value(&s[i].w, s[i].id, se);
        b[s[i].a] -= val;
        b[s[i].b] += val;
    }
}

static void is_breaks(const void *insts, int n, double tstop, MsBreaks *bp)
{
    const ISource *s = insts;
    for (int i = 0; i < n; i++)
        if (!bp->override || !bp->override[s[i].id])
            ms_wave_breaks(&s[i].w, tstop, bp);
}

static void is_free(void *insts, int n)
{
    ISource *s = insts;
    for (int i = 0; i < n; i++)
        ms_wave_free(&s[i].w);
}

static double *is_value(void *inst) { return ms_wave_level(&((ISource *)inst)->w); }

static double is_dvalue(const void *inst, const MsEval *ev, const MsSourceEval *se, const double *wq,
                        const double *wf)
{
    (void)ev, (void)wq;
    const ISource *s = inst;
    return ms_source_dlevel(&s->w, s->id, se) * (wf[s->a] - wf[s->b]);
}

const MsDevType ms_dev_isource = {
    .name = "isource", .letter = 'i', .inst_size = sizeof(ISource), .flags = MS_DEV_SOURCE,
    .parse = is_parse, .load_sources = is_load, .breakpoints = is_breaks, .free = is_free,
    .value_name = "level", .value_ref = is_value, .dvalue = is_dvalue,
};
