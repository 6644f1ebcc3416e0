/*
 * L-BFGS's two-loop recursion (Nocedal & Wright, algorithm 7.4) over curvature pairs held in this
 * module's memory, float64 in 128-bit SIMD: the direction -H q from m pairs (s_k, y_k) with
 * rho_k = 1 / (s_k . y_k), oldest first, and the initial scaling gamma.
 *
 * The recursion reads every pair twice and is memory-bound: each loop's dot product is fused into
 * the previous update's pass over q, so a direction costs two passes over the pairs, not four.
 * The caller (src/kernels/pairs.ts) places the pairs in slots and passes their order.
 *
 * Built by scripts/build-kernels.sh (clang --target=wasm32 -msimd128 -O3 -nostdlib, wasm-ld).
 */
#include <stdint.h>
#include <wasm_simd128.h>

static double sum2(v128_t a, v128_t b) {
  v128_t s = wasm_f64x2_add(a, b);
  return wasm_f64x2_extract_lane(s, 0) + wasm_f64x2_extract_lane(s, 1);
}

static double dot(const double *a, const double *b, int n) {
  v128_t s0 = wasm_f64x2_splat(0), s1 = wasm_f64x2_splat(0);
  int i = 0;
  for (; i + 3 < n; i += 4) {
    s0 = wasm_f64x2_add(s0, wasm_f64x2_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    s1 = wasm_f64x2_add(s1, wasm_f64x2_mul(wasm_v128_load(a + i + 2), wasm_v128_load(b + i + 2)));
  }
  double s = sum2(s0, s1);
  for (; i < n; i++) s += a[i] * b[i];
  return s;
}

/* q += c x; returns next . q (after the update), or 0 without next. */
static double axpy_dot(double *q, double c, const double *x, const double *next, int n) {
  v128_t cc = wasm_f64x2_splat(c);
  v128_t s0 = wasm_f64x2_splat(0), s1 = wasm_f64x2_splat(0);
  int i = 0;
  for (; i + 3 < n; i += 4) {
    v128_t q0 = wasm_f64x2_add(wasm_v128_load(q + i), wasm_f64x2_mul(cc, wasm_v128_load(x + i)));
    v128_t q1 = wasm_f64x2_add(wasm_v128_load(q + i + 2), wasm_f64x2_mul(cc, wasm_v128_load(x + i + 2)));
    wasm_v128_store(q + i, q0);
    wasm_v128_store(q + i + 2, q1);
    if (next) {
      s0 = wasm_f64x2_add(s0, wasm_f64x2_mul(wasm_v128_load(next + i), q0));
      s1 = wasm_f64x2_add(s1, wasm_f64x2_mul(wasm_v128_load(next + i + 2), q1));
    }
  }
  double s = sum2(s0, s1);
  for (; i < n; i++) {
    q[i] += c * x[i];
    if (next) s += next[i] * q[i];
  }
  return next ? s : 0;
}

/*
 * q <- -H q. Pair k (0 = oldest) is s = pairs + order[k] * 2n, y = s + n; rho[k] its 1 / (s . y);
 * alpha is m doubles of scratch.
 */
__attribute__((export_name("two_loop")))
void two_loop(int m, int n, const double *pairs, const int32_t *order, const double *rho, double *alpha,
              double *q, double gamma) {
#define S(k) (pairs + (int64_t)order[k] * 2 * n)
#define Y(k) (S(k) + n)
  double sq = m > 0 ? dot(S(m - 1), q, n) : 0;
  for (int k = m - 1; k >= 0; k--) {
    alpha[k] = rho[k] * sq;
    sq = axpy_dot(q, -alpha[k], Y(k), k > 0 ? S(k - 1) : 0, n);
  }
  for (int i = 0; i < n; i++) q[i] *= gamma;
  double yq = m > 0 ? dot(Y(0), q, n) : 0;
  for (int k = 0; k < m; k++) yq = axpy_dot(q, alpha[k] - rho[k] * yq, S(k), k + 1 < m ? Y(k + 1) : 0, n);
  for (int i = 0; i < n; i++) q[i] = -q[i];
#undef S
#undef Y
}
