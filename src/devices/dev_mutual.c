/* dev_mutual.c — coupled inductors (SPICE K):  K1 L1 L2 k,  0 < |k| <= 1,
 * or Xyce's K1 L1 L2 ... Ln k, which couples every pair of them with k.
 * The mutual inductance of a pair, M = k sqrt(Li Lj), adds to each one's
 * flux the other's current:  q_ki += M ij,  q_kj += M ii  (dots on the first
 * nodes, as in ngspice), two constant entries of C between the branch rows.
 * sqrt(Li Lj) is read once at setup, so a coupled inductor's L is not
 * trainable (the inductor stops offering it); k is: dq/dk is sqrt(Li Lj)
 * times the other inductor's current, summed over the pairs (training keeps
 * k in [ms_k_lowest, 1], solver/train_cards.c). */
#include "inductor.h"
#include "stamp.h"
#include "../netlist/number.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MS_K_MAX_INDUCTORS 64   /* one K card: 2016 pairs at most */

typedef struct Pair {
    int i, j;              /* indices into name/branch */
    double lroot;          /* sqrt(Li Lj), read at setup */
    int sij, sji;
} Pair;

typedef struct Mutual {
    MsInstHead h;
    int n;                 /* inductors */
    char **name;           /* flattened */
    int *branch;           /* their branch unknowns */
    Pair *pair;            /* n (n - 1) / 2 */
    double k;
} Mutual;

double ms_k_lowest(const void *inst)
{
    const Mutual *d = inst;
    return d->n > 2 ? -1.0 / (d->n - 1) : -1;
}

int ms_k_factor_at(const MsCard *c)
{
    int at = c->ntok >= 5 && c->tok[c->ntok - 2].kind == TK_EQ ? c->ntok - 3 : c->ntok - 1;
    return at < 3 ? 3 : at;   /* (K1 L1 L2 with no factor: ms_parse_value says so) */
}

static int mut_parse(MsElab *el, const MsCard *c, void *p)
{
    Mutual *d = p;
    const MsToken *tk = c->tok;
    int at = ms_k_factor_at(c);
    if (c->ntok > 4 && tk[c->ntok - 1].kind == TK_WORD && ms_elab_find_model(el, tk[c->ntok - 1].s))
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, &tk[c->ntok - 1],
                             "%s: a core model ('%s': Xyce's nonlinear mutual inductor) is not supported: memspice "
                             "couples inductors linearly (K1 L1 L2 k)", tk[0].s, tk[c->ntok - 1].s);
    for (int i = 3; i < at; i++)
        if (tk[i].kind != TK_WORD || ms_is_number(tk[i].s, NULL))
            return ms_elab_error(el, MS_ERR_UNSUPPORTED, &tk[i + 1], "unexpected '%s' (the coupling factor comes "
                                 "last: K1 L1 L2 k, or K1 L1 L2 L3 ... k)", tk[i + 1].s);
    for (int i = 1; i <= 2; i++)
        if (i >= at || i >= c->ntok || tk[i].kind != TK_WORD)
            return ms_elab_error(el, MS_ERR_SYNTAX, &tk[i < c->ntok ? i : c->ntok - 1],
                                 "%s needs two inductor names and a coupling factor: K1 L1 L2 k", tk[0].s);
    if (at - 1 > MS_K_MAX_INDUCTORS)
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, &tk[0], "%s couples %d inductors, more than the %d one K "
                             "card may", tk[0].s, at - 1, MS_K_MAX_INDUCTORS);
    int next, rc = ms_parse_value(el, c, at, "k", &d->k, &next);
    if (rc)
        return rc;
    const MsToken *kt = &tk[next - 1];
    if (next < c->ntok)
        return ms_elab_error(el, MS_ERR_UNSUPPORTED, &tk[next], "unexpected '%s' (the coupling factor comes last)",
                             tk[next].s);
    if (!(fabs(d->k) > 0 && fabs(d->k) <= 1))
        return ms_elab_error(el, MS_ERR_SEMANTIC, kt, "%s: coupling factor %g must satisfy 0 < |k| <= 1", tk[0].s,
                             d->k);
    d->n = at - 1;
    if (d->k < ms_k_lowest(d))   /* n inductors all coupled by k: L is indefinite below -1/(n-1) */
        return ms_elab_error(el, MS_ERR_SEMANTIC, kt, "%s: coupling factor %g couples %d inductors unphysically: with "
                             "every pair coupled by k, k >= -1/(n-1) = %g", tk[0].s, d->k, d->n, ms_k_lowest(d));
    d->name = ms_calloc((size_t)d->n, sizeof *d->name);
    for (int i = 0; i < d->n; i++) {
        d->name[i] = ms_elab_ref(el, &tk[1 + i]);
        for (int j = 0; j < i; j++)
            if (!strcmp(d->name[i], d->name[j]))
                return ms_elab_error(el, MS_ERR_SEMANTIC, &tk[1 + i], "%s couples '%s' with itself", tk[0].s,
                                     tk[1 + i].s);
    }
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
    for (int m = 0; m < n; m++) {
        Mutual *e = &d[m];
        double *l = ms_calloc((size_t)e->n, sizeof *l);
        e->branch = ms_calloc((size_t)e->n, sizeof *e->branch);
        e->pair = ms_calloc((size_t)e->n * (size_t)(e->n - 1) / 2, sizeof *e->pair);
        int rc = MS_OK, np = 0;
        for (int i = 0; i < e->n && rc == MS_OK; i++)
            rc = find_inductor(s, e, e->name[i], &l[i], &e->branch[i]);
        for (int i = 0; i < e->n && rc == MS_OK; i++)
            for (int j = i + 1; j < e->n; j++) {
                Pair *q = &e->pair[np++];
                q->i = i, q->j = j;
                q->lroot = sqrt(l[i]) * sqrt(l[j]);   /* (no overflow of the product) */
                ms_setup_entry(s, e->branch[i], e->branch[j], &q->sij);
                ms_setup_entry(s, e->branch[j], e->branch[i], &q->sji);
            }
        free(l);
        if (rc)
            return rc;
    }
    return MS_OK;
}

static int npairs(const Mutual *d) { return d->n * (d->n - 1) / 2; }

static void mut_stamp(const void *insts, int n, double *G, double *C)
{
    (void)G;
    const Mutual *d = insts;
    for (int m = 0; m < n; m++)
        for (int p = 0; p < npairs(&d[m]); p++) {
            const Pair *q = &d[m].pair[p];
            C[q->sij] += d[m].k * q->lroot;
            C[q->sji] += d[m].k * q->lroot;
        }
}

static void mut_free(void *insts, int n)
{
    Mutual *d = insts;
    for (int m = 0; m < n; m++) {
        for (int i = 0; i < d[m].n && d[m].name; i++)
            free(d[m].name[i]);
        free(d[m].name);
        free(d[m].branch);
        free(d[m].pair);
    }
}

static double *mut_value(void *inst) { return &((Mutual *)inst)->k; }

/* per pair: q_ki += k lroot ij, q_kj += k lroot ii */
static double mut_dvalue(const void *inst, const MsEval *ev, const MsSourceEval *se, const double *wq,
                         const double *wf)
{
    (void)se, (void)wf;
    const Mutual *d = inst;
    double sum = 0;
    for (int p = 0; p < npairs(d); p++) {
        const Pair *q = &d->pair[p];
        int bi = d->branch[q->i], bj = d->branch[q->j];
        sum += q->lroot * (wq[bi] * ev->x[bj] + wq[bj] * ev->x[bi]);
    }
    return sum;
}

const MsDevType ms_dev_mutual = {
    .name = "mutual inductance", .letter = 'k', .inst_size = sizeof(Mutual),
    .parse = mut_parse, .entries = mut_entries, .stamp_linear = mut_stamp, .free = mut_free,
    .value_name = "k", .value_ref = mut_value, .dvalue = mut_dvalue,
};
