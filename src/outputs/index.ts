/** What a run writes: field tables on the output grid, errors, violations, CSV, VTK, NPY, PNG pictures and the report. */
export { fieldsCsv, formatNumber, lossCsv } from './csv.js';
export { fieldEnergy, type EnergyPoint } from './energy.js';
export { fieldErrors, fieldRanges, fieldTable } from './grid.js';
export { toNpy } from './npy.js';
export { picturesFor, renderLinePlot, type Picture } from './png/index.js';
export { escapeHtml, renderReport, toleranceMisses, verdictOf } from './report.js';
export { type FieldTable } from './table.js';
export { unknownUncertainty, withStageDrift, type UnknownUncertainty } from './uncertainty.js';
export { measureViolations, missedConstraints, type Violation } from './violations.js';
export { vtkFilesFor } from './vtk.js';
export { withResidual } from './residual-map.js';
export { parametricSummary, type ParametricSummary } from './parametric.js';
