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
  // Multiply and Square without the float32 casts of the stock gradients (a kernel each).
  tf.registerGradient({
    kernelName: 'Multiply',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const d = dy as tf.Tensor;
      return { a: () => unbroadcast(tf.mul(d, b), a.shape), b: () => unbroadcast(tf.mul(d, a), b.shape) };
    },
  });
  tf.registerGradient({
    kernelName: 'Square',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as [tf.Tensor];
      return { x: () => tf.mul(dy as tf.Tensor, tf.mul(x, 2)) };
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

/**
 * Zero (float32) gradients for the kernels whose output is boolean. tfjs registers none
 * for most comparisons and logic ops, so reverse mode through min, max, abs
 * selectors or `cond ? a : b` (a Select whose mask depends on the weights)
 * failed with "gradient function not found for LessEqual". The mask is
 * piecewise constant: its derivative is zero wherever it is defined, and the
 * gradient flows through the branch Select picked.
 */
export function registerBooleanGradients(): void {
  const binary = ['Less', 'LessEqual', 'Greater', 'GreaterEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr'];
  for (const kernelName of binary) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => {
        const [a, b] = saved as [tf.Tensor, tf.Tensor];
        return { a: () => tf.zeros(a.shape), b: () => tf.zeros(b.shape) };
      },
    });
  }
  if (!tf.getGradient('LogicalNot')) {
    tf.registerGradient({
      kernelName: 'LogicalNot',
      inputsToSave: ['x'],
      gradFunc: (_dy, saved) => ({ x: () => tf.zeros((saved as [tf.Tensor])[0].shape) }),
    });
  }
}

/** Sums a broadcast gradient back to an input's shape. */
function unbroadcast(g: tf.Tensor, shape: number[]): tf.Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const offset = g.shape.length - shape.length;
  const axes = g.shape.flatMap((d, i) => (i < offset || (shape[i - offset] === 1 && d !== 1) ? [i] : []));
  return tf.reshape(axes.length ? tf.sum(g, axes) : g, shape);
}

/**
 * Zero-copy Identity and same-type Cast on wasm. tfjs clones every tensor an
 * op saves for its gradient (each input of a Multiply, say) and casts inputs
 * to float32 inside gradients; the wasm backend copies the data for both,
 * about a hundred 2000 x 50 copies per training step. Sharing the buffer by
 * reference count is what the cpu backend does; tensors are immutable, so it
 * is safe.
 */
export function registerWasmSharing(): void {
  const share = (x: tf.TensorInfo, backend: unknown): tf.TensorInfo => {
    (backend as { incRef(id: unknown): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  const identity = tf.getKernel('Identity', 'wasm');
  const cast = tf.getKernel('Cast', 'wasm');
  if (!identity || !cast || (identity as { pinnSharing?: boolean }).pinnSharing) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) =>
      (inputs['x']!.dtype === 'string'
        ? identity.kernelFunc({ inputs, backend, attrs: {} })
        : share(inputs['x']!, backend)) as tf.TensorInfo,
    pinnSharing: true,
  } as tf.KernelConfig);
  tf.unregisterKernel('Cast', 'wasm');
  tf.registerKernel({
    kernelName: 'Cast',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs['x']!;
      return (
        x.dtype === (args.attrs as { dtype: string }).dtype ? share(x, args.backend) : cast.kernelFunc(args)
      ) as tf.TensorInfo;
    },
  });
}
