/**
 * Gradient overrides for speed. The stock MatMul gradient multiplies with
 * transpose flags, which the wasm backend runs as a scalar loop (~10x slower
 * than its XNNPACK path); transposing explicitly first keeps every product on
 * the fast path. Only 2D products are used by pinn.
 *
 * The stock Tanh gradient reuses the saved output, which tfjs cannot
 * differentiate again (upstream issue 3252); saving the input instead makes
 * nested reverse mode work (used by the benchmark's reference engine).
 */
import * as tf from '@tensorflow/tfjs';

const t2 = (x: tf.Tensor) => tf.transpose(x as tf.Tensor2D);
const mm = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);

let registered = false;

export function registerFastGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const d = dy as tf.Tensor;
      if (!transposeA && !transposeB) return { a: () => mm(d, t2(b)), b: () => mm(t2(a), d) };
      if (!transposeA && transposeB) return { a: () => mm(d, b), b: () => mm(t2(d), a) };
      if (transposeA && !transposeB) return { a: () => mm(b, t2(d)), b: () => mm(a, d) };
      return { a: () => mm(t2(b), t2(d)), b: () => mm(t2(d), t2(a)) };
    },
  });
  tf.registerGradient({
    kernelName: 'Tanh',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as [tf.Tensor];
      return { x: () => tf.mul(dy as tf.Tensor, tf.sub(1, tf.square(tf.tanh(x)))) };
    },
  });
}
