// examples/variational_autoencoder.ts run as written (imported, with a small CI-sized setting).
import { describe, it } from 'vitest';
import { checkVaeExample } from './vae_check.js';

describe('example variational_autoencoder', () => {
  it('has Keras’ parameter counts, adds the KL term through addLoss, and halves the reconstruction loss', async () => {
    // Keras' summaries of the same encoder (784-512-2x2), decoder (2-512-784) and VAE; 3 epochs of 2,000 digits.
    await checkVaeExample(
      () => import('../../examples/variational_autoencoder.js'),
      { EPOCHS: '3', N_TRAIN: '2000' },
      [403_972, 403_728, 807_700],
      'vae',
    );
  }, 300_000);
});
