/**
 * The CQL statements of the TypeScript side, in one place: the TypeScript owner of the tables in
 * `cassandra.cql`, whose Java owner is `moviereco.contracts.Cql`. `cql.test.ts` checks every
 * table and column named here against `cassandra.cql`, as `CqlTest` does for the Java side.
 * Statements without a keyspace run on a client bound to one; the others take it.
 */

/** A movie as the loader writes it into `movies` (`insertMovie`) and the API reads it back (`movies`). */
export interface MovieRow {
  movieId: number;
  title: string;
  year: number | null;
  genres: string[];
  imdbId: string | null;
  tmdbId: number | null;
}

/** Reads of the serving layer, on a client bound to the product's keyspace. */
export const servingCql = {
  currentModel: 'SELECT version, switched_at FROM current_model WHERE model_name = ?',
  model: 'SELECT data_cutoff, path, metrics FROM models WHERE model_name = ? AND version = ?',
  /** ranked rows select top_items and items: a reader takes items where a row written before top_items has none (schemas/cassandra.cql) */
  speedRow: 'SELECT model_version, computed_at, rated_until, top_items, items FROM speed_recommendations WHERE user_id = ?',
  batchRow: 'SELECT model_version, computed_at, top_items, items FROM batch_recommendations WHERE user_id = ? AND model_version = ?',
  /** every row of a version, for the API's batch view (a scan: once per model switch) */
  batchRows: 'SELECT user_id, model_version, computed_at, top_items, items FROM batch_recommendations WHERE model_version = ? ALLOW FILTERING',
  /** which users have a speed row, and when it was computed: the speed view's index (no items) */
  speedKeys: 'SELECT user_id, computed_at FROM speed_recommendations',
  speedRows: 'SELECT user_id, model_version, computed_at, rated_until, top_items, items FROM speed_recommendations',
  userRatings: 'SELECT movie_id, rating, rated_at FROM user_ratings WHERE user_id = ?',
  ratedAmong: 'SELECT movie_id FROM user_ratings WHERE user_id = ? AND movie_id IN ?',
  movies: 'SELECT movie_id, title, year, genres, imdb_id, tmdb_id, rating_count, rating_mean FROM movies',
  similar: 'SELECT top_items, items FROM similar_movies WHERE movie_id = ? AND model_version = ?',
  trending: 'SELECT window_end, items FROM trending WHERE window_name = ? LIMIT 1',
  /** the newest windows' rows first (a window has one row per source and model version) */
  onlineHits: 'SELECT window_end, source, model_version, ratings, hits FROM online_hits WHERE window_name = ? LIMIT 100',
} as const;

/** Statements of the batch layer's control, of the dataset loader and of the benchmarks' resets, on a keyspace named in each statement. */
export function keyspaceCql(keyspace: string) {
  return {
    currentVersion: `SELECT version FROM ${keyspace}.current_model WHERE model_name = ?`,
    models: `SELECT model_name, version, status, created_at, data_cutoff, path, params, metrics, counts FROM ${keyspace}.models WHERE model_name = ?`,
    completeModel: `UPDATE ${keyspace}.models SET status = 'COMPLETE', counts = ? WHERE model_name = ? AND version = ?`,
    setCurrentModel: `INSERT INTO ${keyspace}.current_model (model_name, version, switched_at) VALUES (?, ?, ?)`,
    batchUsers: `SELECT DISTINCT user_id FROM ${keyspace}.batch_recommendations`,
    similarMovies: `SELECT DISTINCT movie_id FROM ${keyspace}.similar_movies`,
    deleteBatchRow: `DELETE FROM ${keyspace}.batch_recommendations WHERE user_id = ? AND model_version = ?`,
    deleteSimilarRow: `DELETE FROM ${keyspace}.similar_movies WHERE movie_id = ? AND model_version = ?`,
    deleteModel: `DELETE FROM ${keyspace}.models WHERE model_name = ? AND version = ?`,
    insertMovie: `INSERT INTO ${keyspace}.movies (movie_id, title, year, genres, imdb_id, tmdb_id) VALUES (?, ?, ?, ?, ?, ?)`,
    deleteUserRatings: `DELETE FROM ${keyspace}.user_ratings WHERE user_id = ?`,
    insertUserRating: `INSERT INTO ${keyspace}.user_ratings (user_id, movie_id, rating, rated_at) VALUES (?, ?, ?, ?)`,
  } as const;
}
