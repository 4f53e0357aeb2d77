package moviereco.contracts;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A line of the ratings archive in HDFS, written by the speed layer's archive job and read by the
 * batch job (Spark's CSV reader, columns in {@link #COLUMNS} order, no header) and by TypeScript:
 * {@code userId,movieId,rating,ratedAtMillis,eventId}, e.g. {@code 42,318,4.5,1700000000000,e-1}.
 * The rating is written with {@code Float.toString} (4.0, 3.5); a rating of {@link
 * RatingRule#DELETED} (0.0) is the deletion of the user's rating of the movie at {@code
 * ratedAtMillis} ({@link #deleted}). A well-formed line may still be an invalid rating: that is
 * {@link RatingRule}'s call.
 */
public record ArchiveLine(
    long userId, long movieId, float rating, long ratedAtMillis, String eventId) {
  /** The fields in line order (also the batch job's column names). */
  public static final List<String> COLUMNS =
      List.of("userId", "movieId", "rating", "ratedAtMillis", "eventId");

  private static final Pattern INTEGER = Pattern.compile("-?\\d{1,19}");
  private static final Pattern DECIMAL =
      Pattern.compile("-?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?");

  public static String format(
      long userId, long movieId, float rating, long ratedAtMillis, String eventId) {
    return userId + "," + movieId + "," + rating + "," + ratedAtMillis + "," + eventId;
  }

  /** Whether the line is a deletion (rating {@link RatingRule#DELETED}), not a rating. */
  public boolean deleted() {
    return rating == RatingRule.DELETED;
  }

  public String format() {
    return format(userId, movieId, rating, ratedAtMillis, eventId);
  }

  /**
   * Reads a line.
   *
   * @throws IllegalArgumentException whose message says what is wrong and quotes the line
   */
  public static ArchiveLine parse(String line) {
    String[] cells = line.split(",", -1);
    if (cells.length != COLUMNS.size()) {
      throw malformed(
          line, "expected 5 fields " + String.join(",", COLUMNS) + ", got " + cells.length);
    }
    long userId = integer(line, "userId", cells[0]);
    long movieId = integer(line, "movieId", cells[1]);
    if (!DECIMAL.matcher(cells[2]).matches())
      throw malformed(line, "rating '" + cells[2] + "' is not a number");
    float rating = Float.parseFloat(cells[2]);
    long ratedAt = integer(line, "ratedAtMillis", cells[3]);
    if (cells[4].isEmpty()) throw malformed(line, "eventId is empty");
    return new ArchiveLine(userId, movieId, rating, ratedAt, cells[4]);
  }

  private static long integer(String line, String field, String text) {
    if (INTEGER.matcher(text).matches()) {
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        // out of range: reported below
      }
    }
    throw malformed(line, field + " '" + text + "' is not a 64-bit integer");
  }

  private static IllegalArgumentException malformed(String line, String why) {
    return new IllegalArgumentException("malformed archive line: " + why + ": '" + line + "'");
  }
}
