/* uic_start.c — the first Newton iterate of a transient that starts from
 * initial conditions (uic).
 *
 * A uic start sets the nodes that have initial conditions (.ic, a
 * capacitor's ic=) and leaves every other node at 0.  That is the state the
 * first step integrates from, as in ngspice, but as a first guess it can be
 * unusable: a node joined to an ic'd node through a 0 V ammeter source sits
 * at 0, where a resistance r={V(x)} is 0 (ngspice's own memristor example).
 * The guess therefore carries the known voltages across independent voltage
 * sources (their t = 0 level) to the nodes behind them; the state itself is
 * left as it is. */
#include "circuit.h"
#include "tran.h"

#include <stdlib.h>
#include <string.h>

static void mark_known(MsIcSink *sink, int unk, int ref, double value)
{
    (void)ref, (void)value;
    ((unsigned char *)sink->user)[unk] = 1;
}

void ms_uic_start_guess(const MsWork *w, double *x)
{
    const MsCircuit *c = w->c;
    unsigned char *known = calloc((size_t)c->n + 1, 1);
    if (!known)
        return;   /* only a guess: the plain start then */
    for (int i = 0; i < c->nics; i++)
        known[c->ics[i].unk] = 1;
    MsIcSink sink = {mark_known, known};
    for (int g = 0; g < c->ngroups; g++)
        if (c->groups[g].type->initial)
            c->groups[g].type->initial(c->groups[g].inst, c->groups[g].n, &sink);
    known[0] = 0;   /* ground anchors nothing: only initial conditions spread */
    for (int changed = 1; changed;) {
        changed = 0;
        for (int g = 0; g < c->ngroups; g++) {
            const MsDevGroup *grp = &c->groups[g];
            if (!grp->type->describe)
                continue;
            for (int i = 0; i < grp->n; i++) {
                MsElemInfo e;
                grp->type->describe(ms_group_inst(grp, i), &e);
                if (e.kind != 'v' || known[e.a] == known[e.b])
                    continue;
                if (known[e.a] && e.b)
                    x[e.b] = x[e.a] - e.value;
                else if (known[e.b] && e.a)
                    x[e.a] = x[e.b] + e.value;
                known[e.a] = known[e.b] = 1;
                changed = 1;
            }
        }
    }
    free(known);
}
