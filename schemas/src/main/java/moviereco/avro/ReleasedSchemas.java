package moviereco.avro;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.SchemaStore;

/**
 * The released versions of a schema ({@code schemas/history/<name>.v<N>.avsc}, on the classpath),
 * so that a reader of the current schema also reads what older writers wrote, resolved by Avro's
 * rules (a field added since takes its default). The Java half of what {@code schemas/avro.ts} does
 * for TypeScript: a generated class's own {@code getDecoder()} knows only the current schema and
 * would refuse every record written before the last change.
 */
public final class ReleasedSchemas {
  private ReleasedSchemas() {}

  /** Every released version of {@code name} (e.g. rating-event), oldest first. */
  public static SchemaStore.Cache of(String name) {
    SchemaStore.Cache store = new SchemaStore.Cache();
    for (int v = 1; ; v++) {
      String file = "history/" + name + ".v" + v + ".avsc";
      try (InputStream in = ReleasedSchemas.class.getResourceAsStream(file)) {
        if (in == null) {
          if (v == 1)
            throw new IllegalStateException("no released schema " + file + " on the classpath");
          return store;
        }
        store.addSchema(new Schema.Parser().parse(in));
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + file, e);
      }
    }
  }

  /** Reads RatingEvents written with the current schema or any released one. */
  public static final BinaryMessageDecoder<RatingEvent> RATING_EVENTS =
      RatingEvent.createDecoder(of("rating-event"));
}
