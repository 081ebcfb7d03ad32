// The report room's public API: charts (SVG built here, rendered to PNG by sharp), the
// self-contained HTML report, thumbnails, and atomic JSON/CSV/PNG writers. Other rooms import
// from here only.
export type { HistoryPoint } from './charts';
export { learningCurvesSvg, learningCurvePoints, fineTuneStart, learningCurvesPng } from './charts';
export { confusionMatrixSvg, perClassF1Svg, confusionMatrixPng, perClassF1Png } from './class-charts';
export { svgToPng } from './svg';
export { writeFilesAtomic, csvField, csvLine, confusionMatrixCsv } from './files';
export type { ReportInput, ReportImages } from './html';
export { buildReportHtml, escapeHtml } from './html';
export { toDisplayBytes, thumbnailDataUri } from './thumbnails';
export type { EvaluationSummaryInput, EvaluationReportInput } from './evaluation';
export { EVALUATION_FILES, evaluationSummary, buildEvaluationFiles, writeEvaluationReport, refuseForeignReportFolder } from './evaluation';
export { ASSESS_FILES, buildAssessHtml, writeAssessReport } from './assess';
