package moviereco.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** contracts/client-security.json: each file TypeScript writes reads back to what it meant. */
class ClientSecurityTest {
  static Stream<Arguments> cases() {
    return Vectors.cases("client-security.json", "cases");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void readsWhatTypeScriptWrote(String name, JsonNode c, @TempDir Path dir) throws Exception {
    // through a real file, as the jobs read it: UTF-8, whatever the platform's default
    Path file = dir.resolve("client-security.properties");
    Files.writeString(file, c.get("file").asText(), StandardCharsets.UTF_8);
    ClientSecurity security = ClientSecurity.load(file.toString());

    JsonNode expected = c.get("expected");
    Map<String, String> kafka = new TreeMap<>();
    expected
        .get("kafka")
        .fields()
        .forEachRemaining(e -> kafka.put(e.getKey(), e.getValue().asText()));
    assertEquals(kafka, new TreeMap<>(security.kafka()));
    JsonNode cassandra = expected.get("cassandra");
    assertEquals(text(cassandra, "username"), security.cassandraUsername());
    assertEquals(text(cassandra, "password"), security.cassandraPassword());
    assertEquals(cassandra.get("ssl").asBoolean(), security.cassandraSsl());
    assertEquals(text(cassandra, "caFile"), security.cassandraCaFile());
    assertEquals(kafka, new TreeMap<>(security.kafkaProperties()));
  }

  private static String text(JsonNode node, String field) {
    return node.has(field) ? node.get(field).asText() : null;
  }

  @Test
  void noFileMeansNoSecurity() {
    assertEquals(ClientSecurity.NONE, ClientSecurity.load(null));
    assertEquals(ClientSecurity.NONE, ClientSecurity.load(""));
    assertTrue(ClientSecurity.NONE.kafkaProperties().isEmpty());
    assertNull(ClientSecurity.NONE.cassandraUsername());
    assertFalse(ClientSecurity.NONE.cassandraSsl());
  }

  @Test
  void refusesWhatItCannotMean() {
    assertThrows(
        IllegalArgumentException.class, () -> ClientSecurity.parse("cassandra.username=a\n"));
    assertThrows(IllegalArgumentException.class, () -> ClientSecurity.parse("cassandra.ssl=yes\n"));
    assertThrows(IllegalArgumentException.class, () -> ClientSecurity.parse("password=x\n"));
    var missing =
        assertThrows(
            java.io.UncheckedIOException.class, () -> ClientSecurity.load("/no/such/file"));
    assertTrue(missing.getMessage().contains("--client.security.file"), missing.getMessage());
  }

  @Test
  void neverPrintsPasswords() {
    ClientSecurity s =
        ClientSecurity.parse(
            "kafka.security.protocol=SASL_PLAINTEXT\nkafka.sasl.jaas.config=x password=\"secret1\";\n"
                + "cassandra.username=u\ncassandra.password=secret2\n");
    assertFalse(s.toString().contains("secret"), s.toString());
  }
}
