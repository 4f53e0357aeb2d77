/**
 * The speed layer's fold-in (flink-jobs `moviereco.flink.speed.FoldIn`, docs/speed.md), for the
 * basket route: a user vector solved from ratings against the current model's fixed item factors,
 * and the best-scored movies. The same maths and arithmetic as the Java, checked on the shared
 * vectors `schemas/contracts/fold-in.json` by both (serving/fold-in.test.ts, FoldInContractTest):
 *
 *   explicit:  b_u = Σ (r − μ − b_i) / (n + damping);  x_u = (Σ y yᵀ + λ n I)⁻¹ Σ (r − μ − b_u − b_i) y
 *   implicit:  x_u = (Yᵀ Y + Σ α|r| y yᵀ + λ n I)⁻¹ Σ (1 + α|r|) y
 *   score(i) = μ + b_u + b_i + x_u · y_i  (in 32-bit floats, as the Java scores)
 */
export interface FoldInModel {
  rank: number;
  /** movie ids in row order */
  ids: Int32Array;
  itemBias: Float32Array;
  /** row-major: factors[row * rank + f] */
  factors: Float32Array;
  globalMean: number;
  reg: number;
  /** NaN: no user bias */
  userBiasDamping: number;
  implicit: boolean;
  alpha: number;
  /** Yᵀ Y (implicit only), row-major rank × rank */
  gram?: Float64Array;
  /** movie id → row */
  rowOf: Map<number, number>;
}

export function createFoldInModel(m: Omit<FoldInModel, 'gram' | 'rowOf'>): FoldInModel {
  const k = m.rank;
  if (m.itemBias.length !== m.ids.length || m.factors.length !== m.ids.length * k)
    throw new Error(`factor arrays do not match ${m.ids.length} items of rank ${k}`);
  let gram: Float64Array | undefined;
  if (m.implicit) {
    gram = new Float64Array(k * k);
    for (let off = 0; off < m.factors.length; off += k)
      for (let p = 0; p < k; p++) {
        const yp = m.factors[off + p]!;
        for (let q = 0; q <= p; q++) gram[p * k + q]! += yp * m.factors[off + q]!;
      }
    for (let p = 0; p < k; p++) for (let q = p + 1; q < k; q++) gram[p * k + q] = gram[q * k + p]!;
  }
  return { ...m, gram, rowOf: new Map(Array.from(m.ids, (id, row) => [id, row])) };
}

export interface UserVector {
  bias: number;
  x: Float64Array;
  /** ratings of movies the model knows */
  n: number;
}

/** Solves A x = b in place (A symmetric positive definite, lower triangle filled, row-major k×k): `moviereco.contracts.Cholesky`. */
export function choleskySolve(a: Float64Array, b: Float64Array, k: number): void {
  for (let j = 0; j < k; j++) {
    let d = a[j * k + j]!;
    for (let p = 0; p < j; p++) d -= a[j * k + p]! * a[j * k + p]!;
    if (d <= 0) throw new RangeError('matrix is not positive definite');
    const l = Math.sqrt(d);
    a[j * k + j] = l;
    for (let i = j + 1; i < k; i++) {
      let s = a[i * k + j]!;
      for (let p = 0; p < j; p++) s -= a[i * k + p]! * a[j * k + p]!;
      a[i * k + j] = s / l;
    }
  }
  for (let i = 0; i < k; i++) {
    let s = b[i]!;
    for (let p = 0; p < i; p++) s -= a[i * k + p]! * b[p]!;
    b[i] = s / a[i * k + i]!;
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let p = i + 1; p < k; p++) s -= a[p * k + i]! * b[p]!;
    b[i] = s / a[i * k + i]!;
  }
}

/** Folds in ratings (movie id, rating); movies the model does not know are skipped. */
export function foldIn(m: FoldInModel, ratings: readonly { movieId: number; rating: number }[]): UserVector {
  const k = m.rank;
  const rows: number[] = [];
  const values: number[] = [];
  for (const r of ratings) {
    const row = m.rowOf.get(r.movieId);
    if (row === undefined) continue;
    rows.push(row);
    // the Java takes ratings as 32-bit floats
    values.push(Math.fround(r.rating));
  }
  const n = rows.length;
  const x = new Float64Array(k);
  if (n === 0) return { bias: 0, x, n: 0 };
  const a = m.implicit ? Float64Array.from(m.gram!) : new Float64Array(k * k);
  const b = new Float64Array(k);
  let bu = 0;
  if (!m.implicit && !Number.isNaN(m.userBiasDamping)) {
    let biasSum = 0;
    for (let j = 0; j < n; j++) biasSum += values[j]! - m.globalMean - m.itemBias[rows[j]!]!;
    bu = biasSum / (n + m.userBiasDamping);
  }
  for (let j = 0; j < n; j++) {
    const off = rows[j]! * k;
    if (m.implicit) {
      const c1 = m.alpha * Math.abs(values[j]!);
      for (let p = 0; p < k; p++) {
        const yp = m.factors[off + p]!;
        b[p]! += (1 + c1) * yp;
        for (let q = 0; q <= p; q++) a[p * k + q]! += c1 * yp * m.factors[off + q]!;
      }
    } else {
      const residual = values[j]! - m.globalMean - bu - m.itemBias[rows[j]!]!;
      for (let p = 0; p < k; p++) {
        const yp = m.factors[off + p]!;
        b[p]! += residual * yp;
        for (let q = 0; q <= p; q++) a[p * k + q]! += yp * m.factors[off + q]!;
      }
    }
  }
  const lambda = m.reg * n;
  for (let p = 0; p < k; p++) a[p * k + p]! += lambda;
  choleskySolve(a, b, k);
  return { bias: bu, x: b, n };
}

/**
 * The `limit` best-scored movies, best first (equal scores: the smaller id first, the shared
 * top-N rule), skipping `exclude` and those `keep` refuses.
 */
export function recommendFolded(
  m: FoldInModel,
  u: UserVector,
  { limit, exclude, keep }: { limit: number; exclude: ReadonlySet<number>; keep?: (movieId: number) => boolean },
): { movieId: number; score: number }[] {
  const k = m.rank;
  const x = Float32Array.from(u.x);
  const base = Math.fround(m.globalMean + u.bias);
  const best: { movieId: number; score: number }[] = [];
  const worse = (a: { movieId: number; score: number }, b: { movieId: number; score: number }) =>
    a.score < b.score || (a.score === b.score && a.movieId > b.movieId);
  for (let row = 0, off = 0; row < m.ids.length; row++, off += k) {
    const id = m.ids[row]!;
    if (exclude.has(id) || (keep && !keep(id))) continue;
    let s = Math.fround(base + m.itemBias[row]!);
    for (let p = 0; p < k; p++) s = Math.fround(s + Math.fround(x[p]! * m.factors[off + p]!));
    if (Number.isNaN(s)) continue;
    const offer = { movieId: id, score: s };
    if (best.length === limit && !worse(best[limit - 1]!, offer)) continue;
    // insertion into the sorted list (limit is at most 100)
    let i = best.length === limit ? limit - 1 : best.length;
    if (best.length === limit) best.pop();
    while (i > 0 && worse(best[i - 1]!, offer)) i--;
    best.splice(i, 0, offer);
  }
  return best;
}
