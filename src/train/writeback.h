/* writeback.h — trained.cir: the network netlist with every trained value
 * written back onto its element card (`x0=0.73...` replaced or appended; a
 * capacitor's or inductor's value replaced in place),
 * so that `memspice run` simulates the trained circuit.  Only the main
 * file is rewritten; its relative .include/.lib paths become absolute so
 * the file runs from any folder. */
#ifndef MS_TRAIN_WRITEBACK_H
#define MS_TRAIN_WRITEBACK_H

#include "net.h"

/* Whether every trainable value can be written back (named parameters and
 * C/L values of top-level elements in the main file); an error naming the
 * first that cannot. */
int ms_writeback_check(const MsNet *net, MsError *err);
/* Write the netlist with the circuit's current values to path (atomically). */
int ms_writeback(const MsNet *net, const char *path, MsError *err);

#endif
