package moviereco.flink.speed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.junit.jupiter.api.Test;

/** The switch made last wins, whatever order the switches arrive in. */
class ModelSwitchTest {
  static ModelSwitch at(String version, long switchedAt) {
    return new ModelSwitch(new ModelRef("als", version, "/m/" + version, 0), switchedAt, "test");
  }

  /** What a receiver keeps after the switches arrive in this order. */
  static String kept(List<ModelSwitch> arrivals) {
    ModelRef current = null;
    long currentAt = ModelSwitch.UNKNOWN;
    for (ModelSwitch s : arrivals) {
      if (!s.supersedes(current, currentAt)) continue;
      current = s.model;
      currentAt = s.switchedAt;
    }
    return current.version;
  }

  @Test
  void theLaterSwitchWinsNotTheGreaterVersion() {
    assertTrue(at("v1", 30).supersedes(at("v2", 20).model, 20), "a rollback");
    assertFalse(at("v1", 10).supersedes(at("v2", 20).model, 20), "an old announcement");
    assertFalse(at("v2", 20).supersedes(at("v2", 20).model, 20), "the same switch again");
    assertTrue(at("v2", 20).supersedes(null, ModelSwitch.UNKNOWN));
  }

  @Test
  void itTravelsAsAFlinkPojoNotThroughKryo() {
    assertInstanceOf(PojoTypeInfo.class, TypeInformation.of(ModelSwitch.class));
  }

  @Test
  void everyArrivalOrderKeepsTheSameModel() {
    List<ModelSwitch> switches =
        new ArrayList<>(
            List.of(
                at("v1", 10),
                at("v2", 20),
                at("v2", 21),
                at("v3", 30),
                at("v1", 40),
                at("v4", 40),
                at("v0", ModelSwitch.UNKNOWN)));
    Random random = new Random(7);
    for (int i = 0; i < 200; i++) {
      Collections.shuffle(switches, random);
      assertEquals("v4", kept(switches), switches.toString());
    }
  }
}
