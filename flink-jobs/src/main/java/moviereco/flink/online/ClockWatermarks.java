package moviereco.flink.online;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

/**
 * Watermarks of bounded out-of-orderness while events flow; once none came for {@code idleMs}, from
 * the wall clock (minus the out-of-orderness), so the windows of a quiet stream still close and the
 * page shows them. For event times that follow the clock (ratings as they happen, or npm start's
 * replay, which stamps them now); a replay of old times after an idle spell is late and dropped.
 */
public final class ClockWatermarks<T> implements WatermarkGenerator<T> {
  private final long outOfOrdernessMs;
  private final long idleMs;
  private final java.util.function.LongSupplier clock;
  private long maxTimestamp = Long.MIN_VALUE;
  private long lastEventAt = Long.MIN_VALUE;
  private long emitted = Long.MIN_VALUE;

  public ClockWatermarks(
      long outOfOrdernessMs, long idleMs, java.util.function.LongSupplier clock) {
    this.outOfOrdernessMs = outOfOrdernessMs;
    this.idleMs = idleMs;
    this.clock = clock;
  }

  @Override
  public void onEvent(T event, long timestamp, WatermarkOutput output) {
    maxTimestamp = Math.max(maxTimestamp, timestamp);
    lastEventAt = clock.getAsLong();
  }

  @Override
  public void onPeriodicEmit(WatermarkOutput output) {
    long now = clock.getAsLong();
    // from the start, events (a backlog after a restart) have idleMs to arrive before the clock
    // rules
    if (lastEventAt == Long.MIN_VALUE) lastEventAt = now;
    long next =
        maxTimestamp == Long.MIN_VALUE ? Long.MIN_VALUE : maxTimestamp - outOfOrdernessMs - 1;
    if (now - lastEventAt >= idleMs) next = Math.max(next, now - outOfOrdernessMs - 1);
    if (next > emitted) {
      emitted = next;
      output.emitWatermark(new Watermark(next));
    }
  }
}
