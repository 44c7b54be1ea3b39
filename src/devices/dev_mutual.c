/* dev_mutual.c — coupled inductors (SPICE K):  K1 L1 L2 k,  0 < |k| <= 1.
 * The mutual inductance M = k sqrt(L1 L2) adds to each inductor's flux the
 * other's current:  q_k1 += M i2,  q_k2 += M i1  (dots on the first nodes,
 * as in ngspice), two constant entries of C between the branch rows.
 * sqrt(L1 L2) is read once at setup, so a coupled inductor's L is not
 * trainable (the inductor stops offering it); k is: dq/dk is
 * sqrt(L1 L2) times the other inductor's current (training keeps k in
 * [-1, 1], solver/train_cards.c). */
#include "inductor.h"
#include "stamp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct Mutual {
    MsInstHead h;
    char *name1, *name2;   /* the inductors, flattened */
    double k;
    double lroot;          /* sqrt(L1 L2), read at setup */
    int k1, k2;            /* branch unknowns */
    int s12, s21;
} Mutual;

static int mut_parse(MsElab *el, const MsCard *c, void *p)
{
    Mutual *d = p;
    const MsToken *tk = c->tok;
    for (int i = 1; i <= 2; i++)
        if (i >= c->ntok || tk[i].kind != TK_WORD)
            return ms_elab_error(el, MS_ERR_SYNTAX, &tk[i < c->ntok ? i : c->ntok - 1],
                                 "%s needs two inductor names and a coupling factor: K1 L1 L2 k", tk[0].s);
    if (c->ntok > 4 && tk[3].kind == TK_WORD && tk[3].s[0] == 'l')   /* Xyce: K1 L1 L2 L3 k */
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, &tk[3],
                             "%s couples more than two inductors (Xyce's form), which memspice does not support: "
                             "write one K per pair (K1a L1 L2 k, K1b L1 L3 k, K1c L2 L3 k)", tk[0].s);
    int next, rc = ms_parse_value(el, c, 3, "k", &d->k, &next);
    if (rc)
        return rc;
    const MsToken *kt = &tk[next - 1];
    if (next < c->ntok)
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, &tk[next], "unexpected '%s' (K couples two inductors)",
                             tk[next].s);
    if (!(fabs(d->k) > 0 && fabs(d->k) <= 1))
        return ms_elab_error(el, MS_ERR_SEMANTIC, kt, "%s: coupling factor %g must satisfy 0 < |k| <= 1", tk[0].s,
                             d->k);
    d->name1 = ms_elab_ref(el, &tk[1]);
    d->name2 = ms_elab_ref(el, &tk[2]);
    if (!strcmp(d->name1, d->name2))
        return ms_elab_error(el, MS_ERR_SEMANTIC, &tk[2], "%s couples '%s' with itself", tk[0].s, tk[2].s);
    return MS_OK;
}

/* The inductor named so: its inductance and branch (setup: all exist now). */
static int find_inductor(MsSetup *s, const Mutual *d, const char *name, double *l, int *branch)
{
    const MsDevType *type;
    void *inst = ms_setup_find_inst(s, name, &type);
    if (!inst)
        return ms_setup_error(s, d->h.loc, "%s: inductor '%s' not found", d->h.name, name);
    if (type != &ms_dev_inductor)
        return ms_setup_error(s, d->h.loc, "%s: '%s' is not an inductor (it is a %s)", d->h.name, name, type->name);
    *l = ms_inductor_couple(inst, branch);
    if (!(*l > 0))
        return ms_setup_error(s, d->h.loc, "%s: inductor '%s' has inductance %g; coupling needs L > 0", d->h.name,
                              name, *l);
    return MS_OK;
}

static int mut_entries(MsSetup *s, void *insts, int n)
{
    Mutual *d = insts;
    for (int i = 0; i < n; i++) {
        double l1, l2;
        int rc = find_inductor(s, &d[i], d[i].name1, &l1, &d[i].k1);
        if (rc == MS_OK)
            rc = find_inductor(s, &d[i], d[i].name2, &l2, &d[i].k2);
        if (rc)
            return rc;
        d[i].lroot = sqrt(l1) * sqrt(l2);   /* (no overflow of the product) */
        ms_setup_entry(s, d[i].k1, d[i].k2, &d[i].s12);
        ms_setup_entry(s, d[i].k2, d[i].k1, &d[i].s21);
    }
    return MS_OK;
}

static void mut_stamp(const void *insts, int n, double *G, double *C)
{
    (void)G;
    const Mutual *d = insts;
    for (int i = 0; i < n; i++) {
        double m = d[i].k * d[i].lroot;
        C[d[i].s12] += m;
        C[d[i].s21] += m;
    }
}

static void mut_free(void *insts, int n)
{
    Mutual *d = insts;
    for (int i = 0; i < n; i++) {
        free(d[i].name1);
        free(d[i].name2);
    }
}

static double *mut_value(void *inst) { return &((Mutual *)inst)->k; }

/* q_k1 += k lroot i2, q_k2 += k lroot i1 */
static double mut_dvalue(const void *inst, const MsEval *ev, const MsSourceEval *se, const double *wq,
                         const double *wf)
{
    (void)se, (void)wf;
    const Mutual *d = inst;
    return d->lroot * (wq[d->k1] * ev->x[d->k2] + wq[d->k2] * ev->x[d->k1]);
}

const MsDevType ms_dev_mutual = {
    .name = "mutual inductance", .letter = 'k', .inst_size = sizeof(Mutual),
    .parse = mut_parse, .entries = mut_entries, .stamp_linear = mut_stamp, .free = mut_free,
    .value_name = "k", .value_ref = mut_value, .dvalue = mut_dvalue,
};
