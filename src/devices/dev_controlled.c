/* dev_controlled.c — linear controlled sources (SPICE E, G, F, H):
 *   E  n+ n- nc+ nc- gain : branch k: v(n+) - v(n-) - gain (v(nc+) - v(nc-)) = 0
 *   G  n+ n- nc+ nc- gm   : f_{n+} += gm (v(nc+) - v(nc-)), f_{n-} -= ...
 *   F  n+ n- vctl gain    : f_{n+} += gain i(vctl), f_{n-} -= ...
 *   H  n+ n- vctl r       : branch k: v(n+) - v(n-) - r i(vctl) = 0
 * The four kinds share one instance layout; `kind` selects the stamp. */
#include "stamp.h"

#include <stdlib.h>
#include <string.h>

typedef struct Controlled {
    MsInstHead h;
    char kind;         /* 'e' 'g' 'f' 'h' */
    int a, b, c, d;    /* c, d: controlling nodes (E, G) */
    int k;             /* own branch (E, H) */
    int ctl;           /* controlling branch (F, H) */
    char *ctl_name;
    double gain;
    int s[6];
} Controlled;

static int ctl_parse(MsElab *el, const MsCard *c, void *p)
{
    Controlled *x = p;
    x->kind = c->tok[0].s[0];
    int voltage_ctl = x->kind == 'e' || x->kind == 'g';
    int nodes[4], rc, at = voltage_ctl ? 5 : 4;
    if ((rc = ms_parse_nodes(el, c, voltage_ctl ? 4 : 2, nodes)))
        return rc;
    x->a = nodes[0];
    x->b = nodes[1];
    if (voltage_ctl) {
        x->c = nodes[2];
        x->d = nodes[3];
    } else {
        if (c->ntok < 4 || c->tok[3].kind != TK_WORD)
            return ms_elab_error(el, MS_ERR_SYNTAX, &c->tok[c->ntok - 1], "%s needs a controlling source name",
                                 c->tok[0].s);
        x->ctl_name = ms_elab_ref(el, &c->tok[3]);
    }
    if (at < c->ntok && c->tok[at].kind == TK_WORD &&
        (ms_tok_is(&c->tok[at], "value") || ms_tok_is(&c->tok[at], "poly") || ms_tok_is(&c->tok[at], "table")))
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, &c->tok[at], "'%s' controlled sources are not supported yet",
                             c->tok[at].s);
    if (at >= c->ntok)
        return ms_elab_error(el, MS_ERR_SYNTAX, &c->tok[c->ntok - 1], "%s needs a gain value", c->tok[0].s);
    if ((rc = ms_elab_value(el, &c->tok[at], &x->gain)))
        return rc;
    if (at + 1 < c->ntok)
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, &c->tok[at + 1], "unexpected '%s'", c->tok[at + 1].s);
    return MS_OK;
}

static int ctl_unknowns(MsSetup *s, void *insts, int n)
{
    Controlled *x = insts;
    for (int i = 0; i < n; i++)
        if (x[i].kind == 'e' || x[i].kind == 'h')
            x[i].k = ms_setup_branch(s, x[i].h.name);
    return MS_OK;
}

static int ctl_entries(MsSetup *s, void *insts, int n)
{
    Controlled *x = insts;
    for (int i = 0; i < n; i++) {
        Controlled *e = &x[i];
        if (e->ctl_name) {
            e->ctl = ms_setup_find_branch(s, e->ctl_name);
            if (e->ctl < 0)
                return ms_setup_error(s, e->h.loc, "%s: controlling source '%s' not found (it must be a V, E, H or L element)",
                                      e->h.name, e->ctl_name);
        }
        int *q = e->s;
        switch (e->kind) {
        case 'g':
            ms_setup_entry(s, e->a, e->c, &q[0]);
            ms_setup_entry(s, e->a, e->d, &q[1]);
            ms_setup_entry(s, e->b, e->c, &q[2]);
            ms_setup_entry(s, e->b, e->d, &q[3]);
            break;
        case 'f':
            ms_setup_entry(s, e->a, e->ctl, &q[0]);
            ms_setup_entry(s, e->b, e->ctl, &q[1]);
            break;
        default: /* e, h: a branch like a voltage source, plus the control */
            ms_setup_entry(s, e->a, e->k, &q[0]);
            ms_setup_entry(s, e->b, e->k, &q[1]);
            ms_setup_entry(s, e->k, e->a, &q[2]);
            ms_setup_entry(s, e->k, e->b, &q[3]);
            if (e->kind == 'e') {
                ms_setup_entry(s, e->k, e->c, &q[4]);
                ms_setup_entry(s, e->k, e->d, &q[5]);
            } else {
                ms_setup_entry(s, e->k, e->ctl, &q[4]);
            }
        }
    }
    return MS_OK;
}

static void ctl_stamp(const void *insts, int n, double *G, double *C)
{
    (void)C;
    const Controlled *x = insts;
    for (int i = 0; i < n; i++) {
        const Controlled *e = &x[i];
        const int *q = e->s;
        double g = e->gain;
        switch (e->kind) {
        case 'g':
            G[q[0]] += g;
            G[q[1]] -= g;
            G[q[2]] -= g;
            G[q[3]] += g;
            break;
        case 'f':
            G[q[0]] += g;
            G[q[1]] -= g;
            break;
        default:
            G[q[0]] += 1;
            G[q[1]] -= 1;
            G[q[2]] += 1;
            G[q[3]] -= 1;
            G[q[4]] -= g;
            if (e->kind == 'e')
                G[q[5]] += g;
        }
    }
}

static void ctl_free_names(void *insts, int n)
{
    Controlled *x = insts;
    for (int i = 0; i < n; i++)
        free(x[i].ctl_name);
}

static double *ctl_value(void *inst) { return &((Controlled *)inst)->gain; }

/* every stamp is linear in the gain: d f / d gain = (stamp with gain 1) x, without the incidence */
static double ctl_dvalue(const void *inst, const MsEval *ev, const MsSourceEval *se, const double *wq,
                         const double *wf)
{
    (void)se, (void)wq;
    const Controlled *e = inst;
    const double *x = ev->x;
    switch (e->kind) {
    case 'g': return (x[e->c] - x[e->d]) * (wf[e->a] - wf[e->b]);
    case 'f': return x[e->ctl] * (wf[e->a] - wf[e->b]);
    case 'e': return -(x[e->c] - x[e->d]) * wf[e->k];
    default: return -x[e->ctl] * wf[e->k];
    }
}

/* linear E and F only: the kinds the batched training engine compiles */
static void ctl_describe(const void *inst, MsElemInfo *o)
{
    const Controlled *e = inst;
    *o = (MsElemInfo){.kind = e->kind == 'e' || e->kind == 'f' ? e->kind : '?', .a = e->a, .b = e->b,
                      .branch = e->kind == 'e' || e->kind == 'h' ? e->k : -1, .c = e->kind == 'f' ? e->ctl : e->c,
                      .d = e->d, .value = e->gain};
}

/* the current from n+ through the element to n- (f_a += i) */
static double ctl_power(const void *inst, const double *x)
{
    const Controlled *e = inst;
    double i = e->kind == 'g' ? e->gain * (x[e->c] - x[e->d]) : e->kind == 'f' ? e->gain * x[e->ctl] : x[e->k];
    return (x[e->a] - x[e->b]) * i;
}

#define CONTROLLED(var, nm, ch)                                                                  \
    const MsDevType var = {                                                                     \
        .name = nm, .letter = ch, .inst_size = sizeof(Controlled), .parse = ctl_parse,          \
        .unknowns = ctl_unknowns, .entries = ctl_entries, .stamp_linear = ctl_stamp,            \
        .free = ctl_free_names, .value_name = "gain", .value_ref = ctl_value,                   \
        .dvalue = ctl_dvalue, .describe = ctl_describe, .power = ctl_power,                     \
    }
CONTROLLED(ms_dev_vcvs, "vcvs", 'e');
CONTROLLED(ms_dev_vccs, "vccs", 'g');
CONTROLLED(ms_dev_cccs, "cccs", 'f');
CONTROLLED(ms_dev_ccvs, "ccvs", 'h');
