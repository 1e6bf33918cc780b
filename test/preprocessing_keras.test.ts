// preprocessing.image.imageDataGenerator's applyTransform against Keras 3's legacy
// ImageDataGenerator.apply_transform (the venv's Python peer, scipy.ndimage underneath) for
// rotations, shifts, shears, zooms and flips. Needs the venv (bash scripts/setup-venv.sh): when it
// is missing this test FAILS, in CI and outside it.
import { describe, it } from 'vitest';
import * as sg from '../src/index.js';
import { checkNoLeaks, expectClose, randArray, take } from './helpers.js';
import { runPython } from './io/hdf5_python.js';

const gen = sg.preprocessing.image.imageDataGenerator;

describe('imageDataGenerator against Keras', () => {
  checkNoLeaks();

  it('applyTransform matches Keras apply_transform (bilinear; nearest and reflect fill; square images)', () => {
    const [h, w, c] = [7, 7, 3];
    const img = randArray(h * w * c, 5, 0, 255);
    const cases = [
      { theta: 17 },
      { tx: 1.3, ty: -0.7 },
      { shear: 11 },
      { zx: 0.8, zy: 1.25 },
      { theta: -33, tx: -2.2, ty: 1.6, shear: -8, zx: 1.1, zy: 0.9, flipHorizontal: true },
      { theta: 5, flipVertical: true, flipHorizontal: true },
    ];
    const py = `
import json, sys, numpy as np
from keras.src.legacy.preprocessing.image import ImageDataGenerator
img = np.array(json.loads(sys.argv[1]), dtype='float32').reshape(${h}, ${w}, ${c})
out = []
for mode in ['nearest', 'reflect']:
    g = ImageDataGenerator(fill_mode=mode)
    for p in json.loads(sys.argv[2]):
        q = {'theta': p.get('theta', 0), 'tx': p.get('tx', 0), 'ty': p.get('ty', 0), 'shear': p.get('shear', 0),
             'zx': p.get('zx', 1), 'zy': p.get('zy', 1), 'flip_horizontal': p.get('flipHorizontal', False),
             'flip_vertical': p.get('flipVertical', False)}
        out.append(g.apply_transform(img, q).ravel().tolist())
print(json.dumps(out))
`;
    const keras = JSON.parse(runPython(py, [JSON.stringify(Array.from(img)), JSON.stringify(cases)])) as number[][];
    let k = 0;
    for (const fillMode of ['nearest', 'reflect'] as const) {
      const g = gen({ fillMode });
      for (const p of cases) {
        const got = sg.tidy(() => take(g.applyTransform(sg.tensor(img, [h, w, c]), p)));
        expectClose(got, keras[k++], 1e-4, 1e-3);
      }
    }
  });

  it('augmentation layers with fixed factors match Keras 3 layers (non-square images; nearest, reflect, constant)', () => {
    const [h, w, c] = [6, 8, 2];
    const img = randArray(h * w * c, 6, 0, 10);
    // Porting note checked here: 'wrap' follows TensorFlow's transform (Keras' TF backend), Keras on
    // JAX wraps on the grid, so wrap is left out.
    const modes = ['nearest', 'reflect', 'constant'] as const;
    const py = `
import json, sys, numpy as np, keras
img = np.array(json.loads(sys.argv[1]), dtype='float32').reshape(1, ${h}, ${w}, ${c})
out = []
for mode in ${JSON.stringify(modes)}:
    for l in [keras.layers.RandomRotation(factor=(0.1, 0.1), fill_mode=mode, fill_value=-1.0),
              keras.layers.RandomRotation(factor=(-0.3, -0.3), fill_mode=mode, interpolation='nearest'),
              keras.layers.RandomTranslation(height_factor=(0.25, 0.25), width_factor=(-0.3, -0.3), fill_mode=mode, fill_value=2.0),
              keras.layers.RandomZoom(height_factor=(-0.3, -0.3), width_factor=(0.2, 0.2), fill_mode=mode),
              keras.layers.RandomZoom(height_factor=(0.25, 0.25), fill_mode=mode)]:
        out.append(np.asarray(l(img, training=True)).ravel().tolist())
print(json.dumps(out))
`;
    const keras = JSON.parse(runPython(py, [JSON.stringify(Array.from(img))])) as number[][];
    let k = 0;
    for (const fillMode of modes) {
      const layers = [
        sg.layers.randomRotation({ factor: [0.1, 0.1], fillMode, fillValue: -1 }),
        sg.layers.randomRotation({ factor: [-0.3, -0.3], fillMode, interpolation: 'nearest' }),
        sg.layers.randomTranslation({ heightFactor: [0.25, 0.25], widthFactor: [-0.3, -0.3], fillMode, fillValue: 2 }),
        sg.layers.randomZoom({ heightFactor: [-0.3, -0.3], widthFactor: [0.2, 0.2], fillMode }),
        sg.layers.randomZoom({ heightFactor: [0.25, 0.25], fillMode }),
      ];
      for (const l of layers) {
        const got = sg.tidy(() => take(l.apply(sg.tensor(img, [1, h, w, c]), { training: true }) as sg.Tensor));
        expectClose(got, keras[k++], 1e-4, 1e-4);
      }
    }
  });
});
