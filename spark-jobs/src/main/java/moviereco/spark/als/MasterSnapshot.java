package moviereco.spark.als;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The master as a run read it, kept in that run's model folder: every (user, movie) pair's latest
 * event in Parquet, deletions included ({@link #DATA}), and the inputs those pairs cover ({@link
 * #INPUTS}: the history file and each archive file with its length). The next run reads the newest
 * snapshot and only the archive files it does not cover, instead of parsing the whole history and
 * archive again; since a pair keeps its latest event, a file read twice changes nothing, and the
 * result is the master a full read would give. A rating the rule refused (for example dated beyond
 * the allowed skew) is refused once, when its file is first read.
 */
final class MasterSnapshot {
  private MasterSnapshot() {}

  /** The Parquet folder: {@link MasterData#PAIRS_SCHEMA}. */
  static final String DATA = "master";

  /** Written after {@link #DATA}: a snapshot without it is incomplete and never read. */
  static final String INPUTS = "master-inputs.txt";

  /** A snapshot found: its Parquet folder and what it covers. */
  record Found(String data, Inputs inputs) {}

  /** The inputs a snapshot covers: the history file, and archive files (path → length). */
  record Inputs(String history, Map<String, Long> events) {
    /** Lines {@code history <path>}, then {@code event <length> <path>}, tab-separated. */
    String format() {
      StringBuilder out = new StringBuilder("history\t").append(history).append('\n');
      events.forEach((p, n) -> out.append("event\t").append(n).append('\t').append(p).append('\n'));
      return out.toString();
    }

    static Inputs parse(String text) {
      String history = null;
      Map<String, Long> events = new LinkedHashMap<>();
      for (String line : text.split("\n")) {
        if (line.isEmpty()) continue;
        String[] f = line.split("\t", 3);
        if (f[0].equals("history") && f.length == 2) history = f[1];
        else if (f[0].equals("event") && f.length == 3) events.put(f[2], Long.parseLong(f[1]));
        else throw new IllegalArgumentException("not a line of " + INPUTS + ": " + line);
      }
      if (history == null) throw new IllegalArgumentException(INPUTS + " names no history");
      return new Inputs(history, events);
    }

    /**
     * The files of {@code listed} this does not cover, or covers with another length (read again: a
     * pair keeps its latest event, so rows read twice change nothing).
     */
    List<String> notCovered(Map<String, Long> listed) {
      List<String> out = new ArrayList<>();
      listed.forEach(
          (p, n) -> {
            if (!n.equals(events.get(p))) out.add(p);
          });
      return out;
    }
  }

  /**
   * The archive's files (path without scheme and authority → length), recursively, leaving out
   * those Spark's reader leaves out of a folder: names starting with '.' or '_' (the archive's
   * files still being written, markers).
   */
  static Map<String, Long> eventFiles(FileSystem fs, String eventsPath) throws Exception {
    Map<String, Long> out = new LinkedHashMap<>();
    Path root = new Path(eventsPath);
    if (!fs.exists(root)) return out;
    RemoteIterator<LocatedFileStatus> files = fs.listFiles(root, true);
    while (files.hasNext()) {
      LocatedFileStatus f = files.next();
      if (hidden(f.getPath(), root)) continue;
      out.put(f.getPath().toUri().getPath(), f.getLen());
    }
    return out;
  }

  /** Whether a name on the way from root to the file starts with '.' or '_'. */
  static boolean hidden(Path file, Path root) {
    String under = file.toUri().getPath().substring(root.toUri().getPath().length());
    return Arrays.stream(under.split("/")).anyMatch(n -> n.startsWith(".") || n.startsWith("_"));
  }

  /**
   * The newest complete snapshot in the model folders under {@code modelsPath} (versions sort by
   * time), if it covers {@code history}; else none: the run reads everything.
   */
  static Found newest(FileSystem fs, String modelsPath, String history) throws Exception {
    Path models = new Path(modelsPath);
    if (!fs.exists(models)) return null;
    FileStatus[] versions = fs.listStatus(models);
    Arrays.sort(versions, Comparator.comparing((FileStatus s) -> s.getPath().getName()).reversed());
    for (FileStatus v : versions) {
      Path inputs = new Path(v.getPath(), INPUTS);
      if (!v.isDirectory() || !fs.exists(inputs)) continue;
      Inputs covered = Inputs.parse(read(fs, inputs));
      return covered.history().equals(history)
          ? new Found(new Path(v.getPath(), DATA).toString(), covered)
          : null;
    }
    return null;
  }

  /** Writes the pairs, then the inputs they cover, into the model folder. */
  static void write(FileSystem fs, Dataset<Row> pairs, String modelPath, Inputs inputs)
      throws Exception {
    pairs.select(MasterData.PAIR_COLUMNS).write().mode("overwrite").parquet(modelPath + "/" + DATA);
    // written aside and renamed: a run killed meanwhile leaves no half list of what is covered
    Path aside = new Path(URI.create(modelPath + "/." + INPUTS));
    try (OutputStream out = fs.create(aside, true)) {
      out.write(inputs.format().getBytes(StandardCharsets.UTF_8));
    }
    Path inputsPath = new Path(URI.create(modelPath + "/" + INPUTS));
    fs.delete(inputsPath, false); // a version written again (HDFS renames onto no existing file)
    if (!fs.rename(aside, inputsPath))
      throw new IllegalStateException("could not rename " + aside + " to " + INPUTS);
  }

  private static String read(FileSystem fs, Path file) throws Exception {
    try (InputStream in = fs.open(file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
