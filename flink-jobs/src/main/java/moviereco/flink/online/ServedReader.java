package moviereco.flink.online;

import java.io.Serializable;
import java.util.concurrent.CompletionStage;

/** What a user is being served now: Cassandra in the job ({@link CassandraServedReader}). */
public interface ServedReader extends Serializable {
  void open() throws Exception;

  CompletionStage<Served> read(long userId);

  void close() throws Exception;
}
