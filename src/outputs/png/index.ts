/** PNG pictures of a run: heat maps, line plots, the loss curve. */
export { renderHeatmap, type HeatmapInput } from './heatmap.js';
export { renderLinePlot, renderLossCurve, type LineSeries, type LinePlotInput } from './lineplot.js';
export { picturesFor, type Picture } from './pictures.js';
