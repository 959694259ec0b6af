/** The README's example, run as a test. */
import { BtfBuilder } from '@tsbpf/btf';
import { expect, it } from 'vitest';
import { type Platform, verify } from './index.js';
import { exit, jmpi, ldx, mov64i } from './testing/asm.js';

it('README example', () => {
  // kernel BTF: the iterator context of bpf_iter_task and its prototype
  const b = new BtfBuilder();
  const u64 = b.int('unsigned long long', 8);
  const int = b.int('int', 4, { signed: true });
  const seqFile = b.struct('seq_file', [{ name: 'size', type: u64 }]);
  const task = b.struct('task_struct', [{ name: 'pid', type: int }]);
  const meta = b.struct('bpf_iter_meta', [
    { name: 'seq', type: b.ptr(seqFile) },
    { name: 'session_id', type: u64 },
    { name: 'seq_num', type: u64 },
  ]);
  const func = b.func(
    'bpf_iter_task',
    b.funcProto(int, [
      { name: 'meta', type: b.ptr(meta) },
      { name: 'task', type: b.ptr(task) },
    ]),
  );

  const platform: Platform = {
    btf: b.btf,
    resolveAttachTarget: () => ({
      funcName: 'bpf_iter_task',
      ctxArgs: [{ offset: 8, reg_type: 'PTR_TO_BTF_ID_OR_NULL|PTR_TRUSTED', btf_struct: 'task_struct' }],
    }),
    getHelperProto: () => undefined,
  };
  const request = {
    progType: 26 /* TRACING */,
    expectedAttachType: 28 /* TRACE_ITER */,
    attachBtfId: func,
    gplCompatible: true,
    logLevel: 1,
  };

  // r2 = ctx->task; r0 = r2->pid; r0 = 0; exit  -- no NULL check
  const bad = verify(
    { ...request, insns: [ldx('dw', 2, 1, 8), ldx('w', 0, 2, 0), mov64i(0, 0), exit()] },
    platform,
  );
  expect(bad.ok).toBe(false);
  expect(bad.errno).toBe('EACCES');
  expect(bad.message).toBe("R2 invalid mem access 'trusted_ptr_or_null_'");

  // with `if (!task) return 0;` it loads, and the load through task is a probe load
  const good = verify(
    {
      ...request,
      insns: [ldx('dw', 2, 1, 8), jmpi('jeq', 2, 0, 1), ldx('w', 3, 2, 0), mov64i(0, 0), exit()],
    },
    platform,
  );
  expect(good.ok).toBe(true);
  expect([...good.probeLoads]).toEqual([2]);
  expect(good.log).toContain(
    '2: (61) r3 = *(u32 *)(r2 +0)          ; R2=trusted_ptr_task_struct() R3=scalar(',
  );
});
