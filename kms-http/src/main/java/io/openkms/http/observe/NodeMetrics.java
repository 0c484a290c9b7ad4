package io.openkms.http.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.actors.LeaderProgress;
import io.openkms.kms.actors.LocalNode;
import io.openkms.kms.actors.ReplicaMonitor;
import io.openkms.kms.actors.ReplicaState;
import io.openkms.kms.cluster.ClusterNode;
import io.openkms.kms.domain.EnclaveState;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.domain.StateSize;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node's metrics registry (Micrometer with its Prometheus registry) and everything in it but the
 * request meters ({@link HttpMetrics}) and the audit meters ({@link AuditLog}):
 *
 * <ul>
 *   <li>replication, read from the state the node publishes (no actor is asked on a scrape): {@code
 *       minkms_replication_term}, {@code minkms_replication_commit_index}, {@code
 *       minkms_replication_leader_id} (−1: none known), {@code minkms_replication_is_leader},
 *       {@code minkms_replication_members}, {@code minkms_replication_writable} (1 when this node
 *       can commit writes: replica health), {@code minkms_replication_member_reachable} by {@code
 *       node_id} and {@code host}; on the node hosting the serving leader, {@code
 *       minkms_replication_member_lag} by {@code node_id} and {@code host} (entries the leader
 *       assigned that the member has not acknowledged, from the {@link LeaderProgress} the leader
 *       publishes);
 *   <li>store: {@code minkms_journal_write_seconds} (histogram: from the persist of a batch of
 *       events to its callback) and {@code minkms_journal_write_failures_total} (writes the store
 *       failed or rejected), reported by the replica log through {@link
 *       ReplicaMonitor.JournalMeter};
 *   <li>state size: {@code minkms_state_enclaves}, {@code minkms_state_keys}, {@code
 *       minkms_state_policies}, {@code minkms_state_identities};
 *   <li>connections and TLS ({@link ConnectionEvents}, reported by the API port's connection
 *       guard): {@code minkms_tls_connections_total} (accepted connections), {@code
 *       minkms_tls_connections_open}, and {@code minkms_tls_handshakes_total} by {@code result}
 *       ({@code ok}, {@code failed}: one per accepted connection);
 *   <li>JVM and process: Micrometer's {@code jvm_memory_*}, {@code jvm_gc_*}, {@code
 *       jvm_threads_*}, {@code jvm_classes_*}, {@code system_cpu_*}, {@code process_cpu_*}, {@code
 *       process_files_*}, {@code process_uptime_*}.
 * </ul>
 *
 * {@link #scrape(String)} takes one snapshot of the node's published state and renders the registry
 * as Prometheus text 0.0.4 or OpenMetrics 1.0.
 */
public final class NodeMetrics implements ConnectionEvents, AutoCloseable {

  /** {@code text/plain; version=0.0.4; charset=utf-8}. */
  public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  /** {@code application/openmetrics-text; version=1.0.0; charset=utf-8}. */
  public static final String OPENMETRICS_TEXT =
      "application/openmetrics-text; version=1.0.0; charset=utf-8";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final HttpMetrics http = new HttpMetrics(registry);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Counter connections;
  private final AtomicInteger openConnections = new AtomicInteger();
  private final Counter handshakesOk;
  private final Counter handshakesFailed;
  private volatile Snapshot snapshot = Snapshot.NONE;
  private final StateSizer sizer = new StateSizer();
  private volatile KmsNode node;
  private MultiGauge reachable;
  private MultiGauge lag;

  /** A registry with the JVM, process and connection meters. */
  public NodeMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    connections =
        Counter.builder("minkms_tls_connections")
            .description("connections accepted on the API port")
            .register(registry);
    Gauge.builder("minkms_tls_connections_open", openConnections, AtomicInteger::get)
        .description("connections open on the API port")
        .register(registry);
    handshakesOk = handshakes("ok");
    handshakesFailed = handshakes("failed");
  }

  private Counter handshakes(String result) {
    return Counter.builder("minkms_tls_handshakes")
        .tag("result", result)
        .description(
            "TLS handshakes on the API port: ok (the client's first encrypted record "
                + "arrived), failed (the connection closed before)")
        .register(registry);
  }

  /** The registry (for meters of other parts: audit, store). */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The request meters. */
  public HttpMetrics http() {
    return http;
  }

  /** Registers the replication and state gauges of {@code node}; call once, when the node runs. */
  public synchronized void bindNode(KmsNode node) {
    if (this.node != null) {
      return;
    }
    this.node = node;
    gauge("minkms_replication_term", "highest term this node has seen", s -> s.term);
    gauge("minkms_replication_commit_index", "index of the last applied entry", s -> s.commit);
    gauge(
        "minkms_replication_leader_id",
        "the leader's node id, -1 when none is known",
        s -> s.leaderId);
    gauge(
        "minkms_replication_is_leader",
        "1 when this node is the leader",
        s -> s.leaderId >= 0 && s.leaderId == s.selfId ? 1 : 0);
    gauge("minkms_replication_members", "cluster members", s -> s.members.size());
    gauge(
        "minkms_replication_writable",
        "1 when this node can commit writes",
        s -> s.writable ? 1 : 0);
    gauge("minkms_state_enclaves", "enclaves", s -> s.enclaves);
    gauge("minkms_state_keys", "keys in all enclaves", s -> s.keys);
    gauge("minkms_state_policies", "policies in all enclaves", s -> s.policies);
    gauge(
        "minkms_state_identities",
        "identities in all enclaves and cluster SysAdmins",
        s -> s.identities);
    gauge(
        "minkms_state_bytes",
        "estimated size of the replicated state in memory, in bytes (what the limits: "
            + "state_size quota counts)",
        s -> s.stateBytes);
    reachable =
        MultiGauge.builder("minkms_replication_member_reachable")
            .description("1 when this node reaches the member now")
            .register(registry);
    lag =
        MultiGauge.builder("minkms_replication_member_lag")
            .description(
                "entries the leader assigned that the member has not acknowledged "
                    + "(on the leader's node)")
            .register(registry);
    LocalNode local = local(node);
    if (local != null) {
      local.replicaMonitor().meterJournal(journalMeter());
    }
  }

  /** The node's own replica (null for a node of another kind, e.g. a test double). */
  private static LocalNode local(KmsNode node) {
    return node instanceof LocalNode l ? l : node instanceof ClusterNode c ? c.local() : null;
  }

  private ReplicaMonitor.JournalMeter journalMeter() {
    Timer writes =
        Timer.builder("minkms_journal_write")
            .description("journal writes, from the persist of a batch of events to its callback")
            .serviceLevelObjectives(HttpMetrics.DURATION_BUCKETS)
            .register(registry);
    Counter failures =
        Counter.builder("minkms_journal_write_failures")
            .description("journal writes the store failed or rejected")
            .register(registry);
    return new ReplicaMonitor.JournalMeter() {
      @Override
      public void written(long nanos) {
        writes.record(nanos, TimeUnit.NANOSECONDS);
      }

      @Override
      public void failed() {
        failures.increment();
      }
    };
  }

  private interface Read {
    double of(Snapshot s);
  }

  private void gauge(String name, String description, Read read) {
    Gauge.builder(name, this, m -> read.of(m.snapshot)).description(description).register(registry);
  }

  /**
   * The metrics as text: takes one snapshot of the node's published state, then renders the
   * registry.
   *
   * @param accept the request's Accept header ({@code ""} if none): OpenMetrics 1.0 when it asks
   *     for {@code application/openmetrics-text}, else Prometheus text 0.0.4
   */
  public Scrape scrape(String accept) {
    refresh();
    String type =
        accept != null && accept.contains("application/openmetrics-text")
            ? OPENMETRICS_TEXT
            : PROMETHEUS_TEXT;
    return new Scrape(type, registry.scrape(type));
  }

  /** A rendered scrape: its content type and text. */
  public record Scrape(String contentType, String text) {}

  private void refresh() {
    KmsNode n = node;
    if (n == null) {
      return;
    }
    Snapshot s;
    try {
      s = Snapshot.of(n, sizer);
    } catch (RuntimeException e) {
      s = Snapshot.NONE; // a removed node: it serves nothing and reports no state
    }
    snapshot = s;
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    Set<String> up = s.reachable;
    s.members.forEach(
        (id, host) ->
            rows.add(
                MultiGauge.Row.of(
                    Tags.of("node_id", Integer.toString(id), "host", host),
                    up.contains(host) ? 1 : 0)));
    reachable.register(rows, true);
    List<MultiGauge.Row<?>> lags = new ArrayList<>();
    Map<Integer, String> hosts = s.members;
    s.lags.forEach(
        (id, entries) ->
            lags.add(
                MultiGauge.Row.of(
                    Tags.of("node_id", Integer.toString(id), "host", hosts.getOrDefault(id, "")),
                    entries)));
    lag.register(lags, true);
  }

  /** The node's published state at one scrape. */
  private record Snapshot(
      long term,
      long commit,
      long leaderId,
      long selfId,
      Map<Integer, String> members,
      Set<String> reachable,
      Map<Integer, Long> lags,
      boolean writable,
      long enclaves,
      long keys,
      long policies,
      long identities,
      long stateBytes) {

    static final Snapshot NONE =
        new Snapshot(0, 0, -1, -2, Map.of(), Set.of(), Map.of(), false, 0, 0, 0, 0, 0);

    static Snapshot of(KmsNode node, StateSizer sizer) {
      LocalNode local = local(node);
      ReplicaState replica = local == null ? null : local.replicaState();
      LeaderProgress progress = local == null ? null : local.leaderProgress();
      KmsNode.NodeStatus status = node.status();
      KmsState state = node.state();
      long keys = 0;
      long policies = 0;
      long identities = state.sysAdmins().size();
      for (EnclaveState e : state.enclaves().values()) {
        keys += e.keys().size();
        policies += e.policies().size();
        identities += e.identities().size();
      }
      return new Snapshot(
          replica == null ? 0 : replica.promisedTerm(),
          replica == null ? state.commitIndex() : replica.lastIndex(),
          status.leaderId(),
          status.id(),
          state.membership().nodes(),
          node.reachableHosts(),
          progress == null ? Map.of() : progress.lags(),
          node.writable(),
          state.enclaves().size(),
          keys,
          policies,
          identities,
          sizer.bytes(state));
    }
  }

  /**
   * {@link StateSize#of} of the last state it measured, measured again only when the state changed
   * (states are immutable: a new commit is a new object). O(state) per change, at most once per
   * scrape.
   */
  private static final class StateSizer {
    private KmsState measured;
    private long bytes;

    synchronized long bytes(KmsState state) {
      if (state != measured) {
        bytes = StateSize.of(state);
        measured = state;
      }
      return bytes;
    }
  }

  @Override
  public void connectionOpened() {
    connections.increment();
    openConnections.incrementAndGet();
  }

  @Override
  public void connectionClosed() {
    openConnections.decrementAndGet();
  }

  @Override
  public void handshake(boolean ok) {
    (ok ? handshakesOk : handshakesFailed).increment();
  }

  /** Stops the GC listener and closes the registry. */
  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
