package moviereco.contracts;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.type.DataType;
import com.datastax.oss.driver.api.core.type.DataTypes;
import com.datastax.oss.driver.api.core.type.ListType;
import com.datastax.oss.driver.api.core.type.UserDefinedType;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The {@code list<frozen<scored_movie>>} columns of the CQL schema (frozen or not), built from
 * parallel arrays.
 *
 * <p>The list is encoded here, as the native protocol (v3 and later) serializes it: the element
 * count, then each element with its length, a UDT being its fields each with its length. Built as
 * 100 {@code UdtValue}s through the driver's codecs, a speed row cost the fold-in thread a codec
 * lookup per field and about 40% of all it allocated at 3,000 ratings a second at 32M
 * (docs/benchmarks.md); this is one buffer of 2,404 bytes. {@code ScoredMoviesTest} checks the
 * bytes against the driver's own codec.
 */
public final class ScoredMovies {
  private ScoredMovies() {}

  /** An element's bytes: movie_id (length, 8-byte bigint) and score (length, 4-byte float). */
  private static final int ELEMENT_BYTES = 4 + 8 + 4 + 4;

  /**
   * {@code statement} with its list column {@code column} set to the movies and their scores.
   *
   * @throws IllegalArgumentException if the column is not a list of (bigint, float) UDTs
   */
  public static BoundStatement bind(
      BoundStatement statement, String column, long[] movieIds, float[] scores) {
    requireScoredMovieList(statement.getType(column), column);
    return statement.setBytesUnsafe(column, encode(movieIds, scores));
  }

  /** The list's value as the native protocol serializes it. */
  static ByteBuffer encode(long[] movieIds, float[] scores) {
    if (movieIds.length != scores.length)
      throw new IllegalArgumentException(
          movieIds.length + " movie ids but " + scores.length + " scores");
    ByteBuffer bytes = ByteBuffer.allocate(4 + movieIds.length * (4 + ELEMENT_BYTES));
    bytes.putInt(movieIds.length);
    for (int i = 0; i < movieIds.length; i++)
      bytes.putInt(ELEMENT_BYTES).putInt(8).putLong(movieIds[i]).putInt(4).putFloat(scores[i]);
    return bytes.flip();
  }

  /** Throws unless {@code type} is a list of a UDT of (bigint, float), as scored_movie is. */
  static void requireScoredMovieList(DataType type, String column) {
    if (type instanceof ListType list
        && list.getElementType() instanceof UserDefinedType udt
        && udt.getFieldTypes().equals(List.of(DataTypes.BIGINT, DataTypes.FLOAT))) return;
    throw new IllegalArgumentException(
        "column "
            + column
            + " is "
            + type.asCql(true, true)
            + ", not a list of scored_movie (movie_id bigint, score float)");
  }
}
