package io.openkms.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.client.KmsClientException;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.EnclaveStatusRequest;
import io.openkms.kms.cluster.ProbeResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The five invariants of docs/ARCHITECTURE.md §3 as checks on running nodes, and the ledger of
 * acknowledged writes they need:
 *
 * <ol>
 *   <li>equal commit index ⇒ equal state: every member reaches the same commit and the same state
 *       digest ({@code /v1/rpc/status});
 *   <li>after a write is acknowledged every member's reads reflect it;
 *   <li>no acknowledged write is lost (every enclave of the ledger exists on every member);
 *   <li>a write never hangs: every write attempt ends within the 10 s bound plus {@value
 *       #MARGIN_MILLIS} ms;
 *   <li>a node that is not a member serves nothing (checked where a scenario has one).
 * </ol>
 */
final class Invariants {

  /** The write bound of docs/ARCHITECTURE.md §3. */
  static final long WRITE_BOUND_MILLIS = 10_000;

  /** Slack on top of the bound for a loaded 2-core machine (HTTP, JVM pauses). */
  static final long MARGIN_MILLIS = 5_000;

  private final TestCluster fixture;
  private final Set<String> acknowledged = new TreeSet<>();
  private int attempts;

  Invariants(TestCluster fixture) {
    this.fixture = fixture;
  }

  /** The enclaves whose creation was acknowledged. */
  Set<String> acknowledged() {
    return acknowledged;
  }

  /**
   * Tries to create a new enclave through {@code node} (invariant 4: the attempt must end within
   * the bound). An acknowledged write is recorded and checked on every member (invariant 2).
   *
   * @return empty on success, else the server's error
   */
  Optional<KmsClientException> write(Member node, List<? extends Member> members) {
    String name = "w-" + (++attempts) + "-" + node.name();
    long start = System.nanoTime();
    Optional<KmsClientException> error;
    try {
      fixture.client(node).createEnclave(CreateEnclaveRequest.newBuilder().setName(name).build());
      error = Optional.empty();
    } catch (KmsClientException e) {
      error = Optional.of(e);
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(
        millis <= WRITE_BOUND_MILLIS + MARGIN_MILLIS,
        "invariant 4: a write through " + node + " took " + millis + " ms");
    if (error.isEmpty()) {
      acknowledged.add(name);
      for (Member m : members) {
        assertTrue(
            hasEnclave(m, name),
            "invariant 2: " + m + " does not show the acknowledged" + " write " + name);
      }
    }
    return error;
  }

  /** {@link #write} that must succeed. */
  void mustWrite(Member node, List<? extends Member> members) {
    Optional<KmsClientException> error = write(node, members);
    assertTrue(error.isEmpty(), () -> "write through " + node + " failed: " + error.get());
  }

  /**
   * Retries a write through {@code node} every second until one is acknowledged; every failed
   * attempt must be a 503 (not a hang, not another error).
   */
  void writeUntilAcknowledged(Member node, List<? extends Member> members, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    KmsClientException last = null;
    while (System.nanoTime() < deadline) {
      Optional<KmsClientException> error = write(node, members);
      if (error.isEmpty()) {
        return;
      }
      last = error.get();
      assertEquals(503, last.status(), "a failed write is a 503: " + last);
      Thread.sleep(1_000);
    }
    throw new AssertionError(
        "no write acknowledged through " + node + " within " + timeout + "; last error: " + last);
  }

  /** True if {@code node} serves enclave {@code name}. */
  boolean hasEnclave(Member node, String name) {
    try {
      fixture.client(node).enclaveStatus(EnclaveStatusRequest.newBuilder().setName(name).build());
      return true;
    } catch (KmsClientException e) {
      if (e.status() == 404) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Checks invariants 1–3 on {@code members}: they reach one commit index (within 60 s) with one
   * state digest, and each serves every acknowledged write.
   */
  void check(List<? extends Member> members) throws InterruptedException {
    Map<String, ProbeResult> last = new LinkedHashMap<>();
    TestCluster.await(
        Duration.ofSeconds(60),
        "equal commit indexes on " + members + " in one cluster",
        () -> {
          last.clear();
          for (Member m : members) {
            last.put(m.name(), fixture.probe(m));
          }
          return last.values().stream().map(ProbeResult::commit).distinct().count() == 1
              && last.values().stream().allMatch(ProbeResult::inCluster);
        });
    List<String> digests = new ArrayList<>();
    for (ProbeResult r : last.values()) {
      digests.add(r.digest());
      assertEquals(members.size(), r.members().size(), "members of " + r.host());
    }
    assertEquals(
        1, digests.stream().distinct().count(), "invariant 1: equal commit, equal state: " + last);
    for (Member m : members) {
      for (String name : acknowledged) {
        assertTrue(hasEnclave(m, name), "invariant 3: " + m + " lost acknowledged write " + name);
      }
    }
  }
}
