/* memristor_xyce.h — Xyce's forms of memristor levels 2 (TEAM) and 3
 * (Yakopcic): which form a card asks for, Xyce's defaults and checks, and
 * Xyce's TEAM equations (memristor_models.h describes them). */
#ifndef MS_MEMRISTOR_XYCE_H
#define MS_MEMRISTOR_XYCE_H

#include "memristor_models.h"

/* Parameter k as a dual number, seeded when it is the one differentiated. */
static inline Dual ms_mem_par(const MsMemModel *m, int k, int seed)
{
    Dual r = dc(m->par[k]);
    if (k == seed)
        r.d[2] = 1;
    return r;
}

/* The form a .model card asks for (tokens [first, last)): xyce=0/1, or 1
 * when it names a parameter only Xyce's level has; refuses Xyce's random
 * telegraph noise and contradictions, saying why. */
int ms_mem_xyce_select(MsElab *el, const MsCard *c, int first, int last, int level, int *xyce);
/* Refuses, on an instance card (tokens [first, last)) of a model m read from
 * md, the names that belong to the other form, saying how to choose. */
int ms_mem_xyce_instance(MsElab *el, const MsCard *c, int first, int last, const MsModelDef *md,
                         const MsMemModel *m);
/* Xyce's defaults for m->level (2 or 3). */
void ms_mem_xyce_defaults(MsMemModel *m);
/* Why Xyce's form of m cannot be simulated as Xyce would, or NULL. */
const char *ms_mem_xyce_check(const MsMemModel *m);
/* 1 if Xyce's form of m->level uses parameter k. */
int ms_mem_xyce_uses(int level, int k);
/* Xyce's TEAM: I(v, X) and dX/dt, bounded to [xon, xoff] * xscaling. */
void ms_mem_xteam_eval(const MsMemModel *m, int seed, Dual v, Dual x, Dual *I, Dual *g);

#endif
