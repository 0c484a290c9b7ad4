package io.openkms.kms.lifecycle;

import java.util.Objects;

/**
 * What a node does when the leader of another cluster claims it (operator trial: a member wiped and
 * restarted under its old {@code --host} served its empty state, 404 {@code enclave does not exist}
 * for up to 30 s, and one that took writes of its own served them as a one-node cluster for ever
 * while nothing warned). Pure and immutable: the caller feeds each claimed probe ({@code GET
 * /v1/rpc/status?nonce=…&claim=<cluster id>}, sent only by a leader's re-admission probe, {@link
 * Readmission}) with milliseconds of a monotonic clock, and reads what the node must answer.
 *
 * <h2>Rules</h2>
 *
 * <ul>
 *   <li>A claim by this node's own cluster, or an empty claim, changes nothing (a member restarting
 *       on its store).
 *   <li>A claim by another cluster while this node is fresh (nothing but its bootstrap): it is
 *       being re-admitted; the caller renews its joining window ({@link Step#renewJoining()}), so
 *       that it answers 503 {@code node is joining the cluster} from the first probe, not only from
 *       the leader's join instruction.
 *   <li>A claim by another cluster while this node is not fresh (it took writes of its own, or it
 *       was removed): the leader will not admit it ({@link Readmission}: Evict / Refuse). For
 *       {@link #WINDOW_MILLIS} after each such probe (the leader probes such a host every 3 s) the
 *       node is <em>not admitted</em>: it answers every client request that reads or writes state,
 *       and {@code /v1/health/ready}, with 503 {@link #message()}, and reports it as its health.
 *       {@link Step#entered()} is true on the probe that starts such a window (log it once).
 * </ul>
 *
 * @param host this node's {@code --host}, for the message ({@code ""} while never claimed)
 * @param claimant the cluster id of the last claim that made this node not admitted ({@code ""}:
 *     none)
 * @param entries how many log entries this node held at that claim
 * @param untilMillis clock value until which the node is not admitted; -1 when never
 */
public record Claim(String host, String claimant, long entries, long untilMillis) {

  /** How long one claimed probe keeps a non-fresh node not admitted: 30 000 ms. */
  public static final long WINDOW_MILLIS = 30_000;

  /** Checks the strings. */
  public Claim {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(claimant, "claimant");
  }

  /** A node never claimed by another cluster. */
  public static final Claim NONE = new Claim("", "", 0, -1);

  /**
   * What a claimed probe does.
   *
   * @param next the new state
   * @param renewJoining true if the node must renew its joining window (it is fresh and claimed)
   * @param entered true if this probe made the node not admitted (it was not): log one warning
   */
  public record Step(Claim next, boolean renewJoining, boolean entered) {}

  /**
   * One claimed probe.
   *
   * @param nowMillis the monotonic clock, ms
   * @param claimant the cluster id the prober sent ({@code ""} or null: no claim)
   * @param ownClusterId this node's cluster id
   * @param fresh true if this node holds nothing but its own bootstrap and is not removed
   * @param entries how many log entries this node holds (its last index)
   * @param host this node's {@code --host}
   * @return the step
   */
  public Step claimed(
      long nowMillis,
      String claimant,
      String ownClusterId,
      boolean fresh,
      long entries,
      String host) {
    if (claimant == null || claimant.isEmpty() || claimant.equals(ownClusterId)) {
      return new Step(this, false, false);
    }
    if (fresh) {
      return new Step(this, true, false);
    }
    boolean entered = !notAdmitted(nowMillis);
    return new Step(new Claim(host, claimant, entries, nowMillis + WINDOW_MILLIS), false, entered);
  }

  /** True while this node is not admitted at {@code nowMillis} (within the window of a claim). */
  public boolean notAdmitted(long nowMillis) {
    return untilMillis >= 0 && nowMillis < untilMillis;
  }

  /**
   * Why a not-admitted node refuses requests, with the remedy: {@code this node was reset and holds
   * N log entries of its own: the cluster of this HSM key (cluster C) claims HOST but does not
   * admit it again; stop it, delete its store (DIR/kms.db) and start it again (its N entries are
   * lost)}.
   */
  public String message() {
    return "this node was reset and holds "
        + entries
        + " log entries of its own: the cluster of this HSM key (cluster "
        + claimant
        + ") claims "
        + host
        + " but does not admit it again; stop it, delete its store (DIR/kms.db) and start it"
        + " again (its "
        + entries
        + " entries are lost)";
  }

  /** The health problem to report at {@code nowMillis}: {@link #message()}, or {@code ""}. */
  public String problem(long nowMillis) {
    return notAdmitted(nowMillis) ? message() : "";
  }
}
