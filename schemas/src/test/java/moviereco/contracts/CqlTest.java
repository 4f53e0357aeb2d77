package moviereco.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every table and column the jobs name exists in cassandra.cql. */
class CqlTest {
  static Map<String, Set<String>> definedTables() throws Exception {
    String cql = Files.readString(Path.of("cassandra.cql"));
    Map<String, Set<String>> tables = new LinkedHashMap<>();
    Matcher m =
        Pattern.compile(
                "CREATE (?:TABLE|TYPE) IF NOT EXISTS \\{keyspace}\\.(\\w+) \\((.*?)\\n\\)",
                Pattern.DOTALL)
            .matcher(cql);
    while (m.find()) {
      Set<String> columns = new LinkedHashSet<>();
      for (String line : m.group(2).split("\\n")) {
        String t = line.trim();
        if (!t.isEmpty() && !t.startsWith("PRIMARY KEY")) columns.add(t.split("\\s+")[0]);
      }
      tables.put(m.group(1), columns);
    }
    return tables;
  }

  @Test
  void tablesAndColumnsExist() throws Exception {
    Map<String, Set<String>> defined = definedTables();
    for (Cql.Table t : Cql.TABLES) {
      assertTrue(defined.containsKey(t.name()), t.name() + " is not in cassandra.cql");
      assertTrue(
          defined.get(t.name()).containsAll(t.columns()), t + " vs " + defined.get(t.name()));
    }
    assertEquals(Set.copyOf(Cql.SCORED_MOVIE_FIELDS), defined.get(Cql.SCORED_MOVIE));
  }

  @Test
  void statementsNameOnlyKnownColumns() throws Exception {
    Map<String, Set<String>> defined = definedTables();
    String[] statements = {
      Cql.insertModelWriting("ks"),
      Cql.insert("ks", Cql.BATCH_RECOMMENDATIONS),
      Cql.insert("ks", Cql.SIMILAR_MOVIES),
      Cql.completeModel("ks"),
      Cql.insertCurrentModel("ks"),
      Cql.selectCurrentVersion("ks"),
      Cql.selectDataCutoff("ks"),
      Cql.INSERT_SPEED_RECOMMENDATIONS,
      Cql.INSERT_USER_RATING,
      Cql.SELECT_USER_RATINGS,
      Cql.SELECT_CURRENT_MODEL,
      Cql.SELECT_MODEL,
      Cql.insertTrending(60),
      Cql.DELETE_USER_RATING,
      Cql.SELECT_SPEED_ROW,
      Cql.SELECT_BATCH_ROW,
      Cql.SELECT_MOVIE_COUNTS,
      Cql.insertOnlineHits(60)
    };
    for (String s : statements) {
      Matcher table = Pattern.compile("(?:INTO|FROM|UPDATE) (?:ks\\.)?(\\w+)").matcher(s);
      assertTrue(table.find(), s);
      Set<String> columns = defined.get(table.group(1));
      Matcher words = Pattern.compile("\\b[a-z][a-z_]+\\b").matcher(s.replaceAll("'[^']*'", ""));
      while (words.find()) {
        String w = words.group();
        if (w.equals(table.group(1)) || w.equals("ks")) continue;
        assertTrue(columns.contains(w), w + " in " + s);
      }
    }
  }

  @Test
  void userRatingsAreWrittenWithTheRatingsOwnTimeInMicroseconds() {
    assertTrue(
        Cql.INSERT_USER_RATING.endsWith(" VALUES (?, ?, ?, ?) USING TIMESTAMP ?"),
        Cql.INSERT_USER_RATING);
    assertEquals(1_500_000_000_123_000L, Cql.userRatingWriteTime(1_500_000_000_123L));
    assertEquals(0L, Cql.userRatingWriteTime(0));
    // the same rating time gives the same timestamp (a replay is idempotent); later is larger
    assertEquals(Cql.userRatingWriteTime(42), Cql.userRatingWriteTime(42));
    assertTrue(Cql.userRatingWriteTime(43) > Cql.userRatingWriteTime(42));
    assertThrows(ArithmeticException.class, () -> Cql.userRatingWriteTime(Long.MAX_VALUE / 10));
  }

  @Test
  void insertBindsATablesColumnsInOrder() {
    assertEquals(
        "INSERT INTO ks.similar_movies (movie_id, model_version, top_items) VALUES (?, ?, ?)",
        Cql.insert("ks", Cql.SIMILAR_MOVIES));
  }
}
