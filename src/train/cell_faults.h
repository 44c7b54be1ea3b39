/* cell_faults.h — stuck-at faults and programming noise on the trainable
 * memristor cells of a network (the trainable x0 of YMEMRISTOR cells; the
 * neurons' memristors are never touched).  Draws are counter-based
 * (rng.h): the same seed sticks the same cells. */
#ifndef MS_TRAIN_CELL_FAULTS_H
#define MS_TRAIN_CELL_FAULTS_H

#include "net.h"

/* Stick round(frac * cells) of them, a share sa1 at x = 1 (sa1), the rest at
 * x = 0 (sa0); marks their parameters in stuck[nparams].  Cells stuck by the
 * netlist itself (fault=) are left as they are. */
void ms_cells_stick(MsNet *net, double frac, double sa1, uint64_t seed, unsigned char *stuck);
/* Release the cells stuck[] marks (their x0 must then be written again). */
void ms_cells_unstick(MsNet *net, const unsigned char *stuck);
/* Programming noise: x0 += N(0, sigma (hi - lo)), kept in [lo, hi]. */
void ms_cells_program_noise(const MsNet *net, double *params, double sigma, uint64_t seed);

#endif
