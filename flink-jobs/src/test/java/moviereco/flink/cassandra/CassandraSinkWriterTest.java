package moviereco.flink.cassandra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.metrics.SimpleCounter;
import org.junit.jupiter.api.Test;

/**
 * The sink's writer against requests that complete, fail or never complete: no Cassandra needed.
 */
class CassandraSinkWriterTest {
  final List<CompletableFuture<Void>> requests = new ArrayList<>();
  final SimpleCounter rows = new SimpleCounter();
  final SimpleCounter sent = new SimpleCounter();
  final SimpleCounter errors = new SimpleCounter();
  final AtomicBoolean closed = new AtomicBoolean();

  CassandraSink.Writer<String> writer(int maxInFlight, long deadlineMs) {
    return new CassandraSink.Writer<>(
        element -> {
          CompletableFuture<Void> request = new CompletableFuture<>();
          requests.add(request);
          return request;
        },
        element -> element.startsWith("batch") ? 3 : 1,
        "the write",
        maxInFlight,
        deadlineMs,
        rows,
        sent,
        errors,
        () -> closed.set(true));
  }

  @Test
  void countsAcknowledgedRowsAndFlushesWhenAllAreAcknowledged() throws Exception {
    CassandraSink.Writer<String> w = writer(4, 10_000);
    for (int i = 0; i < 3; i++) w.write("row" + i, null);
    w.write("batch of three", null);
    requests.forEach(r -> r.complete(null));
    w.flush(false);
    assertEquals(6, rows.getCount(), "a batch counts its rows");
    assertEquals(4, sent.getCount(), "and is one request");
    w.close();
    assertTrue(closed.get());
  }

  @Test
  void aWriteThatNeverCompletesFailsTheFlushAfterTheDeadline() throws Exception {
    CassandraSink.Writer<String> w = writer(4, 100);
    w.write("lost", null);
    long start = System.nanoTime();
    IOException e = assertThrows(IOException.class, () -> w.flush(false));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(elapsedMs < 5_000, "flush took " + elapsedMs + " ms");
    TimeoutException timeout = assertInstanceOf(TimeoutException.class, e.getCause());
    assertEquals("the write did not complete within 100 ms", timeout.getMessage());
    assertEquals(0, rows.getCount());
    assertEquals(1, errors.getCount());
  }

  @Test
  void aWriteWaitingForAFreeSlotFailsWhenTheOutstandingOnesMissTheirDeadline() throws Exception {
    CassandraSink.Writer<String> w = writer(1, 100);
    w.write("first", null); // takes the only slot and never completes
    IOException e = assertThrows(IOException.class, () -> w.write("second", null));
    assertEquals(1, requests.size(), "the second write was not sent");
    assertInstanceOf(TimeoutException.class, e.getCause());
  }

  @Test
  void aFailedWriteFailsTheNextWrite() throws Exception {
    CassandraSink.Writer<String> w = writer(4, 10_000);
    w.write("a", null);
    requests.get(0).completeExceptionally(new IllegalStateException("no node was available"));
    IOException e = assertThrows(IOException.class, () -> w.write("b", null));
    assertEquals("Cassandra write failed: no node was available", e.getMessage());
  }
}
