package moviereco.contracts;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * How the JVM jobs authenticate to Kafka and Cassandra: the Java owner of the client security file
 * ({@code --client.security.file}), whose TypeScript owner (schemas/client-security.ts) writes it;
 * both are checked against contracts/client-security.json. {@code kafka.*} keys are Kafka client
 * properties, passed on unchanged; {@code cassandra.username}, {@code cassandra.password}, {@code
 * cassandra.ssl} and {@code cassandra.ssl.ca.file} are the driver's login and TLS. The file holds
 * passwords, so it is a file and not job arguments (those show in Flink's web UI).
 */
public record ClientSecurity(
    Map<String, String> kafka,
    String cassandraUsername,
    String cassandraPassword,
    boolean cassandraSsl,
    String cassandraCaFile)
    implements Serializable {

  /** No file: plaintext Kafka, Cassandra without a login. */
  public static final ClientSecurity NONE = new ClientSecurity(Map.of(), null, null, false, null);

  public ClientSecurity {
    kafka = Map.copyOf(kafka);
    if ((cassandraUsername == null) != (cassandraPassword == null))
      throw new IllegalArgumentException(
          "cassandra.username and cassandra.password go together: give both or neither");
  }

  /** The file at {@code path} (UTF-8); none given (null or empty): {@link #NONE}. */
  public static ClientSecurity load(String path) {
    if (path == null || path.isBlank()) return NONE;
    try (Reader reader = Files.newBufferedReader(Path.of(path), StandardCharsets.UTF_8)) {
      return read(reader);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the client security file " + path + " (--client.security.file)", e);
    }
  }

  public static ClientSecurity parse(String text) {
    try {
      return read(new StringReader(text));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ClientSecurity read(Reader reader) throws IOException {
    Properties props = new Properties();
    props.load(reader);
    Map<String, String> kafka = new TreeMap<>();
    for (String key : props.stringPropertyNames()) {
      if (key.startsWith("kafka."))
        kafka.put(key.substring("kafka.".length()), props.getProperty(key));
      else if (!key.startsWith("cassandra."))
        throw new IllegalArgumentException(
            "unknown key " + key + " in the client security file: expected kafka.* or cassandra.*");
    }
    String ssl = props.getProperty("cassandra.ssl", "false").trim();
    if (!ssl.equals("true") && !ssl.equals("false"))
      throw new IllegalArgumentException("cassandra.ssl must be true or false, not " + ssl);
    return new ClientSecurity(
        kafka,
        props.getProperty("cassandra.username"),
        props.getProperty("cassandra.password"),
        ssl.equals("true"),
        props.getProperty("cassandra.ssl.ca.file"));
  }

  /** The Kafka client properties, to add to a producer's or consumer's own. */
  public Properties kafkaProperties() {
    Properties props = new Properties();
    props.putAll(kafka);
    return props;
  }

  /** Never prints the passwords. */
  @Override
  public String toString() {
    return "ClientSecurity[kafka "
        + kafka.getOrDefault("security.protocol", "PLAINTEXT")
        + ", cassandra "
        + (cassandraUsername == null ? "no login" : "login " + cassandraUsername)
        + (cassandraSsl ? ", TLS" : "")
        + "]";
  }
}
