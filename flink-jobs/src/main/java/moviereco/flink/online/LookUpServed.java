package moviereco.flink.online;

import java.util.List;
import moviereco.flink.common.Rating;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Looks up what each rating's user is served ({@link ServedReader}), asynchronously; deletions are
 * not judged. A failed read fails the task (Flink restarts from the checkpoint).
 */
public class LookUpServed extends RichAsyncFunction<Rating, Looked> {
  private final ServedReader reader;

  public LookUpServed(ServedReader reader) {
    this.reader = reader;
  }

  @Override
  public void open(Configuration parameters) throws Exception {
    reader.open();
  }

  @Override
  public void close() throws Exception {
    reader.close();
  }

  @Override
  public void asyncInvoke(Rating r, ResultFuture<Looked> out) {
    if (r.deleted()) {
      out.complete(List.of());
      return;
    }
    reader
        .read(r.userId)
        .whenComplete(
            (served, error) -> {
              if (error != null) out.completeExceptionally(error);
              else out.complete(List.of(new Looked(r, served)));
            });
  }
}
