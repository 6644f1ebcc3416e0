// Wall-clock ceilings for tests. A test never asserts on elapsed time; where a command or function
// takes a time budget that it only uses up when it cannot finish (a deadline, a ceiling), the budget
// is generous and multiplied by PINN_TEST_TIME_SCALE (default 1) for slow or busy machines.

const raw = process.env.PINN_TEST_TIME_SCALE ?? '1';

/** Factor on every wall-clock ceiling in the tests. */
export const TIME_SCALE = Number(raw);

if (!(TIME_SCALE > 0 && Number.isFinite(TIME_SCALE))) {
  throw new Error(`PINN_TEST_TIME_SCALE must be a positive number, not '${raw}'`);
}
