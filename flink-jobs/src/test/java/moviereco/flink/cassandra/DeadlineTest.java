package moviereco.flink.cassandra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class DeadlineTest {
  @Test
  void aFutureThatNeverCompletesFailsAfterTheDeadline() {
    long start = System.nanoTime();
    CompletableFuture<String> bounded =
        Deadline.within(new CompletableFuture<String>(), 100, "reading the history of user 7");
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> bounded.get(10, TimeUnit.SECONDS));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    TimeoutException timeout = assertInstanceOf(TimeoutException.class, e.getCause());
    assertEquals(
        "reading the history of user 7 did not complete within 100 ms", timeout.getMessage());
    assertTrue(elapsedMs >= 100 && elapsedMs < 5_000, "failed after " + elapsedMs + " ms");
  }

  @Test
  void aFutureThatCompletesInTimeKeepsItsValueOrItsFailure() throws Exception {
    CompletableFuture<String> source = new CompletableFuture<>();
    CompletableFuture<String> bounded = Deadline.within(source, 60_000, "a write");
    source.complete("done");
    assertEquals("done", bounded.get(1, TimeUnit.SECONDS));

    IOException failure = new IOException("connection reset");
    CompletableFuture<String> failing =
        Deadline.within(CompletableFuture.failedFuture(failure), 60_000, "a write");
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> failing.get(1, TimeUnit.SECONDS));
    assertSame(failure, e.getCause());
  }

  @Test
  void awaitGivesUpAtTheDeadlineAndNamesWhat() {
    TimeoutException e =
        assertThrows(
            TimeoutException.class,
            () ->
                Deadline.await(
                    new CompletableFuture<>(), 50, "connecting to Cassandra at 127.0.0.1:9042"));
    assertEquals(
        "connecting to Cassandra at 127.0.0.1:9042 did not complete within 50 ms", e.getMessage());
    IllegalStateException failed =
        assertThrows(
            IllegalStateException.class,
            () ->
                Deadline.await(
                    CompletableFuture.failedFuture(new IOException("no host")), 50, "preparing"));
    assertInstanceOf(IOException.class, failed.getCause());
  }
}
