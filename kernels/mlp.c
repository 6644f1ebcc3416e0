/*
 * The MLP's jet pass and its reverse pass as WebAssembly SIMD kernels (float32).
 *
 * A jet carries C channels through the network: the value, nd first derivatives, ns second
 * derivatives (pairs of first-derivative positions) and optionally a Laplacian channel (the sum
 * of the pure second derivatives of the positions in lapmask). Every channel goes through the
 * same dense layer; the activation mixes them by the chain rule (src/derivatives/jet.ts `chain`):
 *   h = f(z), h_p = f1 z_p, h_pq = f2 z_p z_q + f1 z_pq, h_lap = f2 sum z_p^2 + f1 z_lap.
 *
 * Points are processed in blocks of BLOCK rows through all layers, so a block's channels stay in
 * the cache. With plan.save set, the forward pass keeps every block's pre-activations Z and
 * activations H = f(Z) there for the reverse pass; without it, the reverse pass recomputes the
 * block's forward pass. Then it runs the chain rule
 * backwards and accumulates the weight and bias gradients.
 *
 * Two threads may share a pass: the memory is shared, each thread calls forward_part or
 * backward_part with its own number (its scratch area), and both take chunks of blocks from one
 * atomic counter (see "the work of a pass" below).
 *
 * Layouts (float32): W[l] is [w[l]][p[l+1]] (rows of the layer's inputs, columns padded to a
 * multiple of 4 with zeros), b[l] is [p[l+1]], dW[l] and db[l] likewise; x is [n][w[0]], drows
 * [nd][w[0]] (the input's constant first-derivative rows), y and dy are [C][n][w[L]].
 * Block buffers are [C][rows][p] (channel after channel), so all channels of a layer form one
 * matrix of C * rows rows.
 *
 * Built by scripts/build-kernels.sh (clang --target=wasm32 -msimd128 -matomics -O3 -nostdlib,
 * wasm-ld with an imported shared memory).
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define MAXL 16
#define MAXC 64
#ifndef BLOCK
#define BLOCK 32
#endif

typedef struct {
  int32_t L, n, C, nd, ns, lap, act, scratch, scratch_stride, chunks, slots;
  int32_t w[MAXL + 1];
  int32_t p[MAXL + 1];
  int32_t pair[2 * MAXC];
  int32_t lapmask[MAXC];
  int32_t W[MAXL], Wt[MAXL], b[MAXL], dW[MAXL], db[MAXL];
  int32_t x, drows, y, dy, save;
} Plan;

static Plan plan;

enum { ACT_TANH, ACT_SIN, ACT_SIGMOID, ACT_SILU, ACT_GELU, ACT_RELU };

#define F(off) ((float *)(uintptr_t)(off))
#define SPLAT(c) wasm_f32x4_splat(c)
#define ADD wasm_f32x4_add
#define SUB wasm_f32x4_sub
#define MUL wasm_f32x4_mul

__attribute__((export_name("plan_address"))) Plan *plan_address(void) { return &plan; }

/* ---- elementwise functions (4 lanes) ---- */

/* e^x, Cephes expf: x = n ln2 + r, a degree-6 polynomial in r, 2^n by the exponent bits. */
static inline v128_t exp_v(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, SPLAT(-87.3f)), SPLAT(88.3f));
  v128_t fx = wasm_f32x4_nearest(MUL(x, SPLAT(1.44269504088896341f)));
  x = SUB(x, MUL(fx, SPLAT(0.693359375f)));
  x = SUB(x, MUL(fx, SPLAT(-2.12194440e-4f)));
  v128_t y = SPLAT(1.9875691500e-4f);
  y = ADD(MUL(y, x), SPLAT(1.3981999507e-3f));
  y = ADD(MUL(y, x), SPLAT(8.3334519073e-3f));
  y = ADD(MUL(y, x), SPLAT(4.1665795894e-2f));
  y = ADD(MUL(y, x), SPLAT(1.6666665459e-1f));
  y = ADD(MUL(y, x), SPLAT(5.0000001201e-1f));
  y = ADD(ADD(MUL(y, MUL(x, x)), x), SPLAT(1.0f));
  v128_t n = wasm_i32x4_trunc_sat_f32x4(fx);
  v128_t pow2n = wasm_i32x4_shl(wasm_i32x4_add(n, wasm_i32x4_splat(127)), 23);
  return MUL(y, pow2n);
}

/* tanh as Eigen's rational approximation (odd degree 13 over even degree 6, inputs clamped to
 * +-7.9): within 3.6e-7 relative of tanh everywhere, one division and no exponential. */
static inline v128_t tanh_v(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, SPLAT(-7.90531110763549805f)), SPLAT(7.90531110763549805f));
  v128_t x2 = MUL(x, x);
  v128_t p = SPLAT(-2.76076847742355e-16f);
  p = ADD(MUL(p, x2), SPLAT(2.00018790482477e-13f));
  p = ADD(MUL(p, x2), SPLAT(-8.60467152213735e-11f));
  p = ADD(MUL(p, x2), SPLAT(5.12229709037114e-08f));
  p = ADD(MUL(p, x2), SPLAT(1.48572235717979e-05f));
  p = ADD(MUL(p, x2), SPLAT(6.37261928875436e-04f));
  p = ADD(MUL(p, x2), SPLAT(4.89352455891786e-03f));
  v128_t q = SPLAT(1.19825839466702e-06f);
  q = ADD(MUL(q, x2), SPLAT(1.18534705686654e-04f));
  q = ADD(MUL(q, x2), SPLAT(2.26843463243900e-03f));
  q = ADD(MUL(q, x2), SPLAT(4.89352518554385e-03f));
  return wasm_f32x4_div(MUL(p, x), q);
}

static inline v128_t sigmoid_v(v128_t x) {
  return wasm_f32x4_div(SPLAT(1.0f), ADD(SPLAT(1.0f), exp_v(wasm_f32x4_neg(x))));
}

/* sin and cos, Cephes sinf/cosf: reduction by pi/2 in three parts, polynomials on [-pi/4, pi/4]. */
static inline void sincos_v(v128_t x, v128_t *s, v128_t *c) {
  v128_t j = wasm_f32x4_nearest(MUL(x, SPLAT(0.636619772367581343f)));
  v128_t y = SUB(x, MUL(j, SPLAT(1.5703125f)));
  y = SUB(y, MUL(j, SPLAT(4.837512969970703125e-4f)));
  y = SUB(y, MUL(j, SPLAT(7.54978995489188216e-8f)));
  v128_t z = MUL(y, y);
  v128_t ps = SPLAT(-1.9515295891e-4f);
  ps = ADD(MUL(ps, z), SPLAT(8.3321608736e-3f));
  ps = ADD(MUL(ps, z), SPLAT(-1.6666654611e-1f));
  ps = ADD(MUL(MUL(ps, z), y), y);
  v128_t pc = SPLAT(2.443315711809948e-5f);
  pc = ADD(MUL(pc, z), SPLAT(-1.388731625493765e-3f));
  pc = ADD(MUL(pc, z), SPLAT(4.166664568298827e-2f));
  pc = ADD(SUB(MUL(MUL(pc, z), z), MUL(SPLAT(0.5f), z)), SPLAT(1.0f));
  v128_t q = wasm_i32x4_trunc_sat_f32x4(j);
  v128_t swap = wasm_i32x4_eq(wasm_v128_and(q, wasm_i32x4_splat(1)), wasm_i32x4_splat(1));
  v128_t sv = wasm_v128_bitselect(pc, ps, swap);
  v128_t cv = wasm_v128_bitselect(ps, pc, swap);
  /* sin is negative in quadrants 2 and 3, cos in quadrants 1 and 2. */
  v128_t sneg = wasm_i32x4_shl(wasm_i32x4_shr(wasm_v128_and(q, wasm_i32x4_splat(2)), 1), 31);
  v128_t cneg = wasm_i32x4_shl(wasm_v128_and(wasm_i32x4_add(q, wasm_i32x4_splat(1)), wasm_i32x4_splat(2)), 30);
  *s = wasm_v128_xor(sv, sneg);
  *c = wasm_v128_xor(cv, cneg);
}

/* erf by Abramowitz and Stegun 7.1.26 (the formula of tfjs's Erf kernels). */
static inline v128_t erf_v(v128_t x) {
  v128_t ax = wasm_f32x4_abs(x);
  v128_t t = wasm_f32x4_div(SPLAT(1.0f), ADD(SPLAT(1.0f), MUL(SPLAT(0.3275911f), ax)));
  v128_t p = SPLAT(1.061405429f);
  p = ADD(MUL(p, t), SPLAT(-1.453152027f));
  p = ADD(MUL(p, t), SPLAT(1.421413741f));
  p = ADD(MUL(p, t), SPLAT(-0.284496736f));
  p = ADD(MUL(p, t), SPLAT(0.254829592f));
  v128_t r = SUB(SPLAT(1.0f), MUL(MUL(p, t), exp_v(wasm_f32x4_neg(MUL(ax, ax)))));
  return wasm_v128_or(r, wasm_v128_and(x, wasm_i32x4_splat((int32_t)0x80000000)));
}

/* f and its first three derivatives at z (the third only for the reverse pass). */
static inline __attribute__((always_inline)) void derivs(int act, v128_t z, v128_t *f, v128_t *f1, v128_t *f2, v128_t *f3) {
  const v128_t one = SPLAT(1.0f), two = SPLAT(2.0f);
  switch (act) {
  case ACT_TANH: {
    v128_t t = tanh_v(z), d1 = SUB(one, MUL(t, t)), d2 = MUL(SPLAT(-2.0f), MUL(t, d1));
    *f = t, *f1 = d1, *f2 = d2, *f3 = MUL(SPLAT(-2.0f), ADD(MUL(d1, d1), MUL(t, d2)));
    break;
  }
  case ACT_SIN: {
    v128_t s, c;
    sincos_v(z, &s, &c);
    *f = s, *f1 = c, *f2 = wasm_f32x4_neg(s), *f3 = wasm_f32x4_neg(c);
    break;
  }
  case ACT_SIGMOID: {
    v128_t s = sigmoid_v(z), d1 = MUL(s, SUB(one, s)), m = SUB(one, MUL(two, s)), d2 = MUL(d1, m);
    *f = s, *f1 = d1, *f2 = d2, *f3 = SUB(MUL(d2, m), MUL(two, MUL(d1, d1)));
    break;
  }
  case ACT_SILU: {
    v128_t s = sigmoid_v(z), p = MUL(s, SUB(one, s)), p2 = MUL(p, SUB(one, MUL(two, s)));
    v128_t p3 = MUL(p, SUB(one, MUL(SPLAT(6.0f), p)));
    *f = MUL(z, s), *f1 = ADD(s, MUL(z, p)), *f2 = ADD(MUL(two, p), MUL(z, p2));
    *f3 = ADD(MUL(SPLAT(3.0f), p2), MUL(z, p3));
    break;
  }
  case ACT_GELU: {
    v128_t cdf = MUL(SPLAT(0.5f), ADD(one, erf_v(MUL(z, SPLAT(0.70710678118654752f)))));
    v128_t z2 = MUL(z, z);
    v128_t pdf = MUL(exp_v(MUL(z2, SPLAT(-0.5f))), SPLAT(0.3989422804014327f));
    *f = MUL(z, cdf), *f1 = ADD(cdf, MUL(z, pdf)), *f2 = MUL(pdf, SUB(two, z2));
    *f3 = MUL(MUL(z, pdf), SUB(z2, SPLAT(4.0f)));
    break;
  }
  default: { /* relu: no curvature */
    v128_t pos = wasm_f32x4_gt(z, SPLAT(0.0f));
    *f = wasm_v128_and(z, pos), *f1 = wasm_v128_and(one, pos), *f2 = SPLAT(0.0f), *f3 = SPLAT(0.0f);
  }
  }
}

/* ---- matrix products ---- */

/* Register tiles: MR rows (or, for mm_tn, MR columns of A) by NV vectors of 4 columns. */
#ifndef MR
#define MR 4
#endif
#ifndef NV
#define NV 2
#endif

/* `call` with R_ the constant rest (1 to MR - 1 rows; cases past MR - 1 are never taken). */
#define CLAMP_R(c) ((c) < MR ? (c) : (MR > 1 ? MR - 1 : 1))
#define REST(call, rest)                                                                                           \
  switch (rest) {                                                                                                  \
  case 1: { enum { R_ = 1 }; call; break; }                                                                        \
  case 2: { enum { R_ = CLAMP_R(2) }; call; break; }                                                               \
  case 3: { enum { R_ = CLAMP_R(3) }; call; break; }                                                               \
  case 4: { enum { R_ = CLAMP_R(4) }; call; break; }                                                               \
  default: { enum { R_ = CLAMP_R(5) }; call; }                                                                     \
  }

/* Rows i..i+mr of C = bias + A B over columns j..j+4*nv (mr <= MR, nv <= NV, both constants after inlining). */
static inline __attribute__((always_inline)) void mm_tile(const float *A, int lda, int i, int mr, int K,
                                                          const float *B, int ldb, float *Cm, int ldc, int j,
                                                          int nv, const float *bias) {
  v128_t acc[MR][NV];
  for (int v = 0; v < nv; v++) {
    v128_t z = bias ? wasm_v128_load(bias + j + 4 * v) : SPLAT(0.0f);
    for (int r = 0; r < mr; r++) acc[r][v] = z;
  }
  const float *a = A + i * lda;
  for (int k = 0; k < K; k++) {
    v128_t b[NV];
    for (int v = 0; v < nv; v++) b[v] = wasm_v128_load(B + k * ldb + j + 4 * v);
    for (int r = 0; r < mr; r++) {
      v128_t x = wasm_v128_load32_splat(a + r * lda + k);
      for (int v = 0; v < nv; v++) acc[r][v] = ADD(acc[r][v], MUL(x, b[v]));
    }
  }
  for (int r = 0; r < mr; r++)
    for (int v = 0; v < nv; v++) wasm_v128_store(Cm + (i + r) * ldc + j + 4 * v, acc[r][v]);
}

/* C[i][:] = bias + sum_k A[i][k] B[k][:] for m rows; N (a multiple of 4) columns. */
static void mm(const float *A, int lda, int m, int K, const float *B, int ldb, float *Cm, int ldc, int N,
               const float *bias) {
  int i = 0;
  for (; i + MR <= m; i += MR) {
    int j = 0;
    for (; j + 4 * NV <= N; j += 4 * NV) mm_tile(A, lda, i, MR, K, B, ldb, Cm, ldc, j, NV, bias);
    for (; j < N; j += 4) mm_tile(A, lda, i, MR, K, B, ldb, Cm, ldc, j, 1, bias);
  }
  if (i < m) { /* the last m - i < MR rows, one constant tile height each */
    int j = 0;
    for (; j + 4 * NV <= N; j += 4 * NV) REST(mm_tile(A, lda, i, R_, K, B, ldb, Cm, ldc, j, NV, bias), m - i);
    for (; j < N; j += 4) REST(mm_tile(A, lda, i, R_, K, B, ldb, Cm, ldc, j, 1, bias), m - i);
  }
}

/* Rows k..k+mr of G += A^T D over m rows of A and D, columns j..j+4*nv. */
static inline __attribute__((always_inline)) void mm_tn_tile(const float *A, int lda, int m, int k, int mr,
                                                             const float *D, int ldd, float *G, int ldg, int j,
                                                             int nv) {
  v128_t acc[MR][NV];
  for (int r = 0; r < mr; r++)
    for (int v = 0; v < nv; v++) acc[r][v] = wasm_v128_load(G + (k + r) * ldg + j + 4 * v);
  for (int i = 0; i < m; i++) {
    v128_t d[NV];
    for (int v = 0; v < nv; v++) d[v] = wasm_v128_load(D + i * ldd + j + 4 * v);
    for (int r = 0; r < mr; r++) {
      v128_t x = wasm_v128_load32_splat(A + i * lda + k + r);
      for (int v = 0; v < nv; v++) acc[r][v] = ADD(acc[r][v], MUL(x, d[v]));
    }
  }
  for (int r = 0; r < mr; r++)
    for (int v = 0; v < nv; v++) wasm_v128_store(G + (k + r) * ldg + j + 4 * v, acc[r][v]);
}

/* G[k][:] += sum_i A[i][k] D[i][:] over m rows, for k < K; N (a multiple of 4) columns. */
static void mm_tn(const float *A, int lda, int m, int K, const float *D, int ldd, float *G, int ldg, int N) {
  int k = 0;
  for (; k + MR <= K; k += MR) {
    int j = 0;
    for (; j + 4 * NV <= N; j += 4 * NV) mm_tn_tile(A, lda, m, k, MR, D, ldd, G, ldg, j, NV);
    for (; j < N; j += 4) mm_tn_tile(A, lda, m, k, MR, D, ldd, G, ldg, j, 1);
  }
  if (k < K) {
    int j = 0;
    for (; j + 4 * NV <= N; j += 4 * NV) REST(mm_tn_tile(A, lda, m, k, R_, D, ldd, G, ldg, j, NV), K - k);
    for (; j < N; j += 4) REST(mm_tn_tile(A, lda, m, k, R_, D, ldd, G, ldg, j, 1), K - k);
  }
}

/* ---- the activation's chain rule on a block ---- */

/* H = f(Z) channel by channel for `rows` rows of width P (both [C][rows][P]), f = activation `act`. */
static inline __attribute__((always_inline)) void act_forward_as(int act, const float *Z, float *H, int rows, int P) {
  const int C = plan.C, nd = plan.nd, ns = plan.ns, lap = plan.lap, cs = rows * P;
  const float *Zd = Z + cs, *Zdd = Zd + nd * cs, *Zl = Zdd + ns * cs;
  float *Hd = H + cs, *Hdd = Hd + nd * cs, *Hl = Hdd + ns * cs;
  for (int e = 0; e < cs; e += 4) {
    v128_t f, f1, f2, f3;
    derivs(act, wasm_v128_load(Z + e), &f, &f1, &f2, &f3);
    wasm_v128_store(H + e, f);
    if (C == 1) continue;
    v128_t sq = SPLAT(0.0f);
    for (int q = 0; q < nd; q++) {
      v128_t d = wasm_v128_load(Zd + q * cs + e);
      wasm_v128_store(Hd + q * cs + e, MUL(f1, d));
      if (plan.lapmask[q]) sq = ADD(sq, MUL(d, d));
    }
    for (int s = 0; s < ns; s++) {
      v128_t da = wasm_v128_load(Zd + plan.pair[2 * s] * cs + e), db = wasm_v128_load(Zd + plan.pair[2 * s + 1] * cs + e);
      wasm_v128_store(Hdd + s * cs + e, ADD(MUL(f2, MUL(da, db)), MUL(f1, wasm_v128_load(Zdd + s * cs + e))));
    }
    if (lap) wasm_v128_store(Hl + e, ADD(MUL(f2, sq), MUL(f1, wasm_v128_load(Zl + e))));
  }
}

/* tanh's and sigmoid's derivatives are polynomials in their value f: no transcendental needed. */
static inline __attribute__((always_inline)) void derivs_of_value(int act, v128_t f, v128_t *f1, v128_t *f2,
                                                                  v128_t *f3) {
  const v128_t one = SPLAT(1.0f), two = SPLAT(2.0f);
  if (act == ACT_TANH) {
    v128_t d1 = SUB(one, MUL(f, f)), d2 = MUL(SPLAT(-2.0f), MUL(f, d1));
    *f1 = d1, *f2 = d2, *f3 = MUL(SPLAT(-2.0f), ADD(MUL(d1, d1), MUL(f, d2)));
  } else {
    v128_t d1 = MUL(f, SUB(one, f)), m = SUB(one, MUL(two, f)), d2 = MUL(d1, m);
    *f1 = d1, *f2 = d2, *f3 = SUB(MUL(d2, m), MUL(two, MUL(d1, d1)));
  }
}

/* D = the gradient with respect to Z given G, the gradient with respect to H = f(Z) (all [C][rows][P]);
 * F0 = f(Z), H's value channel. */
static inline __attribute__((always_inline)) void act_backward_as(int act, const float *Z, const float *F0,
                                                                   const float *G, float *D, int rows, int P) {
  const int C = plan.C, nd = plan.nd, ns = plan.ns, lap = plan.lap, cs = rows * P;
  const float *Zd = Z + cs, *Zdd = Zd + nd * cs, *Zl = Zdd + ns * cs;
  const float *Gd = G + cs, *Gdd = Gd + nd * cs, *Gl = Gdd + ns * cs;
  float *Dd = D + cs, *Ddd = Dd + nd * cs, *Dl = Ddd + ns * cs;
  for (int e = 0; e < cs; e += 4) {
    v128_t f, f1, f2, f3;
    if (act == ACT_TANH || act == ACT_SIGMOID)
      derivs_of_value(act, wasm_v128_load(F0 + e), &f1, &f2, &f3);
    else
      derivs(act, wasm_v128_load(Z + e), &f, &f1, &f2, &f3);
    v128_t gv = MUL(wasm_v128_load(G + e), f1);
    if (C > 1) {
      for (int q = 0; q < nd; q++) {
        v128_t g = wasm_v128_load(Gd + q * cs + e);
        gv = ADD(gv, MUL(MUL(g, f2), wasm_v128_load(Zd + q * cs + e)));
        wasm_v128_store(Dd + q * cs + e, MUL(g, f1));
      }
      for (int s = 0; s < ns; s++) {
        int a = plan.pair[2 * s], b = plan.pair[2 * s + 1];
        v128_t g = wasm_v128_load(Gdd + s * cs + e);
        v128_t da = wasm_v128_load(Zd + a * cs + e), db = wasm_v128_load(Zd + b * cs + e);
        gv = ADD(gv, MUL(g, ADD(MUL(f3, MUL(da, db)), MUL(f2, wasm_v128_load(Zdd + s * cs + e)))));
        v128_t gf2 = MUL(g, f2);
        wasm_v128_store(Dd + a * cs + e, ADD(wasm_v128_load(Dd + a * cs + e), MUL(gf2, db)));
        wasm_v128_store(Dd + b * cs + e, ADD(wasm_v128_load(Dd + b * cs + e), MUL(gf2, da)));
        wasm_v128_store(Ddd + s * cs + e, MUL(g, f1));
      }
      if (lap) {
        v128_t g = wasm_v128_load(Gl + e), g2 = MUL(MUL(g, f2), SPLAT(2.0f)), sq = SPLAT(0.0f);
        for (int q = 0; q < nd; q++) {
          if (!plan.lapmask[q]) continue;
          v128_t d = wasm_v128_load(Zd + q * cs + e);
          sq = ADD(sq, MUL(d, d));
          wasm_v128_store(Dd + q * cs + e, ADD(wasm_v128_load(Dd + q * cs + e), MUL(g2, d)));
        }
        gv = ADD(gv, MUL(g, ADD(MUL(f3, sq), MUL(f2, wasm_v128_load(Zl + e)))));
        wasm_v128_store(Dl + e, MUL(g, f1));
      }
    }
    wasm_v128_store(D + e, gv);
  }
}

/* The activation's loops compiled once per activation (its constant folds the switch in derivs). */
#define BY_ACTIVATION(call)                                                                                        \
  switch (plan.act) {                                                                                              \
  case ACT_TANH: call(ACT_TANH); break;                                                                            \
  case ACT_SIN: call(ACT_SIN); break;                                                                              \
  case ACT_SIGMOID: call(ACT_SIGMOID); break;                                                                      \
  case ACT_SILU: call(ACT_SILU); break;                                                                            \
  case ACT_GELU: call(ACT_GELU); break;                                                                            \
  default: call(ACT_RELU);                                                                                         \
  }

static void act_forward(const float *Z, float *H, int rows, int P) {
#define FWD(a) act_forward_as(a, Z, H, rows, P)
  BY_ACTIVATION(FWD)
#undef FWD
}

static void act_backward(const float *Z, const float *F0, const float *G, float *D, int rows, int P) {
#define BWD(a) act_backward_as(a, Z, F0, G, D, rows, P)
  BY_ACTIVATION(BWD)
#undef BWD
}

/* ---- one block of rows through the network ---- */

/* What one thread works in: where its current block's state lies, and its own scratch (each thread
 * has plan.scratch_stride bytes of it from plan.scratch). */
typedef struct {
  float *zbase;
  float *scratch;
} Ctx;

static int layer_floats(int k) { return plan.C * BLOCK * plan.p[k]; }

/* Floats of one block's state. */
static int zblock(void) {
  int s = 0;
  for (int k = 0; k + 1 < plan.L; k++) s += 2 * layer_floats(k + 1);
  return s;
}

static float *buf_Z(const Ctx *t, int l) {
  float *s = t->zbase;
  for (int k = 0; k < l; k++) s += 2 * layer_floats(k + 1);
  return s;
}

static float *buf_H(const Ctx *t, int l) { return l == 0 ? t->scratch : buf_Z(t, l - 1) + layer_floats(l); }

static float *buf_Y(const Ctx *t) { return t->scratch + layer_floats(0) + zblock(); }

static int grad_floats(void) {
  int pmax = 0;
  for (int k = 0; k <= plan.L; k++) pmax = plan.p[k] > pmax ? plan.p[k] : pmax;
  return plan.C * BLOCK * pmax;
}

static float *buf_grad(const Ctx *t, int which) { return buf_Y(t) + layer_floats(plan.L) + which * grad_floats(); }

static Ctx thread_ctx(int tid) {
  Ctx t = {0, (float *)((char *)F(plan.scratch) + tid * plan.scratch_stride)};
  return t;
}

/* Where block b's state lies. */
static void use_block(Ctx *t, int b) {
  t->zbase = plan.save ? F(plan.save) + b * zblock() : t->scratch + layer_floats(0);
}

/* Bytes of one thread's scratch, and of what the forward pass keeps (the JS side reserves both). */
__attribute__((export_name("scratch_bytes"))) int scratch_bytes(void) {
  return 4 * (layer_floats(0) + zblock() + layer_floats(plan.L) + 2 * grad_floats());
}
__attribute__((export_name("saved_bytes"))) int saved_bytes(void) {
  return ((plan.n + BLOCK - 1) / BLOCK) * zblock() * 4;
}

static void block_input(const Ctx *t, int r0, int rows) {
  const int C = plan.C, w0 = plan.w[0], p0 = plan.p[0], cs = rows * p0;
  float *H = buf_H(t, 0);
  const float *x = F(plan.x);
  for (int i = 0; i < C * cs; i++) H[i] = 0.0f;
  for (int r = 0; r < rows; r++)
    for (int k = 0; k < w0; k++) H[r * p0 + k] = x[(r0 + r) * w0 + k];
  for (int q = 0; q < plan.nd; q++)
    for (int r = 0; r < rows; r++)
      for (int k = 0; k < w0; k++) H[(1 + q) * cs + r * p0 + k] = F(plan.drows)[q * w0 + k];
}

/* The forward pass of rows r0.. r0+rows: every H and Z of the block, and its output rows. */
static void block_forward(const Ctx *t, int r0, int rows) {
  const int L = plan.L, C = plan.C;
  block_input(t, r0, rows);
  for (int l = 0; l < L; l++) {
    const int K = plan.w[l], P = plan.p[l], N = plan.p[l + 1];
    const float *A = buf_H(t, l);
    float *out = l + 1 < L ? buf_Z(t, l) : buf_Y(t);
    mm(A, P, rows, K, F(plan.W[l]), N, out, N, N, F(plan.b[l]));
    if (C > 1) mm(A + rows * P, P, (C - 1) * rows, K, F(plan.W[l]), N, out + rows * N, N, N, 0);
    if (l + 1 < L) act_forward(out, buf_H(t, l + 1), rows, N);
  }
}

/* ---- the work of a pass, in chunks that threads take in turn ---- */

/*
 * A pass's blocks form plan.chunks chunks of consecutive blocks, fixed by the number of points
 * only. Threads take chunks from a shared counter until none is left, so a slower thread takes
 * fewer; the reverse pass sums each chunk's weight gradients in the chunk's own slot and
 * reduce_slots adds the slots in chunk order, so the result does not depend on the number of
 * threads or on which thread took which chunk.
 */
static int32_t next_chunk;

__attribute__((export_name("reset_work"))) void reset_work(void) { __atomic_store_n(&next_chunk, 0, __ATOMIC_SEQ_CST); }

/* Chunks each thread has taken since the module started (the bench and tests read how the work split). */
static int32_t taken[2];

__attribute__((export_name("chunks_taken"))) int chunks_taken(int tid) { return taken[tid]; }

static int take_chunk(int tid) {
  int c = __atomic_fetch_add(&next_chunk, 1, __ATOMIC_SEQ_CST);
  if (c < plan.chunks) taken[tid]++;
  return c;
}

static int blocks(void) { return (plan.n + BLOCK - 1) / BLOCK; }

/* Rows of block b (the last one may be partial). */
static int block_rows(int b) { return plan.n - b * BLOCK < BLOCK ? plan.n - b * BLOCK : BLOCK; }

/* Blocks [*b0, *b1) of chunk c. */
static void chunk_blocks(int c, int *b0, int *b1) {
  const int nb = blocks(), per = nb / plan.chunks, extra = nb % plan.chunks;
  *b0 = c * per + (c < extra ? c : extra);
  *b1 = *b0 + per + (c < extra ? 1 : 0);
}

/* The forward pass's chunks this thread takes: y = the network's output jet on their points. */
__attribute__((export_name("forward_part"))) void forward_part(int tid) {
  const int C = plan.C, wL = plan.w[plan.L], pL = plan.p[plan.L];
  float *y = F(plan.y);
  Ctx t = thread_ctx(tid);
  const float *out = buf_Y(&t);
  for (int c = take_chunk(tid); c < plan.chunks; c = take_chunk(tid)) {
    int b0, b1;
    chunk_blocks(c, &b0, &b1);
    for (int b = b0; b < b1; b++) {
      const int r0 = b * BLOCK, rows = block_rows(b);
      use_block(&t, b);
      block_forward(&t, r0, rows);
      for (int ch = 0; ch < C; ch++)
        for (int r = 0; r < rows; r++)
          for (int k = 0; k < wL; k++) y[(ch * plan.n + r0 + r) * wL + k] = out[(ch * rows + r) * pL + k];
    }
  }
}

/* Floats of one chunk's slot: every layer's dW ([w[l]][p[l+1]]) then db ([p[l+1]]). */
__attribute__((export_name("slot_floats"))) int slot_floats(void) {
  int s = 0;
  for (int l = 0; l < plan.L; l++) s += (plan.w[l] + 1) * plan.p[l + 1];
  return s;
}

static float *slot_dW(int c, int l) {
  float *s = F(plan.slots) + c * slot_floats();
  for (int k = 0; k < l; k++) s += (plan.w[k] + 1) * plan.p[k + 1];
  return s;
}

static float *slot_db(int c, int l) { return slot_dW(c, l) + plan.w[l] * plan.p[l + 1]; }

/* Wt = the transposed weights, for the reverse pass (before any thread's part of it). */
__attribute__((export_name("backward_prepare"))) void backward_prepare(void) {
  for (int l = 0; l < plan.L; l++) {
    const int K = plan.w[l], P = plan.p[l], N = plan.w[l + 1], pN = plan.p[l + 1];
    float *Wt = F(plan.Wt[l]);
    const float *W = F(plan.W[l]);
    for (int j = 0; j < N; j++)
      for (int k = 0; k < P; k++) Wt[j * P + k] = k < K ? W[k * pN + j] : 0.0f;
  }
}

/* The reverse pass of one block: chunk c's slot accumulates the block's share of dW and db. */
static void block_backward(const Ctx *t, int c, int r0, int rows) {
  const int L = plan.L, C = plan.C, n = plan.n, wL = plan.w[L], pL = plan.p[L];
  float *g = buf_grad(t, 0), *u = buf_grad(t, 1);
  const float *dy = F(plan.dy);
  for (int i = 0; i < C * rows * pL; i++) g[i] = 0.0f;
  for (int ch = 0; ch < C; ch++)
    for (int r = 0; r < rows; r++)
      for (int k = 0; k < wL; k++) g[(ch * rows + r) * pL + k] = dy[(ch * n + r0 + r) * wL + k];
  for (int l = L - 1; l >= 0; l--) {
    const int P = plan.p[l], N = plan.p[l + 1];
    float *D = g;
    if (l + 1 < L) {
      act_backward(buf_Z(t, l), buf_H(t, l + 1), g, u, rows, N);
      D = u, u = g;
    }
    mm_tn(buf_H(t, l), P, C * rows, plan.w[l], D, N, slot_dW(c, l), N, N);
    float *db = slot_db(c, l);
    for (int j = 0; j < N; j += 4) {
      v128_t s = wasm_v128_load(db + j);
      for (int r = 0; r < rows; r++) s = ADD(s, wasm_v128_load(D + r * N + j));
      wasm_v128_store(db + j, s);
    }
    if (l > 0) {
      mm(D, N, C * rows, plan.w[l + 1], F(plan.Wt[l]), P, u, P, P, 0);
      g = u, u = D;
    }
  }
}

/* The reverse pass's chunks this thread takes, each into its slot (with plan.save: from the Z the
 * forward pass kept there, same plan and input). */
__attribute__((export_name("backward_part"))) void backward_part(int tid) {
  Ctx t = thread_ctx(tid);
  const int floats = slot_floats();
  for (int c = take_chunk(tid); c < plan.chunks; c = take_chunk(tid)) {
    float *slot = slot_dW(c, 0);
    for (int i = 0; i < floats; i++) slot[i] = 0.0f;
    int b0, b1;
    chunk_blocks(c, &b0, &b1);
    for (int b = b0; b < b1; b++) {
      const int r0 = b * BLOCK, rows = block_rows(b);
      use_block(&t, b);
      if (plan.save)
        block_input(&t, r0, rows);
      else
        block_forward(&t, r0, rows);
      block_backward(&t, c, r0, rows);
    }
  }
}

/* dW, db = the sum of the chunks' slots in chunk order: the gradients of sum(dy * y). */
__attribute__((export_name("reduce_slots"))) void reduce_slots(void) {
  const int stride = slot_floats();
  for (int l = 0; l < plan.L; l++) {
    const int pN = plan.p[l + 1];
    const float *sW = slot_dW(0, l), *sb = slot_db(0, l);
    float *dW = F(plan.dW[l]), *db = F(plan.db[l]);
    for (int i = 0; i < plan.w[l] * pN; i += 4) {
      v128_t s = wasm_v128_load(sW + i);
      for (int c = 1; c < plan.chunks; c++) s = ADD(s, wasm_v128_load(sW + c * stride + i));
      wasm_v128_store(dW + i, s);
    }
    for (int j = 0; j < pN; j += 4) {
      v128_t s = wasm_v128_load(sb + j);
      for (int c = 1; c < plan.chunks; c++) s = ADD(s, wasm_v128_load(sb + c * stride + j));
      wasm_v128_store(db + j, s);
    }
  }
}

/* ---- the machine's ceiling, for the bench ---- */

/* 12 independent chains a = a * x + y, `iterations` times: 96 multiply-adds of 4 lanes each per
 * 8 iterations, nothing but registers. Returns a sum so the work is kept. */
__attribute__((export_name("simd_peak"))) float simd_peak(int iterations) {
  v128_t a[12];
  const v128_t x = SPLAT(0.9999f), y = SPLAT(1e-4f);
  for (int c = 0; c < 12; c++) a[c] = SPLAT((float)c);
  for (int i = 0; i < iterations; i++)
    for (int c = 0; c < 12; c++) a[c] = ADD(MUL(a[c], x), y);
  v128_t s = a[0];
  for (int c = 1; c < 12; c++) s = ADD(s, a[c]);
  return wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 3);
}

/* ---- the Gauss-Newton matrix (float64) ---- */

/*
 * gram (n x n, row-major, upper triangle) += sum_i w_i r_i r_i^T over the m rows r_i of `rows`
 * (float32, m x n), for w_i > 0 (rows of weight <= 0 cost nothing): src/util/linalg.ts
 * addWeightedGram's product, 2 x 4 tiles of float64 pairs along the rows. Blocks of GB rows are
 * scaled by sqrt(w_i) and transposed into `block` (n4 columns of GB doubles, n4 = n rounded up to
 * a multiple of 4, 16-byte aligned), so each column is contiguous in the rows it sums over.
 */
#define GB 64
#define D(off) ((double *)(uintptr_t)(off))

static void gram_tiles(const double *block, int n, int n4, int b2, double *gram) {
  for (int p = 0; p < n4; p += 2) {
    const double *a0 = block + p * GB, *a1 = a0 + GB;
    for (int q = p & ~3; q < n4; q += 4) {
      const double *c0 = block + q * GB, *c1 = c0 + GB, *c2 = c1 + GB, *c3 = c2 + GB;
      v128_t s00 = wasm_f64x2_splat(0), s01 = s00, s02 = s00, s03 = s00;
      v128_t s10 = s00, s11 = s00, s12 = s00, s13 = s00;
      for (int i = 0; i < b2; i += 2) {
        v128_t x0 = wasm_v128_load(a0 + i), x1 = wasm_v128_load(a1 + i);
        v128_t y0 = wasm_v128_load(c0 + i), y1 = wasm_v128_load(c1 + i);
        v128_t y2 = wasm_v128_load(c2 + i), y3 = wasm_v128_load(c3 + i);
        s00 = wasm_f64x2_add(s00, wasm_f64x2_mul(x0, y0));
        s01 = wasm_f64x2_add(s01, wasm_f64x2_mul(x0, y1));
        s02 = wasm_f64x2_add(s02, wasm_f64x2_mul(x0, y2));
        s03 = wasm_f64x2_add(s03, wasm_f64x2_mul(x0, y3));
        s10 = wasm_f64x2_add(s10, wasm_f64x2_mul(x1, y0));
        s11 = wasm_f64x2_add(s11, wasm_f64x2_mul(x1, y1));
        s12 = wasm_f64x2_add(s12, wasm_f64x2_mul(x1, y2));
        s13 = wasm_f64x2_add(s13, wasm_f64x2_mul(x1, y3));
      }
      v128_t s[8] = {s00, s01, s02, s03, s10, s11, s12, s13};
      for (int t = 0; t < 8; t++) {
        int r = p + t / 4, c = q + t % 4;
        if (r < n && c < n && c >= r)
          gram[r * n + c] += wasm_f64x2_extract_lane(s[t], 0) + wasm_f64x2_extract_lane(s[t], 1);
      }
    }
  }
}

__attribute__((export_name("gram_add"))) void gram_add(int rows_at, int w_at, int m, int n, int gram_at, int block_at) {
  const float *rows = F(rows_at), *w = F(w_at);
  double *gram = D(gram_at), *block = D(block_at);
  int n4 = (n + 3) & ~3;
  for (int start = 0; start < m;) {
    int b = 0;
    for (; start < m && b < GB; start++) {
      float wi = w[start];
      if (!(wi > 0)) continue;
      double s = __builtin_sqrt((double)wi);
      const float *r = rows + (long)start * n;
      for (int p = 0; p < n; p++) block[p * GB + b] = s * r[p];
      b++;
    }
    if (b == 0) continue;
    int b2 = (b + 1) & ~1;
    for (int p = 0; p < n4; p++) {
      if (p >= n) for (int i = 0; i < b2; i++) block[p * GB + i] = 0;
      else if (b2 > b) block[p * GB + b] = 0;
    }
    gram_tiles(block, n, n4, b2, gram);
  }
}
