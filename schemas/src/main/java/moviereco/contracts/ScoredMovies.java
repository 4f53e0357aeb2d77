package moviereco.contracts;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.data.UdtValue;
import com.datastax.oss.driver.api.core.type.ListType;
import com.datastax.oss.driver.api.core.type.UserDefinedType;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code list<frozen<scored_movie>>} columns of the CQL schema (frozen or not), built from
 * parallel arrays.
 */
public final class ScoredMovies {
  private ScoredMovies() {}

  /**
   * The value of a prepared statement's list column {@code column}: its UDT comes from the
   * statement.
   */
  public static List<UdtValue> of(
      PreparedStatement statement, String column, long[] movieIds, float[] scores) {
    UserDefinedType type =
        (UserDefinedType)
            ((ListType) statement.getVariableDefinitions().get(column).getType()).getElementType();
    List<UdtValue> items = new ArrayList<>(movieIds.length);
    for (int i = 0; i < movieIds.length; i++) items.add(type.newValue(movieIds[i], scores[i]));
    return items;
  }
}
