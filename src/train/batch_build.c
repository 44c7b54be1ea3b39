/* batch_build.c — compile a network netlist for the batched engine: every
 * element is described (MsDevType.describe) and given its role; anything
 * outside the form of batch_net.h is refused with the element's name. */
#include "batch_internal.h"
#include "../util/limits.h"
#include "../util/util.h"

#include <cblas.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct Elem {
    MsElemInfo in;
    const char *name;
    int group, inst;
} Elem;

/* Node roles */
enum { N_NONE, N_ROW, N_COL, N_MEM, N_REV };

typedef struct Build {
    const MsCircuit *c;
    Elem *el;
    int nel;
    int *drv;                 /* per node: the element fixing its voltage (V, E, B with - at ground), -1 */
    int *role, *col_of, *neuron_of;
    int ncols, nneurons;
    int *mem_node;            /* per neuron */
    int *depth;               /* per neuron */
    int *col_node, *col_branch, *col_layer;
    int direct;               /* "direct" columns: the cells' column nodes are the membranes */
    int ntaps, *tap_col, *tap_neur;   /* column -> neuron couplings (F mirrors; direct: the column) */
    double *tap_gain;
    int *lcol, *lrow;         /* per column / per row node: its number within its layer */
    int *input_of_source;     /* per independent source: its .input number, -1 */
    MsError *err;
} Build;

/* The .input number of independent source `id`, -1 if it is none. */
static int input_of(const Build *b, int id)
{
    return id >= 0 && id < b->c->nsources ? b->input_of_source[id] : -1;
}

static int refuse(Build *b, const char *fmt, const char *name)
{
    return ms_err(b->err, MS_ERR_UNSUPPORTED, "%s: not a layered network the batched engine compiles: %s (%s)",
                  b->c->deck.src.files[0], fmt, name);
}

static int collect(Build *b)
{
    const MsCircuit *c = b->c;
    b->input_of_source = ms_malloc(((size_t)c->nsources + 1) * sizeof *b->input_of_source);
    for (int i = 0; i < c->nsources; i++)
        b->input_of_source[i] = -1;
    for (int i = c->ninputs - 1; i >= 0; i--)   /* (the first input of a source, as a search would find) */
        b->input_of_source[c->inputs[i].src] = i;
    for (int g = 0; g < c->ngroups; g++) {
        const MsDevGroup *grp = &c->groups[g];
        for (int i = 0; i < grp->n; i++) {
            const MsInstHead *h = ms_group_inst(grp, i);
            MS_RESERVE_NEXT(b->el, b->nel);
            Elem *e = &b->el[b->nel++];
            e->name = h->name;
            e->group = g, e->inst = i;
            if (!grp->type->describe)
                return refuse(b, "an element of a kind it does not know", h->name);
            grp->type->describe(h, &e->in);
            if (e->in.kind == '?')
                return refuse(b, "an element of a kind it does not know", h->name);
        }
    }
    return MS_OK;
}

static int drivers(Build *b)
{
    int n1 = b->c->n + 1;
    b->drv = ms_malloc((size_t)n1 * sizeof *b->drv);
    for (int i = 0; i < n1; i++)
        b->drv[i] = -1;
    for (int k = 0; k < b->nel; k++) {
        const MsElemInfo *in = &b->el[k].in;
        if (in->kind != 'v' && in->kind != 'e' && in->kind != 'b')
            continue;
        if (in->b != 0 || in->a == 0)
            return refuse(b, "a voltage source or buffer whose - terminal is not ground", b->el[k].name);
        if (b->drv[in->a] >= 0)
            return refuse(b, "two sources fix one node", b->el[k].name);
        b->drv[in->a] = k;
        if (in->kind == 'v' && !in->is_dc && input_of(b, in->source_id) < 0)
            return refuse(b, "a source with a waveform (only .input sources may change in time)", b->el[k].name);
    }
    return MS_OK;
}

static int is_const_source(const Build *b, int node, double *level)
{
    int k = b->drv[node];
    if (k < 0 || b->el[k].in.kind != 'v' || !b->el[k].in.is_dc || input_of(b, b->el[k].in.source_id) >= 0)
        return 0;
    *level = b->el[k].in.value;
    return 1;
}

/* Direct columns (tools/mknet --columns direct): the network has no current
 * mirrors and its cells' - nodes are free nodes, the membranes themselves;
 * each is a column and a neuron at once. */
static int direct_columns(Build *b)
{
    int mirrors = 0, free_col = 0, held_col = 0;
    for (int k = 0; k < b->nel; k++) {
        const MsElemInfo *in = &b->el[k].in;
        mirrors += in->kind == 'f';
        if (in->kind == 'y' && in->model->level == 3 && in->b != 0) {
            free_col += b->drv[in->b] < 0;
            held_col += b->drv[in->b] >= 0;
        }
    }
    if (mirrors || !free_col)
        return MS_OK;
    b->direct = 1;
    for (int k = 0; k < b->nel; k++) {
        const MsElemInfo *in = &b->el[k].in;
        if (in->kind != 'y' || in->model->level != 3)
            continue;
        if (in->b == 0 || b->drv[in->b] >= 0)
            return refuse(b, "a crossbar cell whose column is not a membrane, in a network with direct columns",
                          b->el[k].name);
        if (b->col_of[in->b] < 0) {
            MS_RESERVE_NEXT(b->col_node, b->ncols);
            MS_RESERVE_NEXT(b->mem_node, b->nneurons);
            b->col_node[b->ncols] = in->b;
            b->col_of[in->b] = b->ncols++;
            b->mem_node[b->nneurons] = in->b;
            b->neuron_of[in->b] = b->nneurons++;
            b->role[in->b] = N_MEM;
        }
    }
    (void)held_col;
    return MS_OK;
}

/* Columns (cells' - nodes, held at 0 V) and membranes (F outputs). */
static int roles(Build *b)
{
    int n1 = b->c->n + 1;
    b->role = ms_calloc((size_t)n1, sizeof *b->role);
    b->col_of = ms_malloc((size_t)n1 * sizeof *b->col_of);
    b->neuron_of = ms_malloc((size_t)n1 * sizeof *b->neuron_of);
    for (int i = 0; i < n1; i++)
        b->col_of[i] = b->neuron_of[i] = -1;
    int rc = direct_columns(b);
    if (rc)
        return rc;
    for (int k = 0; k < b->nel; k++) {
        const MsElemInfo *in = &b->el[k].in;
        double level;
        if (in->kind == 'y' && in->model->level == 3 && b->direct) {
            if (in->a == 0 || (b->drv[in->a] < 0 && b->neuron_of[in->a] < 0))
                return refuse(b, "a crossbar cell whose row is neither driven by a source or a buffer nor a "
                                 "membrane", b->el[k].name);
            if (b->neuron_of[in->a] < 0)
                b->role[in->a] = N_ROW;
        } else if (in->kind == 'y' && in->model->level == 3) {
            if (!is_const_source(b, in->b, &level) || level != 0)
                return refuse(b, "a crossbar cell whose column is not held at 0 V by a DC source", b->el[k].name);
            if (b->col_of[in->b] < 0) {
                MS_RESERVE_NEXT(b->col_node, b->ncols);
                b->col_node[b->ncols] = in->b;
                b->col_of[in->b] = b->ncols++;
                b->role[in->b] = N_COL;
            }
            if (in->a == 0 || b->drv[in->a] < 0)
                return refuse(b, "a crossbar cell whose row is not driven by a source or a buffer", b->el[k].name);
            b->role[in->a] = N_ROW;
        } else if (in->kind == 'f') {
            if (b->direct)
                return refuse(b, "a current mirror in a network with direct columns", b->el[k].name);
            int mem = in->a == 0 ? in->b : in->b == 0 ? in->a : -1;
            if (mem <= 0 || b->drv[mem] >= 0)
                return refuse(b, "a current mirror not from ground into a free node", b->el[k].name);
            if (b->neuron_of[mem] < 0) {
                MS_RESERVE_NEXT(b->mem_node, b->nneurons);
                b->mem_node[b->nneurons] = mem;
                b->neuron_of[mem] = b->nneurons++;
                b->role[mem] = N_MEM;
            }
        } else if (in->kind == 'y' && in->model->level != 5) {
            return refuse(b, "a memristor that is neither a level-3 crossbar cell nor a level-5 neuron branch",
                          b->el[k].name);
        }
    }
    b->col_branch = ms_malloc(((size_t)b->ncols + 1) * sizeof *b->col_branch);
    for (int j = 0; j < b->ncols; j++)
        b->col_branch[j] = b->direct ? -1 : b->el[b->drv[b->col_node[j]]].in.branch;
    if (!b->ncols || !b->nneurons)
        return ms_err(b->err, MS_ERR_UNSUPPORTED, "%s: no crossbar columns mirrored into neurons",
                      b->c->deck.src.files[0]);
    return MS_OK;
}

/* Every terminal must belong to its node's role: nothing else loads a row,
 * a column, a membrane or a branch's return node. */
static int check_connections(Build *b, MsBatchNet *bn)
{
    for (int k = 0; k < b->nel; k++) {
        const MsElemInfo *in = &b->el[k].in;
        const int t[2] = {in->a, in->b};
        for (int s = 0; s < 2; s++) {
            int node = t[s];
            if (node == 0)
                continue;
            int ok;
            switch (in->kind) {
            case 'v': case 'e': case 'b':
                ok = s == 0;
                break;
            case 'f':
                ok = b->role[node] == N_MEM;
                break;
            case 'c':
                ok = b->role[node] == N_MEM && in->a * in->b == 0;
                break;
            default:   /* memristors */
                ok = in->model->level == 3 && b->direct
                         ? (s == 0 ? b->role[node] == N_ROW || b->role[node] == N_MEM : b->role[node] == N_MEM)
                     : in->model->level == 3 ? (s == 0 ? b->role[node] == N_ROW : b->role[node] == N_COL)
                                           : (s == 0 ? b->role[node] == N_MEM : b->role[node] == N_REV ||
                                                                                    b->role[node] == N_NONE);
                if (ok && in->model->level == 5 && s == 1) {
                    double level;
                    if (!is_const_source(b, node, &level))
                        return refuse(b, "a neuron branch that does not return to a DC source", b->el[k].name);
                    b->role[node] = N_REV;
                }
            }
            if (!ok)
                return refuse(b, "an element outside the rows, columns and neurons of a crossbar network",
                              b->el[k].name);
        }
    }
    (void)bn;
    return MS_OK;
}

/* Neurons: capacitor and branches per membrane. */
static int neurons(Build *b, MsBatchNet *bn)
{
    bn->nneurons = b->nneurons;
    bn->neurons = ms_calloc((size_t)b->nneurons, sizeof *bn->neurons);
    int *ncap = ms_calloc((size_t)b->nneurons, sizeof *ncap);
    int rc = MS_OK;
    for (int k = 0; k < b->nel && rc == MS_OK; k++) {
        const MsElemInfo *in = &b->el[k].in;
        if (in->kind == 'c') {
            int mem = in->a ? in->a : in->b, j = b->neuron_of[mem];
            bn->neurons[j].cm = in->value;
            bn->neurons[j].cparam = -1;
            bn->neurons[j].cgroup = b->el[k].group, bn->neurons[j].cinst = b->el[k].inst;
            bn->neurons[j].v0 = in->has_ic ? (in->a ? in->ic : -in->ic) : 0;
            ncap[j]++;
        } else if (in->kind == 'y' && in->model->level == 5) {
            int j = b->neuron_of[in->a];
            BatchNeuron *nr = &bn->neurons[j];
            if (nr->nbr == MS_BATCH_MAX_BRANCH)
                rc = refuse(b, "a neuron with too many memristive branches", b->el[k].name);
            else if (in->fault)
                rc = refuse(b, "a stuck neuron memristor", b->el[k].name);
            else {
                double level = 0;
                is_const_source(b, in->b, &level);
                nr->e[nr->nbr] = level;
                nr->m[nr->nbr++] = in->model;
            }
        }
    }
    for (int j = 0; j < b->nneurons && rc == MS_OK; j++) {
        bn->neurons[j].name = b->c->unk_name[b->mem_node[j]];
        if (ncap[j] != 1 || bn->neurons[j].nbr == 0 || !(bn->neurons[j].cm > 0))
            rc = refuse(b, "a membrane without exactly one capacitor to ground and a memristive branch",
                        b->c->unk_name[b->mem_node[j]]);
        if (bn->zw < 1 + bn->neurons[j].nbr)
            bn->zw = 1 + bn->neurons[j].nbr;
    }
    free(ncap);
    return rc;
}

/* The row a cell's + node is: input feature, constant, or buffer. */
static int row_of(Build *b, int node, BatchRow *r)
{
    if (b->direct && b->drv[node] < 0) {   /* a membrane: its cells load it */
        *r = (BatchRow){ROW_MEMBRANE, b->neuron_of[node], 1, NULL};
        return MS_OK;
    }
    const Elem *e = &b->el[b->drv[node]];
    const MsElemInfo *in = &e->in;
    if (in->kind == 'v') {
        int i = input_of(b, in->source_id);
        *r = i >= 0 ? (BatchRow){ROW_INPUT, i, 1, NULL} : (BatchRow){ROW_CONST, -1, in->value, NULL};
        return MS_OK;
    }
    int ctl = in->c, j;
    if (in->kind == 'e' && in->d != 0)
        return refuse(b, "a buffer not controlled against ground", e->name);
    if (b->direct && in->kind == 'b')
        return refuse(b, "an expression buffer in a network with direct columns", e->name);
    if (b->direct && in->kind == 'e' && in->c > 0 && b->drv[in->c] >= 0 && b->el[b->drv[in->c]].in.kind == 'v') {
        /* a scaled copy of a source row (mknet's inverted rows, gain -1) */
        int rc = row_of(b, in->c, r);
        r->value *= in->value;
        return rc;
    }
    if (in->kind == 'b') {
        const MsTape *t = in->tape;
        if (t->nvars != 1 || t->vars[0].param >= 0 || t->uses_time || t->vars[0].unk <= 0)
            return refuse(b, "a buffer expression that is not a function of one membrane voltage", e->name);
        ctl = t->vars[0].unk;
    }
    j = b->neuron_of[ctl];
    if (j < 0)
        return refuse(b, "a buffer that does not read a neuron membrane", e->name);
    *r = (BatchRow){ROW_BUFFER, j, in->kind == 'e' ? in->value : 0, in->kind == 'b' ? in->tape : NULL};
    return MS_OK;
}

/* depth of a neuron: 1 + the deepest neuron its rows read (inputs: 0).
 * Each round takes, per column, the deepest row of its cells, then raises
 * the neurons its taps feed. */
static int depths(Build *b)
{
    b->depth = ms_calloc((size_t)b->nneurons, sizeof *b->depth);
    int *col_depth = ms_malloc(((size_t)b->ncols + 1) * sizeof *col_depth);
    int changed = 1, rounds = 0;
    for (int j = 0; j < b->nneurons; j++)
        b->depth[j] = 1;
    while (changed && rounds++ <= b->nneurons + 1) {
        changed = 0;
        for (int c = 0; c < b->ncols; c++)
            col_depth[c] = -1;
        for (int k = 0; k < b->nel; k++) {
            const MsElemInfo *in = &b->el[k].in;
            if (in->kind != 'y' || in->model->level != 3)
                continue;
            BatchRow r;
            if (row_of(b, in->a, &r)) {
                free(col_depth);
                return MS_ERR_UNSUPPORTED;
            }
            int d = r.kind == ROW_BUFFER || r.kind == ROW_MEMBRANE ? b->depth[r.ref] : 0, col = b->col_of[in->b];
            if (col >= 0 && d > col_depth[col])
                col_depth[col] = d;
        }
        for (int t = 0; t < b->ntaps; t++) {
            int d = col_depth[b->tap_col[t]];
            if (d >= 0 && b->depth[b->tap_neur[t]] < d + 1) {
                b->depth[b->tap_neur[t]] = d + 1;
                changed = 1;
            }
        }
    }
    free(col_depth);
    if (changed)
        return ms_err(b->err, MS_ERR_UNSUPPORTED, "%s: the network has a loop (a neuron feeds itself)",
                      b->c->deck.src.files[0]);
    return MS_OK;
}

static int cmp_int(const void *x, const void *y) { return (*(const int *)x > *(const int *)y) - (*(const int *)x < *(const int *)y); }

static void add_tap(Build *b, int col, int neuron, double gain)
{
    MS_RESERVE_NEXT(b->tap_col, b->ntaps);
    MS_RESERVE_NEXT(b->tap_neur, b->ntaps);
    MS_RESERVE_NEXT(b->tap_gain, b->ntaps);
    b->tap_col[b->ntaps] = col;
    b->tap_neur[b->ntaps] = neuron;
    b->tap_gain[b->ntaps++] = gain;
}

/* The couplings of columns into neurons: each F mirror, and on direct columns the column itself. */
static int taps(Build *b)
{
    for (int k = 0; k < b->nel; k++) {
        const MsElemInfo *in = &b->el[k].in;
        if (in->kind != 'f')
            continue;
        int col = -1;
        for (int j = 0; j < b->ncols; j++)
            if (b->col_branch[j] == in->c)
                col = j;
        if (col < 0)
            return refuse(b, "a current mirror that does not read a crossbar column", b->el[k].name);
        /* F from a to b through itself: it takes gain * i out of a and into b */
        add_tap(b, col, b->neuron_of[in->a ? in->a : in->b], in->a == 0 ? in->value : -in->value);
    }
    for (int j = 0; b->direct && j < b->ncols; j++)   /* a direct column is its neuron's membrane */
        add_tap(b, j, b->neuron_of[b->col_node[j]], 1);
    return MS_OK;
}

/* One layer per depth, its neurons numbered consecutively (by depth, then as found). */
static void order_by_depth(Build *b, MsBatchNet *bn)
{
    int n = b->nneurons, maxd = 0, m = 0;
    for (int j = 0; j < n; j++)
        maxd = b->depth[j] > maxd ? b->depth[j] : maxd;
    int *newidx = ms_malloc(((size_t)n + 1) * sizeof *newidx);
    bn->nlayers = maxd;
    bn->layers = ms_calloc((size_t)maxd + 1, sizeof *bn->layers);
    for (int d = 1; d <= maxd; d++) {
        BatchLayer *L = &bn->layers[d - 1];
        L->n0 = m;
        for (int j = 0; j < n; j++)
            if (b->depth[j] == d)
                newidx[j] = m++;
        L->nn = m - L->n0;
    }
    BatchNeuron *nr = ms_malloc(((size_t)n + 1) * sizeof *nr);
    int *mem = ms_malloc(((size_t)n + 1) * sizeof *mem), *dep = ms_malloc(((size_t)n + 1) * sizeof *dep);
    for (int j = 0; j < n; j++) {
        nr[newidx[j]] = bn->neurons[j];
        mem[newidx[j]] = b->mem_node[j];
        dep[newidx[j]] = b->depth[j];
    }
    memcpy(bn->neurons, nr, (size_t)n * sizeof *nr);
    memcpy(b->mem_node, mem, (size_t)n * sizeof *mem);
    memcpy(b->depth, dep, (size_t)n * sizeof *dep);
    for (int j = 0; j < n; j++)
        b->neuron_of[b->mem_node[j]] = j;
    for (int t = 0; t < b->ntaps; t++)
        b->tap_neur[t] = newidx[b->tap_neur[t]];
    free(nr), free(mem), free(dep), free(newidx);
}

/* Each column's layer: the depth of the neurons it feeds (one depth each). */
static int column_layers(Build *b)
{
    b->col_layer = ms_malloc(((size_t)b->ncols + 1) * sizeof *b->col_layer);
    for (int j = 0; j < b->ncols; j++)
        b->col_layer[j] = -1;
    for (int t = 0; t < b->ntaps; t++) {
        int d = b->depth[b->tap_neur[t]] - 1, col = b->tap_col[t];
        if (b->col_layer[col] >= 0 && b->col_layer[col] != d)
            return refuse(b, "a column mirrored into neurons of two layers", b->c->unk_name[b->col_node[col]]);
        b->col_layer[col] = d;
    }
    for (int j = 0; j < b->ncols; j++)
        if (b->col_layer[j] < 0)
            return refuse(b, "a column that feeds no neuron", b->c->unk_name[b->col_node[j]]);
    return MS_OK;
}

/* The crossbar cells of layer d (level 3 memristors whose column is in it). */
static int in_layer(const Build *b, const MsElemInfo *in, int d)
{
    return in->kind == 'y' && in->model->level == 3 && b->col_layer[b->col_of[in->b]] == d;
}

/* Layer d's columns and rows (numbered within the layer) and what drives each row. */
static int layer_rows(Build *b, BatchLayer *L, int d)
{
    const MsCircuit *c = b->c;
    for (int j = 0; j < b->ncols; j++)
        if (b->col_layer[j] == d)
            b->lcol[j] = L->ncols++;
    int *rows = NULL, n = 0, rc = MS_OK;
    for (int k = 0; k < b->nel; k++)
        if (in_layer(b, &b->el[k].in, d)) {
            MS_RESERVE_NEXT(rows, n);
            rows[n++] = b->el[k].in.a;
        }
    qsort(rows, (size_t)n, sizeof *rows, cmp_int);
    for (int i = 0; i < n; i++)
        if (i == 0 || rows[i] != rows[i - 1]) {
            b->lrow[rows[i]] = L->nrows;
            rows[L->nrows++] = rows[i];
        }
    L->rows = ms_calloc((size_t)L->nrows + 1, sizeof *L->rows);
    for (int r = 0; r < L->nrows && rc == MS_OK; r++) {
        rc = row_of(b, rows[r], &L->rows[r]);   /* neuron_of holds the new numbers by now */
        if (L->rows[r].kind == ROW_BUFFER || L->rows[r].kind == ROW_MEMBRANE)
            L->dynamic = L->coupled = 1;
        if (L->rows[r].kind == ROW_INPUT && c->inputs[L->rows[r].ref].def->encoding != MS_ENC_ANALOG)
            L->dynamic = 1;
    }
    free(rows);
    L->tape_batch = 1;   /* the rows' buffer tapes run as one batch if they are one code */
    const MsTape *t0 = NULL;
    for (int r = 0; r < L->nrows; r++)
        if (L->rows[r].tape) {
            if (!t0)
                t0 = L->rows[r].tape;
            if (!ms_tape_batchable(L->rows[r].tape) || !ms_tape_same_code(t0, L->rows[r].tape))
                L->tape_batch = 0;
        }
    return rc;
}

/* Layer d's cells (one model parameter set a layer) and its column -> neuron taps. */
static int layer_cells(Build *b, BatchLayer *L, int d)
{
    L->X = ms_calloc((size_t)L->nrows * (size_t)L->ncols + 1, sizeof *L->X);
    L->cell = ms_calloc((size_t)L->nrows * (size_t)L->ncols + 1, sizeof *L->cell);
    L->param = ms_malloc(((size_t)L->nrows * (size_t)L->ncols + 1) * sizeof *L->param);
    for (int i = 0; i < L->nrows * L->ncols; i++)
        L->param[i] = -1;
    const MsMemModel *first = NULL;
    for (int k = 0; k < b->nel; k++) {
        const MsElemInfo *in = &b->el[k].in;
        if (!in_layer(b, in, d))
            continue;
        const double *p = in->model->par;
        if (!first) {
            first = in->model;
            L->a1 = p[MP_A1], L->a2 = p[MP_A2], L->b = p[MP_B], L->vp = p[MP_VP], L->vn = p[MP_VN];
        }
        if (p[MP_A1] != L->a1 || p[MP_A2] != L->a2 || p[MP_B] != L->b || p[MP_VP] != L->vp || p[MP_VN] != L->vn)
            return refuse(b, "cells of one layer with different a1, a2, b, vp or vn", b->el[k].name);
        /* direct: a x sinh(b (v_r - v_c)) splits into sinh/cosh products only with one a */
        if (b->direct && p[MP_A1] != p[MP_A2])
            return refuse(b, "a cell with a1 != a2 on a direct column (its current must be a x sinh(b v) for "
                             "both signs of v)", b->el[k].name);
        size_t at = (size_t)b->lrow[in->a] * (size_t)L->ncols + (size_t)b->lcol[b->col_of[in->b]];
        if (L->cell[at])
            return refuse(b, "two cells between one row and one column", b->el[k].name);
        L->cell[at] = in->model;
    }
    L->full = 1;   /* every row has a cell in every column */
    for (int i = 0; i < L->nrows * L->ncols; i++)
        L->full &= L->cell[i] != NULL;
    for (int t = 0; t < b->ntaps; t++)
        if (b->col_layer[b->tap_col[t]] == d) {
            MS_RESERVE_NEXT(L->tap_col, L->ntaps);
            MS_RESERVE_NEXT(L->tap_neuron, L->ntaps);
            MS_RESERVE_NEXT(L->tap_gain, L->ntaps);
            L->tap_col[L->ntaps] = b->lcol[b->tap_col[t]];
            L->tap_neuron[L->ntaps] = b->tap_neur[t] - L->n0;
            L->tap_gain[L->ntaps++] = b->tap_gain[t];
        }
    return MS_OK;
}

/* Trainable values: the cells' x0 and the membrane capacitances, nothing else. */
static int trainable_values(Build *b, MsBatchNet *bn)
{
    const MsCircuit *c = b->c;
    for (int k = 0; k < c->nparams; k++) {
        const MsParamRef *p = &c->params[k];
        int found = 0;
        if (p->train < 0 && c->groups[p->group].type == &ms_dev_capacitor && p->k < 0) {
            MsElemInfo in;
            ms_dev_capacitor.describe(ms_group_inst(&c->groups[p->group], p->inst), &in);
            if (b->direct)   /* batch_direct.c has no dL/dC term */
                return refuse(b, "a trainable membrane capacitance on direct columns (train it with --engine "
                                 "per-sample)", p->name);
            bn->neurons[b->neuron_of[in.a ? in.a : in.b]].cparam = k;   /* every capacitor is a membrane's */
            found = 1;
        }
        if (p->train < 0 && c->groups[p->group].type == &ms_dev_memristor && p->k == MP_X0) {
            MsElemInfo in;
            ms_dev_memristor.describe(ms_group_inst(&c->groups[p->group], p->inst), &in);
            if (in.model->level == 3) {
                BatchLayer *L = &bn->layers[b->col_layer[b->col_of[in.b]]];
                L->param[(size_t)b->lrow[in.a] * (size_t)L->ncols + (size_t)b->lcol[b->col_of[in.b]]] = k;
                found = 1;
            }
        }
        if (!found)
            return refuse(b, "a trainable value that is not a crossbar cell's x0 or a membrane capacitance", p->name);
    }
    return MS_OK;
}

/* Layers: neurons of one depth, the columns coupled into them, the rows of those columns' cells. */
static int layers(Build *b, MsBatchNet *bn)
{
    int rc = taps(b);
    if (rc == MS_OK)
        rc = depths(b);
    if (rc)   /* a loop: no depths, so nothing below could be numbered */
        return rc;
    order_by_depth(b, bn);
    rc = column_layers(b);
    b->lcol = ms_malloc(((size_t)b->ncols + 1) * sizeof *b->lcol);
    b->lrow = ms_malloc(((size_t)b->c->n + 1) * sizeof *b->lrow);
    for (int d = 0; d < bn->nlayers && rc == MS_OK; d++) {
        BatchLayer *L = &bn->layers[d];
        rc = layer_rows(b, L, d);
        if (rc == MS_OK)
            rc = layer_cells(b, L, d);
        bn->maxrows = L->nrows > bn->maxrows ? L->nrows : bn->maxrows;
        bn->maxcols = L->ncols > bn->maxcols ? L->ncols : bn->maxcols;
    }
    return rc == MS_OK ? trainable_values(b, bn) : rc;
}

static int readout_and_time(Build *b, MsBatchNet *bn)
{
    const MsCircuit *c = b->c;
    const MsNet *net = bn->net;
    if (!c->tran.uic)
        return ms_err(b->err, MS_ERR_UNSUPPORTED, "%s: the batched engine starts from uic (.tran ... uic)",
                      c->deck.src.files[0]);
    if (c->nics)
        return ms_err(b->err, MS_ERR_UNSUPPORTED, "%s: .ic cards (the batched engine starts from ic= values)",
                      c->deck.src.files[0]);
    bn->readout = ms_malloc((size_t)net->nclass * sizeof *bn->readout);
    for (int k = 0; k < net->nclass; k++) {
        const MsSave *s = &c->losses[c->readout0 + k].sig;
        int j = s->kind == MS_VEC_VOLTAGE && s->b == 0 ? b->neuron_of[s->a] : -1;
        if (j < 0)
            return refuse(b, "a .readout signal that is not a neuron's membrane voltage", s->name);
        bn->readout[k] = j;
    }
    int N = bn->N = net->nsteps, timed = 0;
    double h = c->tran.tstep, T = c->tran.tstop;
    for (int i = 0; i < c->ninputs; i++)
        timed |= c->inputs[i].def->encoding != MS_ENC_ANALOG;
    bn->t = ms_calloc((size_t)N + 1, sizeof *bn->t);
    bn->h = ms_calloc((size_t)N + 1, sizeof *bn->h);
    bn->be = ms_calloc((size_t)N + 1, 1);
    bn->w = ms_calloc((size_t)N + 1, sizeof *bn->w);
    for (int k = 1; k <= N; k++) {   /* as the fixed-step transient (tran.c run_fixed) */
        bn->t[k] = k == N ? T : (double)k * h;
        bn->h[k] = k == N ? bn->t[k] - (double)(k - 1) * h : h;
        bn->be[k] = k == 1 || timed;   /* every step of a time-coded input starts at a PWL corner */
    }
    const MsReadoutDef *r = c->deck.readout;
    bn->reduce_max = r->reduce == MS_REDUCE_MAX;
    for (int k = 0; k <= N; k++) {
        if (r->reduce == MS_REDUCE_FINAL)
            bn->w[k] = k == N;
        else if (r->reduce != MS_REDUCE_MAX)
            bn->w[k] = (k > 0 ? 0.5 * (bn->t[k] - bn->t[k - 1]) : 0) + (k < N ? 0.5 * (bn->t[k + 1] - bn->t[k]) : 0);
    }
    return MS_OK;
}

int ms_batch_compile(const MsNet *net, MsBatchNet **out, MsError *err)
{
    *out = NULL;
    MsBatchNet *bn = ms_calloc(1, sizeof *bn);
    bn->net = net;
    Build b = {0};
    b.c = net->c;
    b.err = err;
    int rc = collect(&b);
    if (rc == MS_OK)
        rc = drivers(&b);
    if (rc == MS_OK)
        rc = roles(&b);
    bn->direct = b.direct;
    if (rc == MS_OK)
        rc = check_connections(&b, bn);
    if (rc == MS_OK)
        rc = neurons(&b, bn);
    if (rc == MS_OK && b.direct && b.nneurons > MS_MAX_DIRECT_NEURONS)
        rc = ms_err(err, MS_ERR_UNSUPPORTED, "%s: a direct-column network of %d neurons: the batched engine solves at most %d "
                    "together (a dense system per sample; --engine per-sample)", b.c->deck.src.files[0], b.nneurons,
                    MS_MAX_DIRECT_NEURONS);
    if (rc == MS_OK)
        rc = layers(&b, bn);
    if (rc == MS_OK)
        rc = readout_and_time(&b, bn);
    free(b.el), free(b.drv), free(b.role), free(b.col_of), free(b.neuron_of), free(b.mem_node), free(b.depth);
    free(b.col_node), free(b.col_branch), free(b.col_layer);
    free(b.tap_col), free(b.tap_neur), free(b.tap_gain), free(b.lcol), free(b.lrow), free(b.input_of_source);
    if (rc) {
        ms_batch_free(&bn);
        return rc;
    }
    ms_batch_sync(bn);
    openblas_set_num_threads(1);   /* threads split the batch into chunks: BLAS threads would oversubscribe */
    *out = bn;
    return MS_OK;
}

/* The constants of the one-exponential MMS evaluation (neuron_eval). */
static void neuron_constants(BatchNeuron *nr)
{
    double kt = nr->m[0]->par[MP_KT];
    nr->one_exp = 1;
    nr->inv_kt = 1 / kt;
    for (int b = 0; b < nr->nbr; b++) {
        const double *p = nr->m[b]->par;
        nr->one_exp &= p[MP_KT] == kt;
        nr->ikt[b] = 1 / p[MP_KT], nr->itau[b] = 1 / p[MP_TAU], nr->iron[b] = 1 / p[MP_RON], nr->iroff[b] = 1 / p[MP_ROFF];
        nr->A[b] = exp((nr->e[b] + p[MP_VON]) / kt);
        nr->Bc[b] = exp(-(p[MP_VOFF] + nr->e[b]) / kt);
        nr->one_exp &= isfinite(nr->A[b]) && isfinite(nr->Bc[b]) && nr->A[b] > 0 && nr->Bc[b] > 0;
    }
}

void ms_batch_sync(MsBatchNet *bn)
{
    const MsCircuit *c = bn->net->c;
    for (int j = 0; j < bn->nneurons; j++) {
        BatchNeuron *nr = &bn->neurons[j];
        MsElemInfo in;
        ms_dev_capacitor.describe(ms_group_inst(&c->groups[nr->cgroup], nr->cinst), &in);
        nr->cm = in.value;
        neuron_constants(nr);
    }
    for (int l = 0; l < bn->nlayers; l++) {
        BatchLayer *L = &bn->layers[l];
        for (int i = 0; i < L->nrows * L->ncols; i++)
            L->X[i] = L->cell[i] ? L->cell[i]->par[MP_X0] : 0;
    }
}

void ms_batch_set_params(MsBatchNet *bn, const double *params, const unsigned char *skip)
{
    for (int j = 0; j < bn->nneurons; j++) {
        int k = bn->neurons[j].cparam;
        if (k >= 0 && !(skip && skip[k]))
            bn->neurons[j].cm = params[k];
    }
    for (int l = 0; l < bn->nlayers; l++) {
        BatchLayer *L = &bn->layers[l];
        for (int i = 0; i < L->nrows * L->ncols; i++)
            if (L->param[i] >= 0 && !(skip && skip[L->param[i]]))
                L->X[i] = params[L->param[i]];
    }
}

void ms_batch_free(MsBatchNet **bp)
{
    MsBatchNet *bn = *bp;
    if (!bn)
        return;
    for (int l = 0; l < bn->nlayers; l++) {
        BatchLayer *L = &bn->layers[l];
        free(L->rows), free(L->X), free(L->cell), free(L->param), free(L->tap_col), free(L->tap_neuron);
        free(L->tap_gain);
    }
    free(bn->layers), free(bn->neurons), free(bn->readout), free(bn->t), free(bn->h), free(bn->be), free(bn->w);
    free(bn);
    *bp = NULL;
}
