/**
 * The popular order, one for the API and the jobs: more ratings first; equal counts, the higher
 * mean rating first (no mean counts as 0); then the smaller movie id. The TypeScript owner (the
 * API's popular lists, serving/catalog.ts), whose Java owner is `moviereco.contracts.Popularity`
 * (the online evaluation's popular list); both are checked against `contracts/popularity.json`.
 */
export interface PopularityFacts {
  movieId: number;
  ratingCount: number;
  /** a float as Cassandra stores it; null when the movie has no rating */
  ratingMean: number | null;
}

export function byPopularity(a: PopularityFacts, b: PopularityFacts): number {
  return b.ratingCount - a.ratingCount || (b.ratingMean ?? 0) - (a.ratingMean ?? 0) || a.movieId - b.movieId;
}
