// The measurement library's entry points, for the CLI, the studies and the notebooks.
export type * from './types.js';
export { runSweep, sweepSettings, type SweepOptions, type SweepProgress } from './sweep.js';
export { writeRun, loadRun, defaultRunDir, resultsDir, summaryMarkdown, levelRow, LEVEL_HEADER, costTable, RUN_FILES } from './results.js';
export { compareRuns, comparisonTable, type Comparison, type CompareRow, type CompareCell } from './compare.js';
export { estimateCost, estimateTrainingCost, loadPrices, pricesFile, type CostInput, type PriceTable, type PricePlan } from './cost.js';
export { parseDuration, parseLevels, parseHeaders } from './parse.js';
export { resolveTarget, defaultBody, DEFAULT_GATEWAY, type TargetOptions } from './target.js';
export { latencyStats } from './stats.js';
export { parseJtl, toJtl, JTL_HEADER } from './record.js';
