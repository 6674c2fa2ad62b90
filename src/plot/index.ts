// The plotting API the notebooks, the CLI and the benchmarks call.
export { type Figure, type LineSeries, type LineMode, type LineFigureOptions, type BarSeries, type BarFigureOptions, type TableFigureOptions, lineFigure, barFigure, tableFigure, PALETTE } from './figure.js';
export { fitLine, linearUntil, type LineFit } from './fit.js';
export {
  lossCurveFigure,
  accuracyCurveFigure,
  coefficientFigure,
  sweepFigure,
  trainingTimeFigure,
  type CoefficientRow,
  type SweepMetric,
  type SweepLevel,
  type SweepRun,
  type TrainingTimeRow,
} from './study.js';
export { toHtml, plotlyBundle } from './html.js';
export { display, displayWithImage, closeDisplayBrowser, inNotebook, type DisplayOptions } from './display.js';
export { exportFigures, findChromium, FigureExporter, ChromiumNotFoundError, DEFAULT_SIZE, type ExportOptions, type ExportFormat } from './export.js';
