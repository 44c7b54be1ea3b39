#!/usr/bin/env python3
"""gen_native_ref.py — writes the memristor validation netlists of this
directory: for each level, <name>_native.cir (native YMEMRISTOR devices next
to their reference subcircuits of models/memristors.lib, memspice only) and
<name>_ngspice.cir (the reference half alone, for `memspice check` against
ngspice).  Edit the table below and rerun (python3 tests/models/gen_native_ref.py);
tests/e2e/models.sh runs the netlists and checks that each _ngspice.cir is
the reference half of its _native.cir."""
import os
import textwrap

OUT = os.path.dirname(os.path.abspath(__file__))

def tri(off, amp, per, ncyc, start=None):
    # triangle starting at off, rising first: corners at per/4 + k per/2
    pts=[(0,off if start is None else start)]
    t=per/4; s=1
    while t < ncyc*per:
        pts.append((t, off+s*amp)); s=-s; t+=per/2
    pts.append((ncyc*per, off))
    return "PWL(" + " ".join("%g %g"%p for p in pts) + ")"
L = [
 dict(name='hp', level=1, sub='memr_hp', title='HP linear ion drift with windows (level 1)',
      variants=['', 'window=1', 'window=3 j=4', 'window=0 uv=0.5e-14', 'window=2 p=2'],
      sin='SIN(0 1.2 0.5)', tri=tri(0,1.2,2,2), rs=None, tran='.tran 2m 4 0 2m uic',
      why='1.2 V, 0.5 Hz: x sweeps 0.1 to about 0.93 (Biolek window)'),
 dict(name='team', level=2, sub='memr_team', title='TEAM, current thresholds (level 2)',
      variants=['', 'iv=1'],
      sin='SIN(1.15 1.375 1k)', tri=tri(1.15,1.4,1e-3,3), rs='10k', tran='.tran 1u 3m 0 0.05u uic',
      src="Vs s s0 SIN(0 1.375 1k)\nVs0 s0 0 PWL(0 0 10u 1.15)\nVt t 0 " + tri(1.15,1.4,1e-3,3, start=0) + "\n",
      srcnote=' Both drives start from 0 V (the sine is the sum of SIN(0 1.375 1k) and a 10 us ramp to 1.15 V): ngspice 39 fails at the first time point when a uic start meets a source that is already at 1.15 V (pow out of range in Bx with iv=1).',
      why='through 10 kohm the current swings from about -22 uA (past ion = -8.9 uA: switching on) to about +245 uA (past ioff = 115 uA: switching off), and x between about 0.3 and 0.75. The rates go as the 10th power of the overdrive, so the step is limited to 0.05 us: with 1 us, memspice is 4e-3 and ngspice 7e-3 away from the converged x at 3 ms, with 0.1 us 5e-5 and 2.4e-4'),
 dict(name='yakopcic', level=3, sub='memr_yakopcic', title='Yakopcic (level 3)',
      variants=['', 'a2=0.3 alphan=3', 'eta=-1 x0=0.5'],
      sin='SIN(0 0.5 100)', tri=tri(0,0.5,10e-3,2), rs=None, tran='.tran 10u 20m 0 5u uic',
      why='0.5 V, 100 Hz: past Vp = 0.16 and -Vn = -0.15, x sweeps about 0.07 to 0.98 (variant 3, eta = -1: the other way round)'),
 dict(name='vteam', level=7, sub='memr_vteam', title='VTEAM, voltage thresholds (level 7)',
      variants=['', 'iv=1'],
      sin='SIN(0 0.8 1k)', tri=tri(0,0.8,1e-3,2), rs=None, tran='.tran 1u 2m 0 1u uic',
      why='0.8 V, 1 kHz: past voff = 0.3 (switching off) and von = -0.3 (back on), x sweeps 0.5 to about 0.04'),
 dict(name='mms', level=5, sub='memr_mms', title='Knowm mean metastable switch (level 5)',
      variants=['', 'tau=50u kt=0.02'],
      sin='SIN(0 0.3 5k)', tri=tri(0,0.3,200e-6,2), rs=None, tran='.tran 1u 400u 0 0.25u uic',
      why='0.3 V, 5 kHz: past Von = 0.11 (on) and below Voff = 0.005 (off), x sweeps 0.024 to about 0.6'),
 dict(name='pku', level=6, sub='memr_pku', title='Stanford-PKU RRAM (level 6)',
      variants=['', 'p=2'],
      sin='SIN(0 1.05 10k)', tri=tri(0,1.1,100e-6,2), rs=None, tran='.tran 0.1u 200u 0 0.025u uic',
      why='1.05 V, 10 kHz: the gap closes from x = 0.1 to about 0.9 and reopens'),
]
def wrap(first, items):
    out=[first]; 
    for it in items:
        if len(out[-1]) + len(it) > 76: out.append('+')
        out[-1] += ' ' + it
    return "\n".join(out)
for d in L:
    nat=[]; ref=[]; saves_n=[]; saves_r=[]
    for dr, src in (('s', d['sin']), ('t', d['tri'])):
        for k, par in enumerate(d['variants'], 1):
            tag=f"{dr}{k}"
            for kind, lines, sv in (('n', nat, saves_n), ('r', ref, saves_r)):
                node=f"{kind}{tag}"
                top = dr
                if d['rs']:
                    lines.append(f"R{kind}{tag} {dr} {node}a {d['rs']}"); top=f"{node}a"
                lines.append(f"V{kind}{tag} {top} {node} 0")
                if kind=='n':
                    lines.append(f"Ymemristor m{tag} {node} 0 mdev {par}".rstrip())
                    sv += [f"i(vn{tag})", f"x(m{tag})"] + ([f"v({node})"] if d['rs'] else [])
                else:
                    lines.append(f"X{tag} {node} 0 {d['sub']} {par}".rstrip())
                    sv += [f"i(vr{tag})", f"v(x{tag}.x)"] + ([f"v({node})"] if d['rs'] else [])
    def para(t): return "\n".join("* "+l for l in textwrap.wrap(t, 74))
    vlist = "\n".join(f"*   {k}: {p or 'defaults'}" for k, p in enumerate(d['variants'], 1))
    drive = para(f"Drives: s = sine {d['sin']}, t = triangle (PWL, same period, "
                 f"amplitude and offset); {d['why']}."
                 + (f" Each device is fed from its drive through its own {d['rs']} resistor." if d['rs'] else "") + d.get('srcnote', ''))
    head = drive + f"\n* Variants (instance parameters), numbered 1..{len(d['variants'])}:\n" + vlist + "\n"
    src = d.get('src') or f"Vs s 0 {d['sin']}\nVt t 0 {d['tri']}\n"
    nat_text = para(f"{d['title']}. Every device pair is driven by one ideal source: the native "
        "device (Ymemristor m<drive><variant>: current i(vn<drive><variant>), state x(m..)) and its "
        "reference subcircuit (X<drive><variant>: current i(vr..), state v(x<drive><variant>.x)). "
        "They implement identical equations, share the time steps and iterate with plain Newton "
        "(`.options chord=0`: chord iterations stop within 1e-4 of the tolerance, not at Newton's "
        "quadratic accuracy), so tests/e2e/models.sh requires them to agree to the Newton "
        "tolerance (see there).")
    ref_text = para(f"{d['title']}: the reference half of {d['name']}_native.cir (same drives, "
        "same instances), for `memspice check` against ngspice.")
    open(f"{OUT}/{d['name']}_native.cir",'w').write(
f"""{d['name']}: native memristor level={d['level']} against {d['sub']} (models/memristors.lib), memspice only
{nat_text}
{head}.include ../../models/memristors.lib
.model mdev memristor level={d['level']}
{src}""" + "\n".join(nat + ref) + f"""
.options chord=0
{d['tran']}
{wrap('.save v(s) v(t)', saves_n + saves_r)}
.end
""")
    open(f"{OUT}/{d['name']}_ngspice.cir",'w').write(
f"""{d['name']}: reference subcircuit {d['sub']} (models/memristors.lib), for ngspice and memspice
{ref_text}
{head}.include ../../models/memristors.lib
{src}""" + "\n".join(ref) + f"""
{d['tran']}
{wrap('.save v(s) v(t)', saves_r)}
.end
""")
print('wrote %d netlist pairs to %s' % (len(L), OUT))
