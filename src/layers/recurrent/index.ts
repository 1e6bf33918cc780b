// The recurrent family for the `sg.layers` namespace: lstm, gru, simpleRNN, the wrappers
// (bidirectional, timeDistributed), embedding and masking. The lead merges `recurrentLayers`
// into src/layers/index.ts.
import { Embedding, type EmbeddingArgs } from '../embedding.js';
import { Masking, type MaskingArgs } from '../masking.js';
import { Bidirectional, TimeDistributed, type BidirectionalArgs, type TimeDistributedArgs } from '../wrappers.js';
import { GRU, type GRUArgs } from './gru.js';
import { LSTM, type LSTMArgs } from './lstm.js';
import { SimpleRNN } from './simple_rnn.js';
import type { RecurrentArgs } from './base.js';
import { ConvLSTM2D, type ConvLSTM2DArgs } from './conv_lstm.js';
import {
  GRUCell,
  LSTMCell,
  SimpleRNNCell,
  StackedRNNCells,
  type GRUCellArgs,
  type LSTMCellArgs,
  type RNNCellArgs,
  type StackedRNNCellsArgs,
} from './cells.js';
import { RNN, type RNNArgs } from './rnn.js';

/** Factories with tfjs-layers' names. */
export const recurrentLayers = {
  /** @example sg.layers.lstm({ units: 128, returnSequences: true }) */
  lstm: (args: LSTMArgs) => new LSTM(args),
  /** @example sg.layers.gru({ units: 64 }) */
  gru: (args: GRUArgs) => new GRU(args),
  /** @example sg.layers.simpleRNN({ units: 32 }) */
  simpleRNN: (args: RecurrentArgs) => new SimpleRNN(args),
  /** @example sg.layers.bidirectional({ layer: sg.layers.lstm({ units: 32 }), mergeMode: 'concat' }) */
  bidirectional: (args: BidirectionalArgs) => new Bidirectional(args),
  /** @example sg.layers.timeDistributed({ layer: sg.layers.dense({ units: 10 }) }) */
  timeDistributed: (args: TimeDistributedArgs) => new TimeDistributed(args),
  /** @example sg.layers.embedding({ inputDim: 1000, outputDim: 32, maskZero: true }) */
  embedding: (args: EmbeddingArgs) => new Embedding(args),
  /** @example sg.layers.masking({ maskValue: 0 }) */
  masking: (args: MaskingArgs = {}) => new Masking(args),
  /** @example sg.layers.convLstm2d({ filters: 40, kernelSize: 3, padding: 'same', returnSequences: true }) */
  convLstm2d: (args: ConvLSTM2DArgs) => new ConvLSTM2D(args),
  /** @example sg.layers.rnn({ cell: sg.layers.lstmCell({ units: 8 }), returnSequences: true }) */
  rnn: (args: RNNArgs) => new RNN(args),
  /** @example sg.layers.simpleRNNCell({ units: 8 }) */
  simpleRNNCell: (args: RNNCellArgs) => new SimpleRNNCell(args),
  /** @example sg.layers.lstmCell({ units: 8 }) */
  lstmCell: (args: LSTMCellArgs) => new LSTMCell(args),
  /** @example sg.layers.gruCell({ units: 8 }) */
  gruCell: (args: GRUCellArgs) => new GRUCell(args),
  /** @example sg.layers.stackedRNNCells({ cells: [sg.layers.lstmCell({ units: 8 }), sg.layers.lstmCell({ units: 4 })] }) */
  stackedRNNCells: (args: StackedRNNCellsArgs) => new StackedRNNCells(args),
};

export { Bidirectional, Embedding, GRU, LSTM, Masking, SimpleRNN, TimeDistributed };
export { RecurrentLayer, type RecurrentArgs } from './base.js';
export type { BidirectionalArgs, EmbeddingArgs, GRUArgs, LSTMArgs, MaskingArgs, TimeDistributedArgs };
export type { MergeMode } from '../wrappers.js';
export { ConvLSTM2D, type ConvLSTM2DArgs } from './conv_lstm.js';
export { GRUCell, LSTMCell, RNN, SimpleRNNCell, StackedRNNCells };
export type { GRUCellArgs, LSTMCellArgs, RNNArgs, RNNCellArgs, StackedRNNCellsArgs };
export { runCellSequence, type CellSequenceOptions } from './rnn.js';
export { StockCell, isCell, type RNNCellLike } from './cells.js';
