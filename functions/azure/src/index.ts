// The Azure Functions app's entry (package.json "main" after `faasml build azure`): one HTTP
// trigger per workload at /api/<name>, each running the same handler as every other platform.
import type { FunctionModule } from '../../../src/contract.js';
import * as lrInfer from '../../lr-infer/handler.js';
import * as lrTrain from '../../lr-train/handler.js';
import * as resnetInfer from '../../resnet-infer/handler.js';
import * as resnetTrain from '../../resnet-train/handler.js';
import { registerFunctions } from './register.js';

export const modules: Record<string, FunctionModule> = {
  'lr-train': lrTrain,
  'lr-infer': lrInfer,
  'resnet-train': resnetTrain,
  'resnet-infer': resnetInfer,
};

export const handlers = registerFunctions(modules);
