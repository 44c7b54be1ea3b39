/* setup.c — see setup.h. */
#include "setup.h"
#include "../netlist/elaborate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Request {
    int row, col;
    int *slot;
} Request;

typedef struct InstAt {
    int g, i;
} InstAt;

struct MsSetup {
    MsCircuit *c;
    MsError *err;
    Request *req;
    size_t nreq, cap;
    MsMap branches;        /* instance name -> branch unknown */
    int failed;
    MsMap insts;           /* instance name -> inst_of index (ms_setup_find_inst) */
    InstAt *inst_of;
    int insts_built;
};

int ms_setup_branch(MsSetup *s, const char *inst_name)
{
    char *nm = ms_asprintf("%s#branch", inst_name);
    int k = ms_circuit_add_unknown(s->c, nm, MS_UNK_BRANCH);
    free(nm);
    ms_map_put(&s->branches, inst_name, k);
    return k;
}

int ms_setup_internal(MsSetup *s, const char *inst_name, const char *suffix)
{
    char *nm = ms_asprintf("%s#%s", inst_name, suffix);
    int k = ms_circuit_add_unknown(s->c, nm, MS_UNK_INTERNAL);
    free(nm);
    return k;
}

int ms_setup_state_unknown(MsSetup *s, const char *inst_name, const char *suffix)
{
    char *nm = ms_asprintf("%s#%s", inst_name, suffix);
    int k = ms_circuit_add_unknown(s->c, nm, MS_UNK_STATE);
    free(nm);
    return k;
}

int ms_setup_find_branch(MsSetup *s, const char *inst_name)
{
    int k;
    return ms_map_get(&s->branches, inst_name, &k) ? k : -1;
}

/* Instances by name: a map built on the first look-up (value g << 24 | i
 * would overflow for large groups, so it indexes a flat list instead). */
void *ms_setup_find_inst(MsSetup *s, const char *inst_name, const MsDevType **type)
{
    MsCircuit *c = s->c;
    if (!s->insts_built) {
        ms_map_init(&s->insts);
        s->insts_built = 1;
        int total = 0;
        for (int g = 0; g < c->ngroups; g++)
            total += c->groups[g].n;
        s->inst_of = ms_malloc(((size_t)total + 1) * sizeof *s->inst_of);
        int k = 0;
        for (int g = 0; g < c->ngroups; g++)
            for (int i = 0; i < c->groups[g].n; i++, k++) {
                s->inst_of[k] = (InstAt){g, i};
                ms_map_put(&s->insts, ((MsInstHead *)ms_group_inst(&c->groups[g], i))->name, k);
            }
    }
    int k;
    if (!ms_map_get(&s->insts, inst_name, &k)) {
        *type = NULL;
        return NULL;
    }
    const MsDevGroup *g = &c->groups[s->inst_of[k].g];
    *type = g->type;
    return ms_group_inst(g, s->inst_of[k].i);
}

void ms_setup_entry(MsSetup *s, int row, int col, int *slot)
{
    ms_grow((void **)&s->req, &s->cap, s->nreq + 1, sizeof *s->req);
    s->req[s->nreq++] = (Request){row, col, slot};
}

int ms_setup_state(MsSetup *s, int count)
{
    int off = s->c->nstate;
    s->c->nstate += count;
    return off;
}

void ms_setup_scratch(MsSetup *s, size_t count)
{
    if (count > s->c->nscratch)
        s->c->nscratch = count;
}

int ms_setup_error(MsSetup *s, MsLoc loc, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s->failed = 1;
    return ms_err_at(s->err, MS_ERR_SEMANTIC, loc, "%s", msg);
}

/* in[0..m) into out, stably ordered by row (by_col 0) or column (unknowns
 * 0..n): a counting sort; at has n + 2 entries. */
static void count_sort(const Request *in, Request *out, size_t m, int n, int by_col, size_t *at)
{
    memset(at, 0, ((size_t)n + 2) * sizeof *at);
    for (size_t i = 0; i < m; i++)
        at[(by_col ? in[i].col : in[i].row) + 1]++;
    for (int k = 0; k <= n; k++)
        at[k + 1] += at[k];
    for (size_t i = 0; i < m; i++)
        out[at[by_col ? in[i].col : in[i].row]++] = in[i];
}

/* Requests in (col, row) order: by row, then stably by column, O(requests +
 * unknowns) (a crossbar asks for millions). */
static void sort_requests(MsSetup *s, int n)
{
    Request *by_row = ms_malloc((s->nreq ? s->nreq : 1) * sizeof *by_row);
    size_t *at = ms_malloc(((size_t)n + 2) * sizeof *at);
    count_sort(s->req, by_row, s->nreq, n, 0, at);
    count_sort(by_row, s->req, s->nreq, n, 1, at);
    free(at);
    free(by_row);
}

/* Sort requests by (col, row), give each distinct pair a CSC slot. */
static void build_pattern(MsSetup *s)
{
    MsCircuit *c = s->c;
    /* Node diagonals always exist (gmin stepping, .ic rows).  Branch and state unknowns get
     * only the entries their devices ask for: a structural zero on a voltage source's
     * branch diagonal would let its node depend on its own KCL row, and KLU's block
     * triangular form could no longer split the circuit at sources (a crossbar between
     * driven rows and 0 V columns would become one block of every cell). */
    for (int i = 1; i <= c->n; i++) {
        if (c->unk_kind[i] != MS_UNK_NODE && c->unk_kind[i] != MS_UNK_INTERNAL) {
            c->diag[i] = -1;   /* set below if a device declared (i, i) */
            continue;
        }
        ms_grow((void **)&s->req, &s->cap, s->nreq + 1, sizeof *s->req);
        s->req[s->nreq++] = (Request){i, i, &c->diag[i]};
    }
    sort_requests(s, c->n);
    size_t nnz = 0;
    for (size_t i = 0; i < s->nreq; i++) {
        Request *r = &s->req[i];
        if (r->row == 0 || r->col == 0)
            continue;
        if (i == 0 || r->row != s->req[i - 1].row || r->col != s->req[i - 1].col)
            nnz++;
    }
    c->nnz = (int)nnz;
    c->Ap = ms_calloc((size_t)c->n + 1, sizeof *c->Ap);
    c->Ai = ms_malloc((nnz ? nnz : 1) * sizeof *c->Ai);
    int k = -1;
    for (size_t i = 0; i < s->nreq; i++) {
        Request *r = &s->req[i];
        if (r->row == 0 || r->col == 0)
            continue;   /* slots fixed below */
        if (k < 0 || r->row != s->req[i - 1].row || r->col != s->req[i - 1].col ||
            s->req[i - 1].row == 0 || s->req[i - 1].col == 0) {
            k++;
            c->Ai[k] = r->row - 1;
            c->Ap[r->col]++;
        }
        *r->slot = k;
    }
    for (int j = 0; j < c->n; j++)
        c->Ap[j + 1] += c->Ap[j];
    for (size_t i = 0; i < s->nreq; i++)
        if (s->req[i].row == 0 || s->req[i].col == 0)
            *s->req[i].slot = c->nnz;   /* ground: the scratch slot */
    for (int j = 1; j <= c->n; j++) {
        if (c->diag[j] >= 0)
            continue;
        c->diag[j] = c->nnz;   /* no diagonal: the scratch slot */
        for (int p = c->Ap[j - 1]; p < c->Ap[j]; p++)
            if (c->Ai[p] == j - 1)
                c->diag[j] = p;
    }
}

/* The non-zero slots of M (most of the pattern is nonlinear devices' entries). */
static int list_nonzeros(const MsCircuit *c, const double *M, MsLinEntry **out)
{
    int k = 0;
    free(*out);
    *out = ms_malloc(((size_t)c->nnz + 1) * sizeof **out);
    for (int j = 0; j < c->n; j++)
        for (int p = c->Ap[j]; p < c->Ap[j + 1]; p++)
            if (M[p] != 0)
                (*out)[k++] = (MsLinEntry){p, c->Ai[p] + 1, j + 1};
    return k;
}

void ms_circuit_stamp_linear(MsCircuit *c)
{
    memset(c->GL, 0, ((size_t)c->nnz + 1) * sizeof *c->GL);
    memset(c->CL, 0, ((size_t)c->nnz + 1) * sizeof *c->CL);
    for (int g = 0; g < c->ngroups; g++)
        if (c->groups[g].type->stamp_linear)
            c->groups[g].type->stamp_linear(c->groups[g].inst, c->groups[g].n, c->GL, c->CL);
    c->GL[c->nnz] = c->CL[c->nnz] = 0;
    c->nlin_g = list_nonzeros(c, c->GL, &c->lin_g);
    c->nlin_c = list_nonzeros(c, c->CL, &c->lin_c);
}

int ms_circuit_setup(MsCircuit *c, MsError *err)
{
    MsSetup s = {c, err, NULL, 0, 0, {0}, 0, {0}, NULL, 0};
    ms_map_init(&s.branches);
    int rc = MS_OK;
    for (int g = 0; g < c->ngroups && rc == MS_OK; g++) {
        const MsDevType *t = c->groups[g].type;
        if (t->flags & MS_DEV_NONLINEAR)
            c->nonlinear = 1;
        if (t->unknowns)
            rc = t->unknowns(&s, c->groups[g].inst, c->groups[g].n);
    }
    for (int g = 0; g < c->ngroups && rc == MS_OK; g++) {
        const MsDevType *t = c->groups[g].type;
        if (t->entries)
            rc = t->entries(&s, c->groups[g].inst, c->groups[g].n);
    }
    if (rc == MS_OK && c->n == 0) {
        /* ngspice runs such a deck and writes vectors of no signal (a time axis at most): memspice
         * says there is nothing to simulate instead of writing an empty result */
        int nelem = 0;
        for (int g = 0; g < c->ngroups; g++)
            nelem += c->groups[g].n;
        rc = ms_err(err, MS_ERR_SEMANTIC, "%s: %s: nothing to simulate",
                    c->deck.src.nfiles ? c->deck.src.files[0] : "netlist",
                    nelem ? "the circuit has no nodes besides ground" : "the circuit has no elements");
    }
    if (rc == MS_OK) {
        c->diag = ms_calloc((size_t)c->n + 1, sizeof *c->diag);
        build_pattern(&s);
        c->diag[0] = c->nnz;
        c->GL = ms_calloc((size_t)c->nnz + 1, sizeof *c->GL);
        c->CL = ms_calloc((size_t)c->nnz + 1, sizeof *c->CL);
        ms_circuit_stamp_linear(c);
        klu_defaults(&c->common);
        c->common.btf = 1;
        c->sym = klu_analyze(c->n, c->Ap, c->Ai, &c->common);
        if (!c->sym)
            rc = ms_err(err, MS_ERR_NOMEM, "KLU could not analyse the circuit matrix (status %d)", c->common.status);
    }
    free(s.req);
    ms_map_free(&s.branches);
    if (s.insts_built)
        ms_map_free(&s.insts);
    free(s.inst_of);
    return rc;
}
