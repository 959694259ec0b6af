import type { Insn } from '@tsbpf/bpf-vm';
import { describe, expect, it } from 'vitest';
import { type VerifyRequest, verify } from './index.js';
import {
  alu32i,
  alu64i,
  alu64r,
  call,
  callPc,
  exit,
  ja,
  jmpi,
  jmpr,
  ld64,
  ldMapValue,
  ldx,
  mov64i,
  mov64r,
  raw,
  st,
  stx,
} from './testing/asm.js';
import { fakePlatform } from './testing/fakePlatform.js';

const platform = fakePlatform();
const ITER_FUNC = platform.btf.findByName('bpf_iter_task', 'FUNC')!;

function run(insns: Insn[], extra: Partial<VerifyRequest> = {}) {
  return verify(
    {
      insns,
      progType: 26,
      expectedAttachType: 28,
      attachBtfId: ITER_FUNC,
      gplCompatible: true,
      logLevel: 1,
      ...extra,
    },
    platform,
  );
}

/** seq = ctx->meta->seq; task = ctx->task; if (!task) return 0; seq_printf(seq, fmt, 4, &stack, 8) */
const iterTask: Insn[] = [
  ldx('dw', 2, 1, 0), // r2 = ctx->meta
  ldx('dw', 6, 2, 0), // r6 = meta->seq
  ldx('dw', 7, 1, 8), // r7 = ctx->task
  jmpi('jne', 7, 0, 2),
  mov64i(0, 0),
  exit(),
  ldx('w', 1, 7, 8), // r1 = task->pid
  stx('dw', 10, 1, -8),
  mov64r(4, 10),
  alu64i('add', 4, -8),
  mov64r(1, 6),
  ...ldMapValue(2, 4, 0),
  mov64i(3, 4),
  mov64i(5, 8),
  call(126),
  mov64i(0, 0),
  exit(),
];

interface Case {
  name: string;
  insns: Insn[];
  req?: Partial<VerifyRequest>;
  ok: boolean;
  errno?: string;
  /** The last error line (Linux's text). */
  msg?: string;
  /** Lines that must appear in the log. */
  lines?: string[];
}

const cases: Case[] = [
  {
    name: 'iterator with NULL check loads',
    insns: iterTask,
    ok: true,
    lines: [
      '0: R1=ctx() R10=fp0',
      '0: (79) r2 = *(u64 *)(r1 +0)',
      `func 'bpf_iter_task' arg0 has btf_id ${platform.btf.findByName('bpf_iter_meta', 'STRUCT')} type STRUCT 'bpf_iter_meta'`,
      '1: R1=ctx() R2=trusted_ptr_bpf_iter_meta()',
      '1: (79) r6 = *(u64 *)(r2 +0)          ; R2=trusted_ptr_bpf_iter_meta() R6=trusted_ptr_seq_file()',
      '2: (79) r7 = *(u64 *)(r1 +8)          ; R1=ctx() R7=trusted_ptr_or_null_task_struct(id=1)',
      '3: (55) if r7 != 0x0 goto pc+2        ; R7=0',
      '6: (61) r1 = *(u32 *)(r7 +8)          ; R1=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R7=trusted_ptr_task_struct()',
      '7: (7b) *(u64 *)(r10 -8) = r1         ; R1=scalar(id=2,smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R10=fp0 fp-8=scalar(id=2,smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))',
      '11: (18) r2 = 0xffffc90000f26000      ; R2=map_value(map=iter_tas.rodata,ks=4,vs=61)',
    ],
  },
  {
    name: 'unchecked OR_NULL dereference',
    insns: [ldx('dw', 2, 1, 8), ldx('w', 2, 2, 8), mov64i(0, 0), exit()],
    ok: false,
    errno: 'EACCES',
    msg: "R2 invalid mem access 'trusted_ptr_or_null_'",
  },
  {
    name: 'ctx beyond last argument',
    insns: [ldx('dw', 2, 1, 16), mov64i(0, 0), exit()],
    ok: false,
    errno: 'EACCES',
    msg: 'invalid bpf_context access off=16 size=8',
    lines: ["func 'bpf_iter_task' doesn't have 3-th argument"],
  },
  {
    name: 'ctx offset not multiple of 8',
    insns: [ldx('w', 2, 1, 4), mov64i(0, 0), exit()],
    ok: false,
    msg: 'invalid bpf_context access off=4 size=4',
    lines: ["func 'bpf_iter_task' offset 4 is not multiple of 8"],
  },
  {
    name: 'ctx pointer narrow load',
    insns: [ldx('w', 2, 1, 8), mov64i(0, 0), exit()],
    ok: false,
    msg: 'invalid bpf_context access off=8 size=4',
    lines: ["func 'bpf_iter_task' size 4 must be 8"],
  },
  {
    name: 'ctx write',
    insns: [st('dw', 1, 8, 0), mov64i(0, 0), exit()],
    ok: false,
    msg: 'invalid bpf_context access off=8 size=8',
  },
  { name: 'R0 not set at exit', insns: [exit()], ok: false, errno: 'EACCES', msg: 'R0 !read_ok' },
  {
    name: 'return value out of range',
    insns: [mov64i(0, 2), exit()],
    ok: false,
    msg: 'At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]',
  },
  {
    name: 'return value unknown',
    insns: [ldx('dw', 2, 1, 0), ldx('dw', 0, 2, 16), exit()],
    ok: false,
    msg: 'At program exit the register R0 has unknown scalar value should have been in [0, 1]',
  },
  { name: 'return 1 is fine', insns: [mov64i(0, 1), exit()], ok: true },
  { name: 'uninitialised register read', insns: [mov64r(0, 3), exit()], ok: false, msg: 'R3 !read_ok' },
  {
    name: 'frame pointer write',
    insns: [mov64i(10, 0), mov64i(0, 0), exit()],
    ok: false,
    msg: 'frame pointer is read only',
  },
  {
    name: 'stack out of bounds',
    insns: [st('dw', 10, -520, 0), mov64i(0, 0), exit()],
    ok: false,
    msg: 'invalid write to stack R10 off=-520 size=8',
  },
  {
    name: 'uninitialised stack read gives an unknown scalar (privileged loader)',
    insns: [ldx('dw', 0, 10, -8), exit()],
    ok: false,
    msg: 'At program exit the register R0 has unknown scalar value should have been in [0, 1]',
    lines: ['0: (79) r0 = *(u64 *)(r10 -8)         ; R0=scalar() R10=fp0'],
  },
  {
    name: 'spill and fill restores a pointer',
    insns: [
      ldx('dw', 2, 1, 0),
      stx('dw', 10, 2, -16),
      ldx('dw', 3, 10, -16),
      ldx('dw', 0, 3, 16),
      alu64i('and', 0, 1),
      exit(),
    ],
    ok: true,
    lines: [
      '2: (79) r3 = *(u64 *)(r10 -16)        ; R3=trusted_ptr_bpf_iter_meta() R10=fp-16=trusted_ptr_bpf_iter_meta()'.replace(
        'R10=fp-16',
        'R10=fp0 fp-16',
      ),
    ],
  },
  {
    name: 'unknown opcode',
    insns: [raw(0xff), exit()],
    ok: false,
    errno: 'EINVAL',
    msg: 'unknown opcode ff',
  },
  {
    name: 'invalid shift',
    insns: [mov64i(0, 1), alu64i('lsh', 0, 64), exit()],
    ok: false,
    errno: 'EINVAL',
    msg: 'invalid shift 64',
  },
  {
    name: 'invalid 32-bit shift',
    insns: [mov64i(0, 1), alu32i('rsh', 0, 32), exit()],
    ok: false,
    msg: 'invalid shift 32',
  },
  {
    name: 'unreachable insn',
    insns: [mov64i(0, 0), exit(), mov64i(0, 0), exit()],
    ok: false,
    errno: 'EINVAL',
    msg: 'unreachable insn 2',
  },
  {
    name: 'jump out of range',
    insns: [ja(5), mov64i(0, 0), exit()],
    ok: false,
    errno: 'EINVAL',
    msg: 'jump out of range from insn 0 to 6',
  },
  {
    name: 'helper not allowed',
    insns: [call(6), mov64i(0, 0), exit()],
    ok: false,
    errno: 'EINVAL',
    msg: 'program of this type cannot use helper bpf_trace_printk#6',
  },
  {
    name: 'invalid helper id',
    insns: [call(100000), mov64i(0, 0), exit()],
    ok: false,
    errno: 'EINVAL',
    msg: 'invalid func unknown#100000',
  },
  {
    name: 'gpl-only helper from non-GPL program',
    insns: iterTask,
    req: { gplCompatible: false },
    ok: false,
    msg: 'cannot call GPL-restricted function from non-GPL compatible program',
  },
  {
    name: 'caller-saved registers are clobbered',
    insns: [call(5), mov64r(0, 1), exit()],
    ok: false,
    msg: 'R1 !read_ok',
  },
  {
    name: 'helper return value',
    insns: [call(5), alu64i('and', 0, 1), exit()],
    ok: true,
    lines: ['0: (85) call bpf_ktime_get_ns#5       ; R0=scalar()'],
  },
  {
    name: 'store through BTF pointer',
    insns: [ldx('dw', 2, 1, 0), st('dw', 2, 8, 0), mov64i(0, 0), exit()],
    ok: false,
    msg: 'only read is supported',
  },
  {
    name: 'access beyond struct',
    insns: [ldx('dw', 2, 1, 0), ldx('dw', 0, 2, 24), exit()],
    ok: false,
    msg: 'access beyond struct bpf_iter_meta at off 24 size 8',
  },
  {
    name: 'rcu pointer from task->real_parent, comm is scalar',
    insns: [
      ldx('dw', 2, 1, 8),
      jmpi('jeq', 2, 0, 3),
      ldx('dw', 3, 2, 16),
      ldx('b', 4, 2, 35),
      ja(0),
      mov64i(0, 0),
      exit(),
    ],
    ok: true,
    lines: [
      '0: (79) r2 = *(u64 *)(r1 +8)          ; R1=ctx() R2=trusted_ptr_or_null_task_struct(id=1)',
      '1: (15) if r2 == 0x0 goto pc+3        ; R2=trusted_ptr_task_struct()',
      '2: (79) r3 = *(u64 *)(r2 +16)         ; R2=trusted_ptr_task_struct() R3=rcu_ptr_task_struct()',
      '3: (71) r4 = *(u8 *)(r2 +35)          ; R2=trusted_ptr_task_struct() R4=scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))',
    ],
  },
  {
    name: 'a branch proven never taken is not explored',
    insns: [mov64i(1, 5), jmpi('jgt', 1, 10, 2), mov64i(0, 0), exit(), mov64r(0, 3), exit()],
    ok: true,
    lines: ['1: (25) if r1 > 0xa goto pc+2         ; R1=5'],
  },
  {
    name: 'a branch proven always taken skips the fall-through',
    insns: [mov64i(1, 5), jmpi('jlt', 1, 10, 2), mov64r(0, 3), exit(), mov64i(0, 0), exit()],
    ok: true,
  },
  {
    name: 'bounded loop',
    insns: [mov64i(1, 0), alu64i('add', 1, 1), jmpi('jlt', 1, 10, -2), mov64i(0, 0), exit()],
    ok: true,
  },
  {
    name: 'bpf-to-bpf call',
    insns: [mov64i(1, 1), callPc(2), alu64i('and', 0, 1), exit(), mov64r(0, 1), exit()],
    ok: true,
  },
  {
    name: 'call stack too deep',
    // nine nested bpf-to-bpf calls: each subprogram calls the next one
    insns: [...Array.from({ length: 9 }, () => [callPc(1), exit()]).flat(), mov64i(0, 0), exit()],
    ok: false,
    msg: 'the call stack of 9 frames is too deep',
  },
  {
    name: 'scalar range refinement keeps map access in bounds',
    insns: [
      ldx('dw', 2, 1, 0),
      ldx('dw', 3, 2, 16),
      ...ldMapValue(1, 4, 0),
      jmpi('jgt', 3, 56, 3),
      alu64r('add', 1, 3),
      ldx('w', 0, 1, 0),
      alu64i('and', 0, 1),
      mov64i(0, 0),
      exit(),
    ],
    ok: true,
  },
  {
    name: 'map value access past the end',
    insns: [...ldMapValue(1, 4, 0), ldx('dw', 0, 1, 60), exit()],
    ok: false,
    msg: 'R1 min value is outside of the allowed memory range',
    lines: ['invalid access to map value, value_size=61 off=60 size=8'],
  },
  {
    name: 'write into read-only map',
    insns: [...ldMapValue(1, 4, 0), st('w', 1, 0, 0), mov64i(0, 0), exit()],
    ok: false,
    msg: 'write into map forbidden, value_size=61 off=0 size=4',
  },
  {
    name: 'null compare of scalars',
    insns: [ldx('dw', 2, 1, 0), ldx('dw', 3, 2, 16), jmpr('jeq', 3, 3, 0), mov64i(0, 0), exit()],
    ok: true,
  },
  {
    name: 'ld_imm64 constant',
    insns: [...ld64(0, 1n), exit()],
    ok: true,
    lines: ['0: (18) r0 = 0x1                      ; R0=1'],
  },
];

describe('verify: Linux verdicts and messages', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = run(c.insns, c.req);
      expect(r.ok, r.log).toBe(c.ok);
      if (c.errno) expect(r.errno).toBe(c.errno);
      if (c.msg) {
        expect(r.message).toBe(c.msg);
        const lines = r.log.trimEnd().split('\n');
        expect(lines[lines.length - 2]).toBe(c.msg);
      }
      for (const l of c.lines ?? []) expect(r.log.split('\n')).toContain(l);
      expect(r.log).toMatch(
        /processed \d+ insns \(limit 1000000\) max_states_per_insn \d+ total_states \d+ peak_states \d+ mark_read 0\n$/,
      );
    });
  }
});

describe('verify: termination', () => {
  it('a loop that never repeats a state stops at 1M processed insns with Linux 6.18 statistics', () => {
    // golden loop_counting: the same numbers in the kernel's log
    const r = run([mov64i(1, 0), alu64i('add', 1, 1), ja(-2)], { logLevel: 0 });
    expect(r.errno).toBe('E2BIG');
    expect(r.message).toBe('BPF program is too large. Processed 1000001 insn');
    expect(r.stats).toMatchObject({
      insnProcessed: 1000001,
      totalStates: 25000,
      peakStates: 25000,
      maxStatesPerInsn: 4,
    });
  });
  it('a loop back to an identical state is an infinite loop, with both states in the log', () => {
    const r = run([mov64i(0, 0), mov64i(1, 0), alu64i('and', 1, 7), jmpi('jlt', 1, 100, -2), exit()]);
    expect(r.errno).toBe('EINVAL');
    expect(r.message).toBe('infinite loop detected at insn 3');
    expect(r.log).toContain(
      'infinite loop detected at insn 3\ncur state: R0=0 R1=0 R10=fp0\nold state: R0=0 R1=0 R10=fp0\n',
    );
  });
  it('a bounded loop is explored iteration by iteration', () => {
    const r = run([mov64i(1, 0), alu64i('add', 1, 1), jmpi('jlt', 1, 10, -2), mov64i(0, 0), exit()]);
    expect(r.ok).toBe(true);
    expect(r.stats.insnProcessed).toBe(23);
  });
  it('more than 8192 pending branches is too complex', () => {
    const branches = Array.from({ length: 8200 }, () => jmpi('jeq', 2, 1, 0));
    const r = run([ldx('dw', 2, 1, 0), ldx('dw', 2, 2, 16), ...branches, mov64i(0, 0), exit()], {
      logLevel: 0,
    });
    expect(r.errno).toBe('E2BIG');
    expect(r.message).toBe('The sequence of 8193 jumps is too complex.');
  });
  it('a finished checkpoint prunes an equivalent path ("safe")', () => {
    // both sides of the branch reach insn 11 with nothing live; the fall-through path is long
    // enough (2 jumps, 8 insns) to leave a checkpoint there
    const filler = Array.from({ length: 7 }, () => mov64i(3, 1));
    const r = run(
      [
        ldx('dw', 2, 1, 0),
        ldx('dw', 2, 2, 16),
        jmpi('jeq', 2, 0, 8),
        ...filler,
        call(5),
        mov64i(0, 0),
        exit(),
      ],
      {
        logLevel: 1,
      },
    );
    expect(r.ok).toBe(true);
    expect(r.log).toContain('\nfrom 2 to 11: safe\n');
    // 13 insns on the first path and the pruned visit of insn 11, counted as Linux counts it
    expect(r.stats).toMatchObject({ insnProcessed: 14, totalStates: 1 });
  });
});

describe('verify: outputs for the VM', () => {
  it('records probe loads and resolves map values to addresses', () => {
    const r = run(iterTask);
    expect([...r.probeLoads]).toEqual([1, 6]);
    expect(r.insns[11]!.src).toBe(2);
    expect(((BigInt(r.insns[12]!.imm >>> 0) << 32n) | BigInt(r.insns[11]!.imm >>> 0)).toString(16)).toBe(
      'ffffc90000f26000',
    );
  });
  it('log level 0 gives no log but still a message', () => {
    const r = run([exit()], { logLevel: 0 });
    expect(r.log).toBe('');
    expect(r.message).toBe('R0 !read_ok');
  });
});
