/* faults.c — stuck-at fault injection for robustness studies:
 *   .options memfault=F [memfaultseed=S] [memfaultsa1=P]
 * sticks round(F * N) of the circuit's N memristors, chosen reproducibly
 * from the seed (splitmix64 + partial Fisher-Yates over the cells in netlist
 * order); a fraction P of the stuck cells is stuck at the low-resistance
 * state (sa1), the rest at the high-resistance state (sa0).  Cells with a
 * fault= of their own keep it.  The list is kept in c->faults. */
#include "circuit.h"
#include "../devices/memristor_models.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* uniform in [0, 1) */
static double uniform(uint64_t *s) { return (double)(splitmix64(s) >> 11) * 0x1.0p-53; }

/* uniform in [0, n) */
static size_t below(uint64_t *s, size_t n) { return (size_t)(uniform(s) * (double)n); }

static void append(char **list, const char *name, int fault)
{
    char *old = *list;
    *list = ms_asprintf("%s%s%s:%s", old ? old : "", old ? "," : "", name, fault == MS_MEM_FAULT_SA1 ? "sa1" : "sa0");
    free(old);
}

void ms_inject_faults(MsCircuit *c)
{
    MsDevGroup *g = NULL;
    for (int i = 0; i < c->ngroups; i++)
        if (c->groups[i].type == &ms_dev_memristor)
            g = &c->groups[i];
    if (!g)
        return;
    size_t n = (size_t)g->n, k = (size_t)llround(c->opt.memfault * (double)n);
    size_t *order = ms_malloc((n ? n : 1) * sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    uint64_t seed = (uint64_t)c->opt.memfaultseed;
    for (size_t i = 0; i < k; i++) {   /* the first k of a random permutation */
        size_t j = i + below(&seed, n - i);
        size_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < k; i++) {
        void *inst = ms_group_inst(g, (int)order[i]);
        if (!ms_memristor_fault(inst))
            ms_memristor_set_fault(inst, uniform(&seed) < c->opt.memfaultsa1 ? MS_MEM_FAULT_SA1 : MS_MEM_FAULT_SA0);
    }
    free(order);
    for (int i = 0; i < g->n; i++) {   /* every stuck cell, in netlist order */
        void *inst = ms_group_inst(g, i);
        if (ms_memristor_fault(inst))
            append(&c->faults, ((MsInstHead *)inst)->name, ms_memristor_fault(inst));
    }
}

const char *ms_circuit_faults(const MsCircuit *c) { return c->faults ? c->faults : ""; }
