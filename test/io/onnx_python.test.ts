// The exported zoo against the reference ONNX checker: Python's `onnx` package (the venv made
// by scripts/setup-venv.sh) runs onnx.checker.check_model(model, full_check=True) on every file,
// which also runs strict shape inference over the graph. Without the venv this test FAILS, in CI
// and outside it, naming the command that makes it: a skipped interchange test proves nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sg from '../../src/index.js';
import { encodeModel } from '../../src/io/onnx/proto.js';
import { buildZoo, type ZooEntry } from './onnx_zoo.js';

const PYTHON = resolve(fileURLToPath(new URL('../..', import.meta.url)), '.venv/bin/python');

const CHECK = `
import json, sys, onnx
out = {}
for path in sys.argv[1:]:
    try:
        m = onnx.load(path)
        onnx.checker.check_model(m, full_check=True)
        out[path] = {'ok': True, 'ir': m.ir_version, 'opset': [o.version for o in m.opset_import if o.domain == ''][0],
                     'producer': m.producer_name,
                     'ops': [n.op_type for n in m.graph.node],
                     'inputs': [[d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim] for i in m.graph.input]}
    except Exception as e:
        out[path] = {'ok': False, 'error': str(e)}
print(json.dumps(out))
`;

describe('onnx.exportModel: the zoo passes onnx.checker.check_model(full_check=True)', () => {
  let zoo: ZooEntry[];
  let dir: string;
  beforeAll(() => {
    zoo = buildZoo();
    dir = mkdtempSync(join(tmpdir(), 'simdgrad-onnx-check-'));
  });
  afterAll(() => {
    for (const z of zoo ?? []) z.model.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every exported zoo model (opsets 13, 17 and 18) is valid ONNX with a symbolic batch dimension', () => {
    if (!existsSync(PYTHON)) {
      throw new Error(
        `the Python venv is missing (${PYTHON}${process.env.CI === 'true' ? ', CI=true' : ''}): run 'bash scripts/setup-venv.sh' first`,
      );
    }
    const files: string[] = [];
    for (const z of zoo) {
      for (const opset of [13, 17, 18]) {
        const f = join(dir, `${z.name}_opset${opset}.onnx`);
        writeFileSync(f, sg.onnx.exportModel(z.model, { opset }));
        files.push(f);
      }
    }
    // A control the checker must reject: the same writer, an operator ONNX does not have.
    const bad = join(dir, 'control_unknown_op.onnx');
    writeFileSync(
      bad,
      encodeModel({
        irVersion: 8,
        opsetImports: [{ domain: '', version: 17 }],
        producerName: 'simdgrad',
        producerVersion: '0',
        graph: {
          name: 'control',
          nodes: [{ opType: 'NoSuchOp', inputs: ['x'], outputs: ['y'], name: 'n', attrs: {} }],
          initializers: [],
          inputs: [{ name: 'x', elemType: 1, dims: ['batch', 3] }],
          outputs: [{ name: 'y', elemType: 1, dims: ['batch', 3] }],
        },
      }),
    );
    const r = spawnSync(PYTHON, ['-c', CHECK, bad, ...files], { encoding: 'utf8', timeout: 120_000 });
    if (r.error) throw r.error;
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as Record<string, { ok: boolean; error?: string; ir: number; opset: number; producer: string; ops: string[]; inputs: (string | number)[][] }>;
    expect(res[bad].ok).toBe(false);
    expect(res[bad].error).toMatch(/NoSuchOp/);
    const failed = Object.entries(res).filter(([f, v]) => f !== bad && !v.ok);
    expect(failed.map(([f, v]) => `${f}: ${v.error}`)).toEqual([]);
    expect(Object.keys(res).length).toBe(files.length + 1);
    for (const f of files) {
      expect(res[f].ir).toBe(8);
      expect(res[f].opset).toBe(Number(/opset(\d+)\.onnx$/.exec(f)![1]));
      expect(res[f].producer).toBe('simdgrad');
      for (const dims of res[f].inputs) expect(dims[0]).toBe('batch');
    }
    // Channels-first twins: the CNN's 3 convs, batch norm and 2 pools run between 2 Transposes
    // (into NCHW at the input, back to NHWC before Flatten).
    const cnn = res[join(dir, 'cnn_bn_pool_opset17.onnx')].ops;
    expect(cnn.filter((o) => o === 'Transpose').length).toBe(2);
    expect(cnn.filter((o) => o === 'Conv').length).toBe(3);
    expect(cnn).toContain('BatchNormalization');
    // Dropout-family layers leave nothing behind.
    expect(res[join(dir, 'mlp_dropout_opset17.onnx')].ops).toEqual(['Gemm', 'Relu', 'Gemm', 'Tanh', 'Gemm', 'Softmax']);
  });
});
