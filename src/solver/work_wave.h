/* work_wave.h — overriding a source with any netlist waveform (PULSE,
 * SIN, EXP, PWL with r=/td=, DC), for input files read with the netlist's
 * own source syntax (src/netlist/source_spec.c).  The public API's
 * ms_work_set_source_dc/_pwl are the two special cases. */
#ifndef MS_SOLVER_WORK_WAVE_H
#define MS_SOLVER_WORK_WAVE_H

#include "circuit.h"

/* Id of the independent source with this flattened, lower-case name, or -1. */
int ms_circuit_source_id(const MsCircuit *c, const char *name);
/* Source id's waveform in w becomes a copy of wave (until
 * ms_work_clear_sources or the work is freed). */
void ms_work_source_wave(MsWork *w, int id, const MsWave *wave);

#endif
