package moviereco.flink.online;

import moviereco.flink.common.Rating;

/** A rating and what a look-up found its user served just after it arrived (a Flink POJO). */
public class Looked {
  public Rating rating;
  public Served served;

  public Looked() {}

  public Looked(Rating rating, Served served) {
    this.rating = rating;
    this.served = served;
  }
}
