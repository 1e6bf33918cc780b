// examples/variational_autoencoder_deconv.ts run as written (imported, with a small CI-sized setting).
import { describe, it } from 'vitest';
import { checkVaeExample } from './vae_check.js';

describe('example variational_autoencoder_deconv', () => {
  it('has Keras’ parameter counts, adds the KL term through addLoss, and halves the reconstruction loss', async () => {
    // Keras' summaries of the same encoder (conv 32, 64, dense 16, 2x2), decoder and VAE; 2 epochs (76 steps of 32).
    await checkVaeExample(
      () => import('../../examples/variational_autoencoder_deconv.js'),
      { EPOCHS: '2', N_TRAIN: '1200', BATCH: '32' },
      [69_076, 65_089, 134_165],
      'vae_cnn',
    );
  }, 300_000);
});
