package moviereco.flink.speed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class HeldHistoriesTest {
  @Test
  void aHistoryUnusedForTheIdleTimeIsLetGoAndAUsedOneIsKept() {
    HeldHistories held = new HeldHistories(1_000);
    UserHistory a = new UserHistory();
    UserHistory b = new UserHistory();
    held.hold(1, a, 0);
    held.hold(2, b, 100);
    assertSame(a, held.use(1, 900), "used at 900: kept until 1,900");
    assertSame(b, held.peek(2));
    held.hold(3, new UserHistory(), 1_100);
    assertNull(held.peek(2), "unused since 100: let go at 1,100");
    assertSame(a, held.peek(1));
    assertEquals(2, held.size());
    assertSame(a, held.peek(1), "a peek is not a use");
    held.use(3, 1_950);
    assertNull(held.peek(1), "used at 900, let go at 1,950");
    assertEquals(1, held.size());
  }

  @Test
  void withNoIdleTimeNothingIsLetGoAndRemoveForgets() {
    HeldHistories held = new HeldHistories(0);
    held.hold(1, new UserHistory(), 0);
    held.hold(2, new UserHistory(), Long.MAX_VALUE / 2);
    assertEquals(2, held.size());
    held.remove(1);
    assertNull(held.use(1, 0));
    assertEquals(1, held.size());
  }
}
