package io.openkms.http.server;

import io.openkms.http.ops.JfrProfiler;
import io.openkms.http.proto.LogRequest;
import io.openkms.http.proto.ProfileStatusResponse;
import io.openkms.kms.backup.BackupFile;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.util.Stages;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.zip.GZIPInputStream;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations endpoints (docs/PROTOCOL.md §3; docs/REFERENCE.md §7.1), all for SysAdmins only
 * (403 {@code access denied: insufficient permissions} otherwise, checked by the {@link Edge} with
 * the methods and body limits of its table), errors as JSON or protobuf bodies like every other
 * endpoint (§6.1):
 *
 * <ul>
 *   <li>{@code GET /v1/db} ({@code ReadDB}): the backup of this node's current state, taken from
 *       one published snapshot, i.e. at one commit index ({@link BackupFile}), sealed under the
 *       HSM-derived backup key; {@code application/octet-stream} with Content-Length.
 *   <li>{@code PUT /v1/db} ({@code WriteDB}; {@code POST} too): restores a backup (plain or gzip)
 *       into this cluster, which must have this node only: 409 {@code cannot restore: the cluster
 *       has N nodes: …}. The state is replaced by replicated writes (one per about {@value
 *       #RESTORE_PART_BYTES} bytes), so it is journaled (sealed under the REK) and a node added
 *       later gets it. A restore that fails halfway can be run again: its first write replaces
 *       everything. 400 {@code invalid backup: …} / {@code cannot restore backup: it was sealed
 *       under another HSM key …} change nothing; 413 {@code backup too large: at most N bytes
 *       (minkms.ops.backup-max-bytes)}.
 *   <li>{@code POST /v1/debug/log} ({@code Logs}): a protobuf {@code LogRequest} (at most {@value
 *       #MAX_SMALL_BODY_BYTES} bytes; garbage: 400 {@code invalid log request}), answered with an
 *       endless stream of length-prefixed {@code LogRecord}s ({@link io.openkms.http.ops.LogHub}).
 *   <li>{@code POST|GET|DELETE /v1/debug/pprof} ({@code StartProfiling}, {@code ProfilingStatus},
 *       {@code StopProfiling}): JDK Flight Recorder ({@link JfrProfiler}); bad query values: 400
 *       {@code invalid profile request: …}.
 *   <li>{@code POST /v1/debug/restart} ({@code Restart}): every other member restarts (internode
 *       {@code /v1/rpc/restart}, at most 15 s), then this node; with {@code ?self} only this node.
 *       200 once the restart is under way; 502 naming the members that did not confirm (this node
 *       restarts anyway).
 * </ul>
 */
public final class OpsApi {

  /** Largest body of a log request. */
  static final int MAX_SMALL_BODY_BYTES = 64 << 10;

  /**
   * About how many bytes of state one restore write carries: a large backup is restored by several
   * writes (the first replaces the state, the others add to it), each well under the replication's
   * change bound ({@code limits: max_change_size}, 128 KiB by default).
   */
  static final int RESTORE_PART_BYTES = 48 << 10;

  /** How long an upload may take, in ms. */
  static final long UPLOAD_TIMEOUT_MILLIS = 120_000;

  private static final Logger LOG = LoggerFactory.getLogger(OpsApi.class);

  private OpsApi() {}

  /** {@code GET /v1/db} (backup) and {@code PUT|POST /v1/db} (restore). */
  static CompletionStage<HttpResponse> db(Incoming in) {
    ApiContext api = in.api();
    if (api.ops().backupKey() == null) {
      throw ApiError.notAvailable("backup and restore");
    }
    if (in.request().method().equals(HttpMethods.GET)) {
      in.discardBody();
      KmsState state = api.node().state(); // one published snapshot: one commit index
      byte[] backup = BackupFile.write(state, api.ops().backupKey(), api.clock().instant());
      return done(Responses.ok(backup));
    }
    return in.body().thenCompose(body -> restore(api, body));
  }

  private static CompletionStage<HttpResponse> restore(ApiContext api, byte[] body) {
    byte[] data = gunzip(body, api.ops().maxBackupBytes());
    BackupFile.Contents contents = BackupFile.open(data, api.ops().backupKey());
    int nodes = api.node().state().membership().nodes().size();
    if (nodes != 1) {
      throw ApiError.restoreIntoCluster(nodes);
    }
    LOG.warn(
        "restoring backup of cluster {} at commit {} ({} enclaves): the state of this node"
            + " is replaced",
        contents.header().clusterId(),
        contents.header().commit(),
        contents.enclaves().size());
    List<Change.RestoreState> parts = BackupFile.changes(contents, RESTORE_PART_BYTES);
    CompletionStage<Long> done = CompletableFuture.completedFuture(0L);
    for (Change.RestoreState part : parts) {
      done = done.thenCompose(previous -> api.node().write(part));
    }
    return done.thenApply(
        index -> {
          LOG.info("backup restored at commit {} ({} write(s))", index, parts.size());
          return Responses.okJson("{}");
        });
  }

  /** {@code body}, decompressed if it is gzip, at most {@code max} bytes. */
  static byte[] gunzip(byte[] body, long max) {
    if (body.length < 2 || (body[0] & 0xff) != 0x1f || (body[1] & 0xff) != 0x8b) {
      return body;
    }
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      byte[] data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
      if (data.length > max) {
        throw ApiError.backupTooLarge(max);
      }
      return data;
    } catch (IOException e) {
      throw ApiError.invalidBackup("broken gzip data");
    }
  }

  // ---- /v1/debug/log ---------------------------------------------------------------------

  /** {@code POST /v1/debug/log}: the node's log stream. */
  static CompletionStage<HttpResponse> log(Incoming in) {
    ApiContext api = in.api();
    if (api.ops().logs() == null) {
      throw ApiError.notAvailable("log streaming");
    }
    return in.body()
        .thenApply(
            body -> {
              LogRequest req;
              try {
                req = LogRequest.parseFrom(body);
              } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw ApiError.INVALID_LOG_REQUEST.exception();
              }
              return HttpResponse.create()
                  .withEntity(
                      HttpEntities.createChunked(
                          Responses.OCTET_STREAM, api.ops().logs().stream(req)));
            });
  }

  // ---- /v1/debug/pprof -------------------------------------------------------------------

  /** {@code POST|GET|DELETE /v1/debug/pprof}: start, status, stop (the profile). */
  static CompletionStage<HttpResponse> pprof(Incoming in) {
    ApiContext api = in.api();
    HttpRequest request = in.request();
    HttpMethod m = request.method();
    JfrProfiler profiler = api.ops().profiler();
    if (profiler == null) {
      throw ApiError.notAvailable("profiling");
    }
    if (m.equals(HttpMethods.DELETE)) {
      return done(Responses.ok(profiler.stop()));
    }
    ProfileStatusResponse status =
        m.equals(HttpMethods.POST) ? profiler.start(profileSettings(request)) : profiler.status();
    boolean protobuf =
        request
            .getHeader("Accept")
            .map(h -> h.value().trim().equals("application/octet-stream"))
            .orElse(false);
    return done(
        protobuf ? Responses.ok(status.toByteArray()) : Responses.okJson(Responses.json(status)));
  }

  /** The query of {@code POST /v1/debug/pprof} as the Go client writes it. */
  static JfrProfiler.Settings profileSettings(HttpRequest request) {
    org.apache.pekko.http.javadsl.model.Query q = request.getUri().query();
    boolean cpu = bool(q.get("cpu"), "cpu");
    boolean heap = bool(q.get("heap"), "heap");
    String thread = q.get("thread").orElse("");
    boolean goroutine;
    boolean os;
    switch (thread) {
      case "" -> {
        goroutine = false;
        os = false;
      }
      case "all" -> {
        goroutine = true;
        os = true;
      }
      case "runtime" -> {
        goroutine = true;
        os = false;
      }
      case "os" -> {
        goroutine = false;
        os = true;
      }
      default ->
          throw ApiError.invalidProfile("thread '" + thread + "' is not one of all, runtime, os");
    }
    return new JfrProfiler.Settings(
        cpu,
        heap,
        goroutine,
        os,
        natural(q.get("block"), "block"),
        natural(q.get("mutex"), "mutex"));
  }

  private static boolean bool(Optional<String> value, String name) {
    String v = value.orElse("false");
    if (v.equals("true") || v.equals("1")) {
      return true;
    }
    if (v.equals("false") || v.equals("0") || v.isEmpty()) {
      return false;
    }
    throw ApiError.invalidProfile(name + " '" + v + "' is not true or false");
  }

  private static int natural(Optional<String> value, String name) {
    if (value.isEmpty() || value.get().isEmpty()) {
      return 0;
    }
    try {
      int n = Integer.parseInt(value.get());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw ApiError.invalidProfile(
        name + " '" + value.get() + "' is not a number from 0 to " + Integer.MAX_VALUE);
  }

  // ---- /v1/debug/restart -----------------------------------------------------------------

  /** {@code POST /v1/debug/restart[?self]}. */
  static CompletionStage<HttpResponse> restart(Incoming in) {
    ApiContext api = in.api();
    HttpRequest request = in.request();
    Restarter restarter = api.ops().restarter();
    if (restarter == null) {
      throw ApiError.notAvailable("restart");
    }
    if (request.getUri().query().get("self").isPresent()) {
      LOG.info("restart of this node requested");
      restarter.restartSelf();
      return done(Responses.okJson("{}"));
    }
    LOG.info("restart of the cluster requested: restarting the other members, then this node");
    return restarter
        .restartPeers()
        .handle(
            (failed, error) -> {
              restarter.restartSelf();
              if (error != null) {
                throw ApiError.peersNotAsked(Stages.cause(error).getMessage());
              }
              if (!failed.isEmpty()) {
                throw ApiError.restartNotConfirmed(failed);
              }
              return Responses.okJson("{}");
            });
  }

  // ---- common ----------------------------------------------------------------------------

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
