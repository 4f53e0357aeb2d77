package moviereco.flink.cassandra;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Hard deadlines on Cassandra requests. The driver's request timeout covers one request attempt;
 * this covers the whole of an operation (every page of a read, retries, a lost callback), so that
 * nothing the jobs wait for can wait forever: a request that does not complete fails the task with
 * a {@link TimeoutException} naming what timed out, and Flink restarts from the last checkpoint.
 */
public final class Deadline {
  private Deadline() {}

  /**
   * A future that completes as {@code stage} does, or fails with a {@link TimeoutException}
   * ("{@code what} did not complete within N ms") once {@code deadlineMs} have passed. The timer is
   * the JDK's shared one (no thread of ours) and is cancelled when {@code stage} completes first.
   */
  public static <T> CompletableFuture<T> within(
      CompletionStage<T> stage, long deadlineMs, String what) {
    CompletableFuture<T> bounded = new CompletableFuture<>();
    CompletableFuture<Void> timer =
        new CompletableFuture<Void>().orTimeout(deadlineMs, TimeUnit.MILLISECONDS);
    timer.whenComplete(
        (ignored, timeout) -> {
          if (timeout != null) bounded.completeExceptionally(exceeded(what, deadlineMs));
        });
    stage.whenComplete(
        (value, error) -> {
          timer.complete(null); // cancels the timeout
          if (error != null) bounded.completeExceptionally(cause(error));
          else bounded.complete(value);
        });
    return bounded;
  }

  /**
   * Waits for {@code stage} at most {@code deadlineMs}; its failure is rethrown as the cause of an
   * exception naming {@code what}.
   */
  public static <T> T await(CompletionStage<T> stage, long deadlineMs, String what)
      throws TimeoutException, InterruptedException {
    try {
      return stage.toCompletableFuture().get(deadlineMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw exceeded(what, deadlineMs);
    } catch (ExecutionException e) {
      throw new IllegalStateException(what + " failed: " + cause(e), cause(e));
    }
  }

  /** The exception of a deadline that passed. */
  public static TimeoutException exceeded(String what, long deadlineMs) {
    return new TimeoutException(what + " did not complete within " + deadlineMs + " ms");
  }

  /** The real failure inside the wrappers of CompletableFuture. */
  public static Throwable cause(Throwable e) {
    while ((e instanceof ExecutionException || e instanceof CompletionException)
        && e.getCause() != null) e = e.getCause();
    return e;
  }
}
