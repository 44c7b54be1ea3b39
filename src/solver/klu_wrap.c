/* klu_wrap.c — see klu_wrap.h. */
#include "klu_wrap.h"

/* Below this reciprocal pivot growth the old pivot order is not trusted. */
#define RCOND_REFACTOR_MIN 1e-14

static int fresh_factor(MsWork *w, int *bad)
{
    const MsCircuit *c = w->c;
    if (w->num)
        klu_free_numeric(&w->num, &w->common);
    w->num = klu_factor((int *)c->Ap, (int *)c->Ai, w->J, c->sym, &w->common);
    if (!w->num || w->common.status == KLU_SINGULAR) {
        if (w->num)
            klu_free_numeric(&w->num, &w->common);
        w->have_factor = 0;
        int col = w->common.singular_col;
        *bad = col >= 0 && col < c->n ? col + 1 : 0;
        return w->common.status == KLU_OUT_OF_MEMORY ? MS_ERR_NOMEM : MS_ERR_SINGULAR;
    }
    w->have_factor = 1;
    return MS_OK;
}

int ms_klu_factor(MsWork *w, int *bad)
{
    const MsCircuit *c = w->c;
    *bad = 0;
    w->chord_a = 0;   /* the caller says whether the new factors may be reused */
    if (w->have_factor) {
        int ok = klu_refactor((int *)c->Ap, (int *)c->Ai, w->J, c->sym, w->num, &w->common);
        if (ok && w->common.status == KLU_OK && klu_rcond(c->sym, w->num, &w->common) &&
            w->common.rcond > RCOND_REFACTOR_MIN)
            return MS_OK;
    }
    return fresh_factor(w, bad);
}

void ms_klu_solve(MsWork *w, double *b) { klu_solve(w->c->sym, w->num, w->c->n, 1, b, &w->common); }

void ms_klu_tsolve(MsWork *w, double *b) { klu_tsolve(w->c->sym, w->num, w->c->n, 1, b, &w->common); }

void ms_klu_free(MsWork *w)
{
    if (w->num)
        klu_free_numeric(&w->num, &w->common);
    w->have_factor = 0;
}
