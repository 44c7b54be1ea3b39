/* cell_faults.c — see cell_faults.h. */
#include "cell_faults.h"
#include "batch_net.h"
#include "rng.h"
#include "../devices/memristor_models.h"
#include "../util/util.h"

#include <math.h>
#include <stdlib.h>

static void *cell(const MsNet *net, int k)
{
    const MsParamRef *p = &net->c->params[k];
    if (p->train >= 0 || net->c->groups[p->group].type != &ms_dev_memristor || p->k != MP_X0)
        return NULL;
    return ms_group_inst(&net->c->groups[p->group], p->inst);
}

void ms_cells_stick(MsNet *net, double frac, double sa1, uint64_t seed, unsigned char *stuck)
{
    int np = net->nparams, n = 0;
    int *cells = ms_malloc(((size_t)np + 1) * sizeof *cells);
    for (int k = 0; k < np; k++)
        if (cell(net, k) && !ms_memristor_fault(cell(net, k)))
            cells[n++] = k;
    int m = (int)lround(frac * n);
    for (int i = 0; i < m; i++) {   /* the first m of a seeded permutation */
        int j = i + (int)(ms_uniform3(seed, MS_RNG_FAULT, (uint64_t)i) * (n - i));
        int t = cells[i];
        cells[i] = cells[j];
        cells[j] = t;
        int k = cells[i];
        int kind = ms_uniform3(seed, MS_RNG_FAULT_KIND, (uint64_t)i) < sa1 ? MS_MEM_FAULT_SA1 : MS_MEM_FAULT_SA0;
        ms_memristor_set_fault(cell(net, k), kind);
        stuck[k] = 1;
    }
    free(cells);
    if (net->batch)
        ms_batch_sync(net->batch);
}

void ms_cells_unstick(MsNet *net, const unsigned char *stuck)
{
    for (int k = 0; k < net->nparams; k++)
        if (stuck[k] && cell(net, k))
            ms_memristor_set_fault(cell(net, k), MS_MEM_FAULT_NONE);
    if (net->batch)
        ms_batch_sync(net->batch);
}

void ms_cells_program_noise(const MsNet *net, double *params, double sigma, uint64_t seed)
{
    for (int k = 0; k < net->nparams; k++) {
        if (!cell(net, k))
            continue;
        double u1 = ms_uniform3(seed, MS_RNG_NOISE, 2 * (uint64_t)k), u2 = ms_uniform3(seed, MS_RNG_NOISE, 2 * (uint64_t)k + 1);
        double z = sqrt(-2 * log(1 - u1)) * cos(2 * 3.14159265358979323846 * u2);   /* Box-Muller */
        double lo = net->lo[k], hi = net->hi[k], x = params[k] + z * sigma * (hi - lo);
        params[k] = x < lo ? lo : x > hi ? hi : x;
    }
}
