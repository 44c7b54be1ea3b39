/* work_wave.c — see work_wave.h. */
#include "work_wave.h"

#include <string.h>

int ms_circuit_source_id(const MsCircuit *c, const char *name)
{
    for (int i = 0; i < c->nsources; i++)
        if (!strcmp(c->source_name[i], name))
            return i;
    return -1;
}

void ms_work_source_wave(MsWork *w, int id, const MsWave *wave)
{
    MsWave *o = &w->owned[id];
    ms_wave_free(o);
    ms_wave_copy(o, wave);
    w->override[id] = o;
}
