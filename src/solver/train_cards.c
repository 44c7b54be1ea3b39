/* train_cards.c — see train_cards.h.  Lookups are hashed or sorted, so a
 * network with 80,000 trainable cells resolves in linear time. */
#include "train_cards.h"
#include "../devices/inductor.h"
#include "../devices/memristor_models.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_pattern(const char *s) { return strpbrk(s, "*?") != NULL; }

/* Instance names of every group, as one index g_off[g] + i. */
typedef struct InstIndex {
    MsMap map;
    int *g_off;
} InstIndex;

static void index_build(const MsCircuit *c, InstIndex *ix)
{
    ms_map_init(&ix->map);
    ix->g_off = ms_calloc((size_t)c->ngroups + 1, sizeof *ix->g_off);
    for (int g = 0; g < c->ngroups; g++) {
        ix->g_off[g + 1] = ix->g_off[g] + c->groups[g].n;
        for (int i = 0; i < c->groups[g].n; i++)
            ms_map_put(&ix->map, ((MsInstHead *)ms_group_inst(&c->groups[g], i))->name, ix->g_off[g] + i);
    }
}

static void index_find(const MsCircuit *c, const InstIndex *ix, int id, int *g, int *i)
{
    for (*g = 0; *g + 1 < c->ngroups && id >= ix->g_off[*g + 1]; (*g)++)
        ;
    *i = id - ix->g_off[*g];
}

/* A trainable .param named r ("rval" or "param:rval"), or -1. */
static int find_train_param(const MsCircuit *c, const char *name)
{
    const char *pname = !strncmp(name, "param:", 6) ? name + 6 : name;
    for (int j = 0; j < c->ntrain; j++)
        if (!strcmp(c->train[j].name, pname))
            return j;
    return -1;
}

/* Element g/i's value (k = -1) or its parameter `pname` (k >= 0). */
static int resolve_value(const MsCircuit *c, int g, int i, const char *pname, const MsVecRef *r, int *k,
                         MsError *err)
{
    const MsDevType *t = c->groups[g].type;
    MsInstHead *h = ms_group_inst(&c->groups[g], i);
    if (pname) {
        *k = t->param_index ? t->param_index(h, pname) : -1;
        if (*k < 0)
            return ms_err_at(err, MS_ERR_SEMANTIC, r->loc, "%s (%s) has no trainable parameter '%s'", h->name, t->name,
                             pname);
        return MS_OK;
    }
    *k = -1;
    if (!t->value_ref || !t->value_ref(h))
        return ms_err_at(err, MS_ERR_SEMANTIC, r->loc, "%s (%s) has no trainable value%s", h->name, t->name,
                         t->param_index ? ": name a parameter, e.g. m1:ron"
                         : t == &ms_dev_inductor ? " (a K element couples it)" : "");
    return MS_OK;
}

typedef struct ParamList {
    MsParamRef *p;
    int n;
    const MsVecRef **from;    /* the .trainable name each came from (messages) */
} ParamList;

static void push(ParamList *l, MsParamRef p, const MsVecRef *from)
{
    MS_RESERVE_NEXT(l->p, l->n);
    MS_RESERVE_NEXT(l->from, l->n);
    l->from[l->n] = from;
    l->p[l->n++] = p;
}

/* Every element whose name matches r's glob (and has its parameter). */
static int expand_pattern(const MsCircuit *c, const MsVecRef *r, double lo, double hi, ParamList *l,
                          MsError *err)
{
    const char *colon = strchr(r->name, ':');
    char *pat = colon ? ms_strndup(r->name, (size_t)(colon - r->name)) : ms_strdup(r->name);
    const char *pname = colon ? colon + 1 : NULL;
    int found = 0;
    for (int g = 0; g < c->ngroups; g++) {
        const MsDevType *t = c->groups[g].type;
        for (int i = 0; i < c->groups[g].n; i++) {
            MsInstHead *h = ms_group_inst(&c->groups[g], i);
            if (!ms_glob_match(pat, h->name))
                continue;
            int k = pname ? (t->param_index ? t->param_index(h, pname) : -1) : -1;
            if (pname ? k < 0 : !(t->value_ref && t->value_ref(h)))
                continue;   /* a pattern takes the elements that have the value */
            char *name = pname ? ms_asprintf("%s:%s", h->name, pname) : ms_strdup(h->name);
            push(l, (MsParamRef){g, i, k, -1, name, name, lo, hi, 1}, r);
            found++;
        }
    }
    free(pat);
    if (!found)
        return ms_err_at(err, MS_ERR_SEMANTIC, r->loc, ".trainable: the pattern '%s' matches no element%s", r->name,
                         pname ? " with that parameter" : " with a value");
    return MS_OK;
}

static int resolve_name(const MsCircuit *c, const InstIndex *ix, const MsVecRef *r, double lo, double hi,
                        ParamList *l, MsError *err)
{
    int j = find_train_param(c, r->name);
    if (j >= 0) {
        push(l, (MsParamRef){-1, -1, -1, j, r->name, NULL, lo, hi, 1}, r);
        return MS_OK;
    }
    const char *colon = strchr(r->name, ':');
    char *inst = colon ? ms_strndup(r->name, (size_t)(colon - r->name)) : ms_strdup(r->name);
    int id, g, i, k;
    int found = ms_map_get(&ix->map, inst, &id);
    free(inst);
    if (!found)
        return ms_err_at(err, MS_ERR_SEMANTIC, r->loc, ".trainable: no element or top-level .param named '%.*s'",
                         colon ? (int)(colon - r->name) : (int)strlen(r->name), r->name);
    index_find(c, ix, id, &g, &i);
    int rc = resolve_value(c, g, i, colon ? colon + 1 : NULL, r, &k, err);
    if (rc == MS_OK)
        push(l, (MsParamRef){g, i, k, -1, r->name, NULL, lo, hi, 1}, r);
    return rc;
}

static const ParamList *sort_list;

static int cmp_param(const void *a, const void *b)
{
    const MsParamRef *p = &sort_list->p[*(const int *)a], *q = &sort_list->p[*(const int *)b];
    int d = p->train != q->train ? (p->train > q->train) - (p->train < q->train)
          : p->group != q->group ? (p->group > q->group) - (p->group < q->group)
          : p->inst != q->inst   ? (p->inst > q->inst) - (p->inst < q->inst)
                                 : (p->k > q->k) - (p->k < q->k);
    return d ? d : (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

/* A value listed twice (by name or by two patterns) is an error. */
static int check_twice(const ParamList *l, MsError *err)
{
    int *order = ms_malloc(((size_t)l->n + 1) * sizeof *order);
    for (int i = 0; i < l->n; i++)
        order[i] = i;
    sort_list = l;   /* load time, one thread: qsort has no user pointer in C11 */
    qsort(order, (size_t)l->n, sizeof *order, cmp_param);
    int rc = MS_OK;
    for (int i = 1; i < l->n && rc == MS_OK; i++) {
        const MsParamRef *p = &l->p[order[i - 1]], *q = &l->p[order[i]];
        if (p->train == q->train && p->group == q->group && p->inst == q->inst && p->k == q->k)
            rc = ms_err_at(err, MS_ERR_SEMANTIC, l->from[order[i]]->loc, "'%s' is listed twice in .trainable", q->name);
    }
    free(order);
    return rc;
}

int ms_trainables_setup(MsCircuit *c, MsError *err)
{
    MsDeck *d = &c->deck;
    if (!d->ntrainables)
        return MS_OK;
    InstIndex ix;
    index_build(c, &ix);
    ParamList l = {0};
    int rc = MS_OK;
    for (int i = 0; i < d->ntrainables && rc == MS_OK; i++) {
        const MsVecRef *r = &d->trainables[i];
        int before = l.n;
        rc = is_pattern(r->name) ? expand_pattern(c, r, d->train_lo[i], d->train_hi[i], &l, err)
                                 : resolve_name(c, &ix, r, d->train_lo[i], d->train_hi[i], &l, err);
        for (int k = before; k < l.n; k++)
            l.p[k].scale = d->train_scale[i];
    }
    if (rc == MS_OK)
        rc = check_twice(&l, err);
    for (int k = 0; k < l.n; k++) {   /* a memristor state stays in its physical range */
        MsParamRef *p = &l.p[k];
        if (p->train < 0 && c->groups[p->group].type == &ms_dev_memristor && p->k == MP_X0) {
            MsElemInfo in;
            double lo, hi;
            ms_dev_memristor.describe(ms_group_inst(&c->groups[p->group], p->inst), &in);
            ms_mem_range(in.model, &lo, &hi);
            p->lo = fmax(p->lo, lo);
            p->hi = fmin(p->hi, hi);
        }
        if (p->train < 0 && c->groups[p->group].type == &ms_dev_mutual) {   /* a coupling factor too */
            p->lo = fmax(p->lo, ms_k_lowest(ms_group_inst(&c->groups[p->group], p->inst)));
            p->hi = fmin(p->hi, 1);
        }
    }
    c->params = l.p;
    c->nparams = l.n;
    free(l.from);
    free(ix.g_off);
    ms_map_free(&ix.map);
    return rc;
}

int ms_readout_setup(MsCircuit *c, MsError *err)
{
    const MsReadoutDef *r = c->deck.readout;
    if (!r)
        return MS_OK;
    c->readout0 = c->deck.nlosses;
    c->nreadout = r->nsignals;
    c->readout_defs = ms_calloc((size_t)r->nsignals, sizeof *c->readout_defs);
    static const MsLossKind kind[] = {MS_LOSS_INTEGRAL, MS_LOSS_INTEGRAL, MS_LOSS_VALUE, MS_LOSS_MAX};
    for (int k = 0; k < r->nsignals; k++) {
        MsLossDef *L = &c->readout_defs[k];
        *L = (MsLossDef){.kind = kind[r->reduce], .signal = r->signals[k], .at = DBL_MAX, .to = -1, .loc = r->loc};
        c->losses[c->readout0 + k].def = L;
    }
    (void)err;
    return MS_OK;
}

int ms_inputs_setup(MsCircuit *c, MsError *err)
{
    const MsDeck *d = &c->deck;
    if (!d->ninputs)
        return MS_OK;
    unsigned char *used = ms_calloc((size_t)c->nsources + 1, 1);
    int rc = MS_OK;
    for (int i = 0; i < d->ninputs && rc == MS_OK; i++) {
        const MsInputDef *in = &d->inputs[i];
        int before = c->ninputs;
        for (int s = 0; s < c->nsources && rc == MS_OK; s++) {
            int match = 0;
            for (int p = 0; p < in->npatterns && !match; p++)
                match = ms_glob_match(in->patterns[p], c->source_name[s]);
            if (!match)
                continue;
            if (used[s])
                rc = ms_err_at(err, MS_ERR_SEMANTIC, in->loc, ".input: source '%s' is named by two .input cards",
                               c->source_name[s]);
            used[s] = 1;
            MS_RESERVE_NEXT(c->inputs, c->ninputs);
            c->inputs[c->ninputs++] = (MsInputRef){s, in};
        }
        if (rc == MS_OK && c->ninputs == before)
            rc = ms_err_at(err, MS_ERR_SEMANTIC, in->loc, ".input: '%s' matches no independent source (V or I)",
                           in->patterns[0]);
    }
    free(used);
    return rc;
}
