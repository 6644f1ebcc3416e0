/** Adam, with its moments held as tensors so a step never leaves the backend. */
import * as tf from '@tensorflow/tfjs';

export interface AdamState {
  step: number;
  m: tf.Variable[];
  v: tf.Variable[];
}

interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const ADAM_DEFAULTS: Omit<AdamConfig, 'lr'> = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

export function createAdamState(params: tf.Variable[]): AdamState {
  // The zero tensors are released by tidy; the variables keep their data.
  return tf.tidy(() => ({
    step: 0,
    m: params.map((p) => tf.variable(tf.zerosLike(p), false)),
    v: params.map((p) => tf.variable(tf.zerosLike(p), false)),
  })) as unknown as AdamState;
}

/** One update of `params` given their gradients (same order). */
export function adamUpdate(state: AdamState, params: tf.Variable[], grads: tf.Tensor[], cfg: AdamConfig): void {
  state.step += 1;
  const t = state.step;
  const lrT = (cfg.lr * Math.sqrt(1 - cfg.beta2 ** t)) / (1 - cfg.beta1 ** t);
  tf.tidy(() => {
    params.forEach((p, i) => {
      const g = grads[i]!;
      const m = tf.add(tf.mul(state.m[i]!, cfg.beta1), tf.mul(g, 1 - cfg.beta1));
      const v = tf.add(tf.mul(state.v[i]!, cfg.beta2), tf.mul(tf.square(g), 1 - cfg.beta2));
      state.m[i]!.assign(m);
      state.v[i]!.assign(v);
      p.assign(tf.sub(p, tf.div(tf.mul(m, lrT), tf.add(tf.sqrt(v), cfg.epsilon))));
    });
  });
}

export function disposeAdamState(state: AdamState): void {
  state.m.forEach((t) => t.dispose());
  state.v.forEach((t) => t.dispose());
}
