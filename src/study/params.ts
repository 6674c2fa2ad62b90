// The sizes every experiment uses, in two profiles: `full` (the report, about 30 minutes on
// 2 cores) and `quick` (FAASML_PROFILE=quick: the same steps in minutes, for CI and tests).
import { profile } from '../paths.js';

export interface StudyParams {
  profile: 'quick' | 'full';
  seed: number;
  formula: string;
  lr: { samples: number; epochs: number };
  resnet: { images: number; epochs: number; batchSize: number; stem: 'imagenet' | 'cifar'; data: string };
  /** Training compared on FaaS and locally (notebook 02): smaller so that it runs three times. */
  faasTraining: { lr: { samples: number; epochs: number }; resnet: { images: number; epochs: number } };
  sweep: {
    lrInferThreads: number[];
    resnetInferThreads: number[];
    durationSeconds: number;
    warmupSeconds: number;
  };
  /** Cold starts measured per function and start mode (notebook 04). */
  coldStartRepeats: number;
}

export function studyParams(which = profile()): StudyParams {
  const quick = which === 'quick';
  return {
    profile: which,
    seed: 42,
    formula: 'y = 3*x1 - 2*x2 + 1',
    lr: quick ? { samples: 2000, epochs: 20 } : { samples: 10_000, epochs: 50 },
    resnet: { images: quick ? 60 : 1000, epochs: quick ? 1 : 3, batchSize: quick ? 20 : 32, stem: 'imagenet', data: 'synthetic' },
    faasTraining: quick
      ? { lr: { samples: 2000, epochs: 10 }, resnet: { images: 40, epochs: 1 } }
      : { lr: { samples: 10_000, epochs: 50 }, resnet: { images: 200, epochs: 1 } },
    sweep: quick
      ? { lrInferThreads: [1, 2, 4], resnetInferThreads: [1, 2], durationSeconds: 3, warmupSeconds: 1 }
      : { lrInferThreads: [1, 2, 4, 8, 16, 32], resnetInferThreads: [1, 2, 4, 8], durationSeconds: 20, warmupSeconds: 5 },
    coldStartRepeats: quick ? 2 : 5,
  };
}
