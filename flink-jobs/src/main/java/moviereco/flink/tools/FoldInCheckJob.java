package moviereco.flink.tools;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import moviereco.flink.speed.FoldIn;
import moviereco.flink.speed.Model;
import moviereco.flink.speed.ModelLoader;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.util.Collector;

/**
 * Checks the speed layer's fold-in against the batch model: for every user of a MovieLens
 * ratings.csv (the model's training data), folds in the user's ratings with the model's item
 * factors, exactly as the speed recommender does, and compares with the user's bias and vector that
 * ALS wrote ({@code <model>/user-factors}). Writes {@code userId,n,maxAbsDiff,biasDiff} lines.
 *
 * <p>Flags: {@code --model <path>}, {@code --ratings <path of ratings.csv>}, {@code --output
 * <dir>}.
 */
public final class FoldInCheckJob {
  private FoldInCheckJob() {}

  public static void main(String[] args) throws Exception {
    ParameterTool params = ParameterTool.fromArgs(args);
    String model = params.getRequired("model");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    env.fromSource(
            FileSource.forRecordStreamFormat(
                    new TextLineInputFormat(), new Path(params.getRequired("ratings")))
                .build(),
            WatermarkStrategy.noWatermarks(),
            "ratings")
        .uid("ratings")
        .filter(line -> !line.isEmpty() && Character.isDigit(line.charAt(0)))
        .name("rows")
        .uid("rows")
        .map(
            line -> {
              String[] c = line.split(",");
              return Tuple3.of(Long.parseLong(c[0]), Long.parseLong(c[1]), Float.parseFloat(c[2]));
            })
        .returns(Types.TUPLE(Types.LONG, Types.LONG, Types.FLOAT))
        .name("parse")
        .uid("parse")
        .keyBy(t -> t.f0)
        .process(new Compare(model))
        .name("compare")
        .uid("compare")
        .sinkTo(
            FileSink.forRowFormat(
                    new Path(params.getRequired("output")), new SimpleStringEncoder<String>())
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .build())
        .name("output")
        .uid("output");
    env.execute("fold-in-check");
  }

  static final class Compare extends KeyedProcessFunction<Long, Tuple3<Long, Long, Float>, String> {
    private final String modelPath;
    private transient Model model;
    private transient Map<Long, Integer> userRow;
    private transient ModelLoader.Factors users;
    private transient ListState<Tuple3<Long, Long, Float>> ratings;

    Compare(String modelPath) {
      this.modelPath = modelPath;
    }

    @Override
    public void open(Configuration parameters) throws Exception {
      model = ModelLoader.load(modelPath);
      users = ModelLoader.readFactors(new Path(new Path(modelPath), "user-factors"), model.rank);
      userRow = new HashMap<>();
      for (int i = 0; i < users.ids().length; i++) userRow.put(users.ids()[i], i);
      ratings =
          getRuntimeContext()
              .getListState(
                  new ListStateDescriptor<>(
                      "ratings", Types.TUPLE(Types.LONG, Types.LONG, Types.FLOAT)));
    }

    @Override
    public void processElement(Tuple3<Long, Long, Float> r, Context ctx, Collector<String> out)
        throws Exception {
      ratings.add(r);
      ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE - 1);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out)
        throws Exception {
      List<Tuple3<Long, Long, Float>> all = new ArrayList<>();
      for (Tuple3<Long, Long, Float> r : ratings.get()) all.add(r);
      int[] rows = new int[all.size()];
      float[] values = new float[all.size()];
      for (int j = 0; j < rows.length; j++) {
        rows[j] = model.indexOf(all.get(j).f1);
        values[j] = all.get(j).f2;
      }
      FoldIn.UserVector u = FoldIn.solve(model, rows, values);
      Integer row = userRow.get(ctx.getCurrentKey());
      if (row == null) {
        out.collect(ctx.getCurrentKey() + "," + u.n() + ",missing,missing");
        return;
      }
      double maxDiff = 0;
      for (int f = 0; f < model.rank; f++)
        maxDiff = Math.max(maxDiff, Math.abs(u.x()[f] - users.factors()[row * model.rank + f]));
      out.collect(
          ctx.getCurrentKey()
              + ","
              + u.n()
              + ","
              + maxDiff
              + ","
              + Math.abs(u.bias() - users.bias()[row]));
    }
  }
}
