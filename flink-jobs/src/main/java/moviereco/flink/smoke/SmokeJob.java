package moviereco.flink.smoke;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;

/**
 * A bounded word count that proves the session cluster runs uploaded jars end to end.
 *
 * <p>Flags: {@code --output <dir>} (required; any Flink file system URI), {@code --text <words>}
 * (default "to be or not to be"). Writes one {@code "<word> <count>"} line per word.
 */
public final class SmokeJob {
  public static final String OUTPUT_OPTION = "output";
  public static final String TEXT_OPTION = "text";

  private SmokeJob() {}

  public static void main(String[] args) throws Exception {
    ParameterTool params = ParameterTool.fromArgs(args);
    String output = params.getRequired(OUTPUT_OPTION);
    String text = params.get(TEXT_OPTION, "to be or not to be");

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    env.fromData(text.trim().split("\\s+"))
        .name("words")
        .uid("words")
        .map(word -> Tuple2.of(word, 1L))
        .returns(Types.TUPLE(Types.STRING, Types.LONG))
        .name("pair")
        .uid("pair")
        .keyBy(pair -> pair.f0)
        .sum(1)
        .name("count")
        .uid("count")
        .map(pair -> pair.f0 + " " + pair.f1)
        .name("format")
        .uid("format")
        .sinkTo(
            FileSink.forRowFormat(new Path(output), new SimpleStringEncoder<String>())
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .build())
        .name("file-sink")
        .uid("file-sink");
    env.execute("smoke-word-count");
  }
}
