package moviereco.avro;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java half of the cross-language check: the vectors in ../test-vectors.json were encoded by
 * the TypeScript codec (avsc); Java's generated classes must decode them to the same values and
 * encode the values to the same bytes, with the same CRC-64-AVRO fingerprints.
 */
class TestVectorsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HexFormat HEX = HexFormat.of();

  /** {@code writer}: the released version that wrote the bytes (only decoded), or null. */
  record Vector(String schema, String writer, String fingerprint, JsonNode value, byte[] bytes) {
    @Override
    public String toString() {
      return (writer == null ? schema : writer) + " " + value;
    }
  }

  static Stream<Vector> all() throws Exception {
    List<Vector> out = new ArrayList<>();
    for (JsonNode v : JSON.readTree(new File("test-vectors.json"))) {
      out.add(
          new Vector(
              v.get("schema").asText(),
              v.hasNonNull("writer") ? v.get("writer").asText() : null,
              v.get("fingerprint").asText(),
              v.get("value"),
              HEX.parseHex(v.get("hex").asText())));
    }
    return out.stream();
  }

  /** The vectors written with the current schemas. */
  static Stream<Vector> vectors() throws Exception {
    return all().filter(v -> v.writer() == null);
  }

  /** The vectors written with a released version of a schema. */
  static Stream<Vector> released() throws Exception {
    return all().filter(v -> v.writer() != null);
  }

  /** rating-event -> moviereco.avro.RatingEvent */
  static Schema schemaOf(String name) throws Exception {
    StringBuilder cls = new StringBuilder("moviereco.avro.");
    for (String part : name.split("-"))
      cls.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
    return (Schema) Class.forName(cls.toString()).getField("SCHEMA$").get(null);
  }

  /** the generated class's own decoder and encoder (with its logical type conversions) */
  @SuppressWarnings("unchecked")
  static BinaryMessageDecoder<SpecificRecordBase> decoder(Schema schema) throws Exception {
    return (BinaryMessageDecoder<SpecificRecordBase>)
        SpecificData.get().getClass(schema).getMethod("getDecoder").invoke(null);
  }

  @SuppressWarnings("unchecked")
  static BinaryMessageEncoder<SpecificRecordBase> encoder(Schema schema) throws Exception {
    return (BinaryMessageEncoder<SpecificRecordBase>)
        SpecificData.get().getClass(schema).getMethod("getEncoder").invoke(null);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void javaDecodesTheBytesTypeScriptWrote(Vector v) throws Exception {
    Schema schema = schemaOf(v.schema());
    assertEquals(fromJson(v.value(), schema), decoder(schema).decode(v.bytes()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void javaEncodesTheSameBytesAsTypeScript(Vector v) throws Exception {
    Schema schema = schemaOf(v.schema());
    ByteBuffer encoded = encoder(schema).encode((SpecificRecordBase) fromJson(v.value(), schema));
    byte[] bytes = new byte[encoded.remaining()];
    encoded.get(bytes);
    assertArrayEquals(v.bytes(), bytes);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void fingerprintsAgree(Vector v) throws Exception {
    long fp = SchemaNormalization.parsingFingerprint64(schemaOf(v.schema()));
    byte[] le = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(fp).array();
    assertEquals(v.fingerprint(), HEX.formatHex(le));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("released")
  void javaReadsWhatAReleasedSchemaWroteAsTheCurrentOne(Vector v) throws Exception {
    Schema schema = schemaOf(v.schema());
    // the generated class's own decoder knows only the current schema ...
    assertThrows(MissingSchemaException.class, () -> decoder(schema).decode(v.bytes()));
    // ... the one every reader uses knows the released ones too
    assertEquals(
        fromJson(v.value(), schema),
        RatingEvent.createDecoder(ReleasedSchemas.of(v.schema())).decode(v.bytes()));
  }

  @Test
  void theRatingEventReaderReadsEveryVectorOfEitherVersion() throws Exception {
    Schema schema = schemaOf("rating-event");
    List<Vector> ratings = all().filter(v -> v.schema().equals("rating-event")).toList();
    assertEquals(true, ratings.stream().anyMatch(v -> v.writer() != null));
    for (Vector v : ratings)
      assertEquals(fromJson(v.value(), schema), ReleasedSchemas.RATING_EVENTS.decode(v.bytes()));
  }

  @Test
  void bytesOfAnUnknownWriterSchemaAreRejectedNotMisread() throws Exception {
    Schema schema = schemaOf("rating-event");
    byte[] bytes = vectors().findFirst().orElseThrow().bytes().clone();
    bytes[2] ^= 0x55; // corrupt the fingerprint
    assertThrows(MissingSchemaException.class, () -> decoder(schema).decode(bytes));
    assertThrows(
        BadHeaderException.class,
        () -> decoder(schema).decode(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  }

  /** A specific record from the vectors' JSON form (bytes as {"$bytes": hex}). */
  static Object fromJson(JsonNode node, Schema s) {
    switch (s.getType()) {
      case NULL:
        return null;
      case UNION:
        if (node.isNull()) return null;
        for (Schema branch : s.getTypes()) {
          if (branch.getType() != Schema.Type.NULL) return fromJson(node, branch);
        }
        throw new IllegalArgumentException("no branch for " + node);
      case BOOLEAN:
        return node.asBoolean();
      case INT:
        return node.asInt();
      case LONG:
        return "timestamp-millis".equals(s.getProp("logicalType")) || s.getLogicalType() != null
            ? Instant.ofEpochMilli(node.asLong())
            : (Object) node.asLong();
      case FLOAT:
        return (float) node.asDouble();
      case DOUBLE:
        return node.asDouble();
      case STRING:
        return node.asText();
      case BYTES:
        return ByteBuffer.wrap(HEX.parseHex(node.get("$bytes").asText()));
      case ENUM:
        return SpecificData.get().createEnum(node.asText(), s);
      case MAP:
        {
          Map<String, Object> map = new LinkedHashMap<>();
          node.fields()
              .forEachRemaining(e -> map.put(e.getKey(), fromJson(e.getValue(), s.getValueType())));
          return map;
        }
      case RECORD:
        {
          SpecificRecordBase record = (SpecificRecordBase) SpecificData.get().newRecord(null, s);
          for (Schema.Field f : s.getFields())
            record.put(f.pos(), fromJson(node.get(f.name()), f.schema()));
          return record;
        }
      default:
        throw new IllegalArgumentException("unsupported type " + s);
    }
  }
}
