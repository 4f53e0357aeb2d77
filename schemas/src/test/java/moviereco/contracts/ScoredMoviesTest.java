package moviereco.contracts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.DefaultProtocolVersion;
import com.datastax.oss.driver.api.core.data.UdtValue;
import com.datastax.oss.driver.api.core.type.DataTypes;
import com.datastax.oss.driver.api.core.type.ListType;
import com.datastax.oss.driver.api.core.type.UserDefinedType;
import com.datastax.oss.driver.api.core.type.codec.TypeCodec;
import com.datastax.oss.driver.api.core.type.codec.registry.CodecRegistry;
import com.datastax.oss.driver.internal.core.type.UserDefinedTypeBuilder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The hand-encoded list against the driver's codec of the same list, both ways. */
class ScoredMoviesTest {
  static final UserDefinedType SCORED_MOVIE =
      new UserDefinedTypeBuilder(CqlIdentifier.fromCql("ks"), CqlIdentifier.fromCql("scored_movie"))
          .withField(CqlIdentifier.fromCql("movie_id"), DataTypes.BIGINT)
          .withField(CqlIdentifier.fromCql("score"), DataTypes.FLOAT)
          .build();

  static final long[] IDS = {1, 42, 87_585, Long.MAX_VALUE, 2_147_483_647L};
  static final float[] SCORES = {5.25f, -0.5f, 0f, Float.MIN_VALUE, 1e-7f};

  @ParameterizedTest
  @EnumSource(
      value = DefaultProtocolVersion.class,
      names = {"V4", "V5"})
  void encodesWhatTheDriversCodecEncodesAndDecodesBack(DefaultProtocolVersion version) {
    for (boolean frozen : new boolean[] {true, false}) {
      ListType type = DataTypes.listOf(SCORED_MOVIE.copy(true), frozen);
      TypeCodec<List<UdtValue>> codec = CodecRegistry.DEFAULT.codecFor(type);
      List<UdtValue> values = new ArrayList<>();
      for (int i = 0; i < IDS.length; i++) values.add(SCORED_MOVIE.newValue(IDS[i], SCORES[i]));

      ByteBuffer ours = ScoredMovies.encode(IDS, SCORES);
      assertEquals(codec.encode(values, version), ours, "frozen " + frozen);

      List<UdtValue> decoded = codec.decode(ours.duplicate(), version);
      assertArrayEquals(IDS, decoded.stream().mapToLong(v -> v.getLong("movie_id")).toArray());
      for (int i = 0; i < SCORES.length; i++)
        assertEquals(SCORES[i], decoded.get(i).getFloat("score"));
    }
  }

  @Test
  void anEmptyListIsItsCountAlone() {
    assertEquals(
        ByteBuffer.allocate(4).putInt(0).flip(), ScoredMovies.encode(new long[0], new float[0]));
  }

  @Test
  void refusesMismatchedArraysAndAnotherColumnType() {
    assertThrows(
        IllegalArgumentException.class, () -> ScoredMovies.encode(new long[2], new float[1]));
    UserDefinedType wrong =
        new UserDefinedTypeBuilder(CqlIdentifier.fromCql("ks"), CqlIdentifier.fromCql("scored"))
            .withField(CqlIdentifier.fromCql("movie_id"), DataTypes.INT)
            .withField(CqlIdentifier.fromCql("score"), DataTypes.FLOAT)
            .build();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ScoredMovies.requireScoredMovieList(DataTypes.listOf(wrong, true), "top_items"));
    assertEquals(
        "column top_items is frozen<list<ks.scored>>, not a list of scored_movie (movie_id bigint, score float)",
        e.getMessage());
    ScoredMovies.requireScoredMovieList(DataTypes.listOf(SCORED_MOVIE, true), "top_items");
    ScoredMovies.requireScoredMovieList(DataTypes.listOf(SCORED_MOVIE, false), "items");
  }
}
