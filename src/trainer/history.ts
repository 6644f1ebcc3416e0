/** The loss record a training run produces (loss.csv, the loss picture, the report). */

/** Loss records of a run: iteration, total and each named part per record (the rows of loss.csv). */
export interface LossHistory {
  parts: string[];
  iterations: number[];
  total: number[];
  /** values[p][k]: part p at record k. */
  values: number[][];
}
