/* source_parse.h — reading the waveform part of V and I cards. */
#ifndef MS_SOURCE_PARSE_H
#define MS_SOURCE_PARSE_H

#include "device.h"

/* Parse "[dc] v | pulse(...) | pwl(...) [r=..] [td=..] | sin(...) | exp(...) | ac m [ph]"
 * from token `at` on, and finish the defaults from the .tran card. */
int ms_parse_source(MsElab *el, const MsCard *c, int at, MsWave *w);
/* Give w (parsed from card c) the random stream of the source `name` and
 * precompute its noise tables up to the deck's tstop (ms_noise_prepare);
 * an error names the card. */
int ms_source_prepare(MsElab *el, const MsCard *c, MsWave *w, const char *name);

/* Value of source `id` (own waveform unless overridden) under se. */
double ms_source_value(const MsWave *own, int id, const MsSourceEval *se);

/* d value / d level of source `id` under se: the netlist level, 0 while overridden. */
double ms_source_dlevel(const MsWave *own, int id, const MsSourceEval *se);

#endif
