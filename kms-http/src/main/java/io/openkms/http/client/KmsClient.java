package io.openkms.http.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.util.JsonFormat;
import io.openkms.http.proto.AddClusterNodeRequest;
import io.openkms.http.proto.AddHSMRequest;
import io.openkms.http.proto.AssignPolicyRequest;
import io.openkms.http.proto.ClusterStatusRequest;
import io.openkms.http.proto.ClusterStatusResponse;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateIdentityRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.CreatePolicyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.DecryptResponse;
import io.openkms.http.proto.DeleteEnclaveRequest;
import io.openkms.http.proto.DeleteIdentityRequest;
import io.openkms.http.proto.DeleteKeyRequest;
import io.openkms.http.proto.DeletePolicyRequest;
import io.openkms.http.proto.EditClusterRequest;
import io.openkms.http.proto.EnclaveStatusRequest;
import io.openkms.http.proto.EnclaveStatusResponse;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.EncryptResponse;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.proto.GenerateKeyResponse;
import io.openkms.http.proto.IdentityRequest;
import io.openkms.http.proto.IdentityResponse;
import io.openkms.http.proto.ImportKeyRequest;
import io.openkms.http.proto.KeyStatusRequest;
import io.openkms.http.proto.KeyStatusResponse;
import io.openkms.http.proto.ListEnclavesResponse;
import io.openkms.http.proto.ListIdentitiesResponse;
import io.openkms.http.proto.ListKeysResponse;
import io.openkms.http.proto.ListPoliciesResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.proto.LogRequest;
import io.openkms.http.proto.MACRequest;
import io.openkms.http.proto.MACResponse;
import io.openkms.http.proto.PolicyRequest;
import io.openkms.http.proto.PolicyResponse;
import io.openkms.http.proto.PolicyStatusResponse;
import io.openkms.http.proto.ProfileStatusResponse;
import io.openkms.http.proto.RemoveClusterNodeRequest;
import io.openkms.http.proto.RemoveHSMRequest;
import io.openkms.http.proto.VersionResponse;
import io.openkms.http.tls.Identities;
import io.openkms.http.wire.Frame;
import io.openkms.http.wire.Frames;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Java client of the MinIO KMS wire protocol (docs/PROTOCOL.md §1–§7), on the JDK's {@link
 * java.net.http.HttpClient}: HTTPS only, HTTP/2 offered through ALPN with HTTP/1.1 as fallback, the
 * client certificate made once from the API key (§2.3), command frames (§4) with the generated
 * protobuf classes (§5), errors per §6, load balancing and retry per §7.
 *
 * <p>Routing: every KMS command goes through the load balancer over {@link #endpoints()} (random
 * start, hosts failed in the last 30 s skipped, retry on transport errors only, at most n − 1
 * retries; HTTP error statuses are never retried). A host that does not complete the TCP connect
 * and TLS handshake within the connect timeout (5 s by default: a paused or hung server whose
 * kernel still accepts connections) is left for the next one. A write whose request was sent and
 * whose answer was lost is retried too (as the Go client does), except a delete of a key's latest
 * version; its errors then say so ({@link KmsRequestException#inDoubt()}: e.g. a retry's 409 {@code
 * key already exists} may be about the key the lost attempt created). {@link #direct(String)} gives
 * a view bound to one host (no retry), for commands that must reach a given node such as {@code
 * CLUSTER:EDIT}. {@link #version}, {@link #live} and {@link #ready} always go to the host they are
 * given.
 *
 * <p>Errors, all unchecked: {@link KmsClientException} (non-200 status; status and exact message),
 * {@link KmsTransportException} (no answer), {@link KmsProtocolException} (unusable answer). Batch
 * calls send one frame per request and expect one frame per request back, in order.
 *
 * <p>Thread-safe. Build with {@link #builder()}. {@link #close()} ends the client's selector thread
 * (a program that exits right after its requests, such as a CLI command, then exits without the
 * JVM's wait for threads in native code).
 */
public final class KmsClient implements AutoCloseable {

  private static final String ACCEPT = "application/*";

  private final HttpTransport transport;
  private final AtomicReference<List<String>> hosts;
  private final X509Certificate certificate;
  private final String identity;

  KmsClient(HttpTransport transport, List<String> hosts, X509Certificate certificate) {
    this.transport = transport;
    this.hosts = new AtomicReference<>(List.copyOf(hosts));
    this.certificate = certificate;
    this.identity = Identities.of(certificate);
  }

  /** The transport, shared with every {@link #direct(String)} view (for tests). */
  HttpTransport transport() {
    return transport;
  }

  /** A new builder. */
  public static KmsClientBuilder builder() {
    return new KmsClientBuilder();
  }

  /** The current endpoints, {@code host:port} each, in list order. */
  public List<String> endpoints() {
    return hosts.get();
  }

  /** The client's identity {@code h1:…}: SHA-256 of its certificate's public key (§2.2). */
  public String identity() {
    return identity;
  }

  /** The client certificate sent to servers. */
  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * A view of this client bound to one host: same TLS settings and connections, no load balancing,
   * no retry. Changes to its endpoint list (add/remove node) stay in the view.
   *
   * @param host an endpoint as the builder takes it, e.g. {@code node2:7373}
   * @throws IllegalArgumentException for a malformed endpoint
   */
  public KmsClient direct(String host) {
    return new KmsClient(transport, List.of(Endpoints.normalize(host)), certificate);
  }

  /**
   * Closes this client and every {@link #direct(String)} view of it (they share the connections):
   * ends the JDK HTTP client's selector thread and closes its pooled connections, waiting at most 1
   * s for that thread. Requests after this fail at once with a {@link KmsTransportException} that
   * is not retryable ({@code <host>: client closed}). Idempotent.
   *
   * <p>A program that exits right after its requests should close its clients first: a JVM exits
   * only after a wait of up to 300 ms when a thread, such as the selector thread in {@code
   * epoll_wait}, runs native code (docs/PERFORMANCE.md, "CLI start time").
   */
  @Override
  public void close() {
    transport.close();
  }

  // ---- generic --------------------------------------------------------------------------

  /**
   * Sends one frame per payload, all with {@code commandId}, to {@code POST /v1/kms} (empty
   * enclave) or {@code POST /v1/kms/<enclave>}, through the load balancer.
   *
   * @param enclave the enclave, or {@code ""} for cluster commands
   * @param commandId a command id of §4.2 (0…65535)
   * @param payloads serialized request messages, at least one
   * @return the response payloads, one per request payload in order; empty when the server answered
   *     200 with an empty body (commands without a response message)
   * @throws KmsProtocolException when the answer's frames carry another command id or their number
   *     differs from the number of payloads, or Content-Length is missing
   */
  public List<byte[]> send(String enclave, int commandId, List<byte[]> payloads) {
    if (payloads.isEmpty()) {
      throw new IllegalArgumentException("at least one payload is required");
    }
    List<Frame> frames = new ArrayList<>(payloads.size());
    for (byte[] p : payloads) {
      frames.add(new Frame(commandId, p));
    }
    HttpTransport.Answer answer = post(enclave, commandId, Frames.encode(frames), true, true);
    if (answer.body().length == 0) {
      return List.of();
    }
    return ResponseFrames.payloads(answer.host(), commandId, answer.body(), payloads.size());
  }

  /**
   * POSTs {@code body} through the load balancer; a write command's failures say whether they are
   * in doubt, and one that is not {@code repeatable} is not sent again after an attempt that lost
   * its answer (see {@link HttpTransport.Call}).
   */
  private HttpTransport.Answer post(
      String enclave, int commandId, byte[] body, boolean needContentLength, boolean repeatable) {
    HttpTransport.Call call =
        new HttpTransport.Call(
            "POST",
            Endpoints.kmsPath(enclave),
            body,
            ACCEPT,
            needContentLength,
            CommandIds.isWrite(commandId),
            repeatable);
    return transport.balanced(hosts.get(), call, host -> transport.exchange(host, call));
  }

  /** Sends messages as frames of one command and ignores the body (any 200 is success). */
  private void command(String enclave, int commandId, Message request) {
    command(enclave, commandId, request, true);
  }

  private void command(String enclave, int commandId, Message request, boolean repeatable) {
    post(
        enclave,
        commandId,
        Frames.encode(List.of(new Frame(commandId, request.toByteArray()))),
        false,
        repeatable);
  }

  /** Sends a batch and parses one response per request. */
  private <T extends Message> List<T> batch(
      String enclave, int commandId, List<? extends Message> requests, Parser<T> parser) {
    if (requests.isEmpty()) {
      throw new IllegalArgumentException("at least one request is required");
    }
    List<Frame> frames = new ArrayList<>(requests.size());
    for (Message m : requests) {
      frames.add(new Frame(commandId, m.toByteArray()));
    }
    HttpTransport.Answer answer = post(enclave, commandId, Frames.encode(frames), true, true);
    List<byte[]> payloads =
        ResponseFrames.payloads(answer.host(), commandId, answer.body(), requests.size());
    List<T> responses = ResponseFrames.parse(answer.host(), commandId, payloads, parser);
    for (T r : responses) {
      if (r instanceof KeyStatusResponse key) {
        ResponseFrames.checkKeyType(answer.host(), key);
      } else if (r instanceof ListKeysResponse list) {
        for (KeyStatusResponse key : list.getKeysList()) {
          ResponseFrames.checkKeyType(answer.host(), key);
        }
      }
    }
    return responses;
  }

  private <T extends Message> T single(
      String enclave, int commandId, Message request, Parser<T> parser) {
    return batch(enclave, commandId, List.of(request), parser).get(0);
  }

  // ---- cluster (SysAdmin, enclave-less: POST /v1/kms) -------------------------------------

  /** {@code CLUSTER:ADDNODE} (1); on success the host is added to {@link #endpoints()}. */
  public void addNode(AddClusterNodeRequest request) {
    command("", CommandIds.CLUSTER_ADDNODE, request);
    String host = Endpoints.normalize(request.getHost());
    hosts.updateAndGet(
        list -> {
          if (list.contains(host)) {
            return list;
          }
          List<String> next = new ArrayList<>(list);
          next.add(host);
          return List.copyOf(next);
        });
  }

  /** {@code CLUSTER:REMOVENODE} (2); on success the host is removed from {@link #endpoints()}. */
  public void removeNode(RemoveClusterNodeRequest request) {
    command("", CommandIds.CLUSTER_REMOVENODE, request);
    String host = Endpoints.normalize(request.getHost());
    hosts.updateAndGet(
        list -> {
          if (!list.contains(host) || list.size() == 1) {
            return list;
          }
          List<String> next = new ArrayList<>(list);
          next.remove(host);
          return List.copyOf(next);
        });
  }

  /** {@code CLUSTER:STATUS} (3): one empty request frame, one response frame. */
  public ClusterStatusResponse clusterStatus() {
    return single(
        "",
        CommandIds.CLUSTER_STATUS,
        ClusterStatusRequest.getDefaultInstance(),
        ClusterStatusResponse.parser());
  }

  /**
   * {@code CLUSTER:EDIT} (4), sent to the node named by {@code request.getHost()} without retry
   * (through the load balancer when that is empty; use {@link #direct} to choose).
   */
  public void editCluster(EditClusterRequest request) {
    KmsClient target = request.getHost().isEmpty() ? this : direct(request.getHost());
    target.command("", CommandIds.CLUSTER_EDIT, request);
  }

  /** {@code CLUSTER:ADDHSM} (5). */
  public void addHsm(AddHSMRequest request) {
    command("", CommandIds.CLUSTER_ADDHSM, request);
  }

  /** {@code CLUSTER:REMOVEHSM} (6). */
  public void removeHsm(RemoveHSMRequest request) {
    command("", CommandIds.CLUSTER_REMOVEHSM, request);
  }

  // ---- enclaves (SysAdmin, POST /v1/kms) --------------------------------------------------

  /** {@code ENCLAVE:CREATE} (101). */
  public void createEnclave(CreateEnclaveRequest request) {
    command("", CommandIds.ENCLAVE_CREATE, request);
  }

  /** {@code ENCLAVE:DELETE} (102). */
  public void deleteEnclave(DeleteEnclaveRequest request) {
    command("", CommandIds.ENCLAVE_DELETE, request);
  }

  /** {@code ENCLAVE:STATUS} (103), batch: one response per request, in order. */
  public List<EnclaveStatusResponse> enclaveStatus(List<EnclaveStatusRequest> requests) {
    return batch("", CommandIds.ENCLAVE_STATUS, requests, EnclaveStatusResponse.parser());
  }

  /** {@code ENCLAVE:STATUS} (103) of one enclave. */
  public EnclaveStatusResponse enclaveStatus(EnclaveStatusRequest request) {
    return single("", CommandIds.ENCLAVE_STATUS, request, EnclaveStatusResponse.parser());
  }

  /** {@code ENCLAVE:LIST} (104): one page. */
  public ListEnclavesResponse listEnclaves(ListRequest request) {
    return single("", CommandIds.ENCLAVE_LIST, request, ListEnclavesResponse.parser());
  }

  // ---- keys (POST /v1/kms/<enclave>) -----------------------------------------------------

  /** {@code KEY:CREATE} (201); {@code AddVersion} rotates an existing key. */
  public void createKey(String enclave, CreateKeyRequest request) {
    command(enclave, CommandIds.KEY_CREATE, request);
  }

  /**
   * {@code KEY:DELETE} (202). A delete of the latest version (version 0 without AllVersions) is not
   * sent to another host after an attempt that sent it and lost the answer: if that attempt deleted
   * the latest version, a second one would delete the version before it. The error then is the lost
   * attempt's {@link KmsTransportException}, {@link KmsRequestException#inDoubt()}. Every other
   * write is retried as the Go client does.
   *
   * @throws IllegalArgumentException for AllVersions with a Version, as the Go client refuses it
   */
  public void deleteKey(String enclave, DeleteKeyRequest request) {
    if (request.getAllVersions() && request.getVersion() > 0) {
      throw new IllegalArgumentException(
          "kms: cannot delete all versions and a specific version at once");
    }
    boolean latest = request.getVersion() == 0 && !request.getAllVersions();
    command(enclave, CommandIds.KEY_DELETE, request, !latest);
  }

  /** {@code KEY:IMPORT} (203). */
  public void importKey(String enclave, ImportKeyRequest request) {
    command(enclave, CommandIds.KEY_IMPORT, request);
  }

  /**
   * {@code KEY:STATUS} (204), batch.
   *
   * @throws KmsProtocolException {@code kms: key type '<t>' is not supported} when a type is not
   *     {@code AES256} or {@code ChaCha20}
   */
  public List<KeyStatusResponse> keyStatus(String enclave, List<KeyStatusRequest> requests) {
    return batch(enclave, CommandIds.KEY_STATUS, requests, KeyStatusResponse.parser());
  }

  /** {@code KEY:STATUS} (204) of one key. */
  public KeyStatusResponse keyStatus(String enclave, KeyStatusRequest request) {
    return single(enclave, CommandIds.KEY_STATUS, request, KeyStatusResponse.parser());
  }

  /** {@code KEY:ENCRYPT} (205), batch. */
  public List<EncryptResponse> encrypt(String enclave, List<EncryptRequest> requests) {
    return batch(enclave, CommandIds.KEY_ENCRYPT, requests, EncryptResponse.parser());
  }

  /** {@code KEY:ENCRYPT} (205) of one plaintext. */
  public EncryptResponse encrypt(String enclave, EncryptRequest request) {
    return single(enclave, CommandIds.KEY_ENCRYPT, request, EncryptResponse.parser());
  }

  /** {@code KEY:DECRYPT} (206), batch. */
  public List<DecryptResponse> decrypt(String enclave, List<DecryptRequest> requests) {
    return batch(enclave, CommandIds.KEY_DECRYPT, requests, DecryptResponse.parser());
  }

  /** {@code KEY:DECRYPT} (206) of one ciphertext. */
  public DecryptResponse decrypt(String enclave, DecryptRequest request) {
    return single(enclave, CommandIds.KEY_DECRYPT, request, DecryptResponse.parser());
  }

  /** {@code KEY:GENERATE} (207), batch. */
  public List<GenerateKeyResponse> generateKey(String enclave, List<GenerateKeyRequest> requests) {
    return batch(enclave, CommandIds.KEY_GENERATE, requests, GenerateKeyResponse.parser());
  }

  /** {@code KEY:GENERATE} (207) of one data key. */
  public GenerateKeyResponse generateKey(String enclave, GenerateKeyRequest request) {
    return single(enclave, CommandIds.KEY_GENERATE, request, GenerateKeyResponse.parser());
  }

  /** {@code KEY:LIST} (208): one page; key types are checked as for {@link #keyStatus}. */
  public ListKeysResponse listKeys(String enclave, ListRequest request) {
    return single(enclave, CommandIds.KEY_LIST, request, ListKeysResponse.parser());
  }

  /** {@code KEY:MAC} (210), batch. */
  public List<MACResponse> mac(String enclave, List<MACRequest> requests) {
    return batch(enclave, CommandIds.KEY_MAC, requests, MACResponse.parser());
  }

  /** {@code KEY:MAC} (210) of one message. */
  public MACResponse mac(String enclave, MACRequest request) {
    return single(enclave, CommandIds.KEY_MAC, request, MACResponse.parser());
  }

  // ---- policies ----------------------------------------------------------------------------

  /** {@code POLICY:CREATE} (301). */
  public void createPolicy(String enclave, CreatePolicyRequest request) {
    command(enclave, CommandIds.POLICY_CREATE, request);
  }

  /** {@code POLICY:DELETE} (302). */
  public void deletePolicy(String enclave, DeletePolicyRequest request) {
    command(enclave, CommandIds.POLICY_DELETE, request);
  }

  /**
   * {@code POLICY:ASSIGN} (303).
   *
   * @throws IllegalArgumentException for an empty identity, as the Go client refuses it
   */
  public void assignPolicy(String enclave, AssignPolicyRequest request) {
    if (request.getIdentity().isEmpty()) {
      throw new IllegalArgumentException("kms: identity is empty");
    }
    command(enclave, CommandIds.POLICY_ASSIGN, request);
  }

  /** {@code POLICY:GET} (304), batch. */
  public List<PolicyResponse> getPolicy(String enclave, List<PolicyRequest> requests) {
    return batch(enclave, CommandIds.POLICY_GET, requests, PolicyResponse.parser());
  }

  /** {@code POLICY:GET} (304) of one policy. */
  public PolicyResponse getPolicy(String enclave, PolicyRequest request) {
    return single(enclave, CommandIds.POLICY_GET, request, PolicyResponse.parser());
  }

  /** {@code POLICY:STATUS} (305), batch. */
  public List<PolicyStatusResponse> policyStatus(String enclave, List<PolicyRequest> requests) {
    return batch(enclave, CommandIds.POLICY_STATUS, requests, PolicyStatusResponse.parser());
  }

  /** {@code POLICY:STATUS} (305) of one policy. */
  public PolicyStatusResponse policyStatus(String enclave, PolicyRequest request) {
    return single(enclave, CommandIds.POLICY_STATUS, request, PolicyStatusResponse.parser());
  }

  /** {@code POLICY:LIST} (306): one page. */
  public ListPoliciesResponse listPolicies(String enclave, ListRequest request) {
    return single(enclave, CommandIds.POLICY_LIST, request, ListPoliciesResponse.parser());
  }

  // ---- identities --------------------------------------------------------------------------

  /** {@code IDENTITY:CREATE} (401). */
  public void createIdentity(String enclave, CreateIdentityRequest request) {
    command(enclave, CommandIds.IDENTITY_CREATE, request);
  }

  /** {@code IDENTITY:DELETE} (402). */
  public void deleteIdentity(String enclave, DeleteIdentityRequest request) {
    command(enclave, CommandIds.IDENTITY_DELETE, request);
  }

  /** {@code IDENTITY:STATUS} (403; Go's GetIdentity), batch. */
  public List<IdentityResponse> identityStatus(String enclave, List<IdentityRequest> requests) {
    return batch(enclave, CommandIds.IDENTITY_STATUS, requests, IdentityResponse.parser());
  }

  /** {@code IDENTITY:STATUS} (403) of one identity. */
  public IdentityResponse identityStatus(String enclave, IdentityRequest request) {
    return single(enclave, CommandIds.IDENTITY_STATUS, request, IdentityResponse.parser());
  }

  /** {@code IDENTITY:LIST} (404): one page. */
  public ListIdentitiesResponse listIdentities(String enclave, ListRequest request) {
    return single(enclave, CommandIds.IDENTITY_LIST, request, ListIdentitiesResponse.parser());
  }

  // ---- unframed endpoints, one host each (§3) ----------------------------------------------

  /**
   * {@code GET /version} of one host: binary protobuf when the Content-Type is exactly {@code
   * application/octet-stream}, otherwise protojson (unknown fields refused), as the Go client reads
   * it. Content-Length is required.
   *
   * @throws KmsProtocolException {@code kms: invalid version response: <reason>} for a body that
   *     does not parse
   */
  public VersionResponse version(String host) {
    String target = Endpoints.normalize(host);
    HttpTransport.Answer answer =
        transport.exchange(target, new HttpTransport.Call("GET", "/version", null, ACCEPT, true));
    try {
      if ("application/octet-stream".equals(answer.contentType())) {
        return VersionResponse.parseFrom(answer.body());
      }
      VersionResponse.Builder builder = VersionResponse.newBuilder();
      JsonFormat.parser().merge(new String(answer.body(), StandardCharsets.UTF_8), builder);
      return builder.build();
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new KmsProtocolException("kms: invalid version response: " + e.getMessage(), target);
    }
  }

  /** {@code GET /v1/health/live} of one host; returns on 200, throws otherwise. */
  public void live(String host) {
    transport.exchange(
        Endpoints.normalize(host),
        new HttpTransport.Call("GET", "/v1/health/live", null, ACCEPT, false));
  }

  /**
   * {@code GET /v1/health/ready} of one host, with the bare query {@code ?write} when {@code
   * write}; returns on 200, throws otherwise.
   */
  public void ready(String host, boolean write) {
    String path = write ? "/v1/health/ready?write" : "/v1/health/ready";
    transport.exchange(
        Endpoints.normalize(host), new HttpTransport.Call("GET", path, null, ACCEPT, false));
  }

  /**
   * {@code GET /v1/health/metrics} of one host: the Prometheus text exposition (docs/REFERENCE.md
   * §8); a client certificate the node accepts is needed unless the node lets scrapers in without
   * one.
   */
  public String metrics(String host) {
    HttpTransport.Answer answer =
        transport.exchange(
            Endpoints.normalize(host),
            new HttpTransport.Call("GET", "/v1/health/metrics", null, ACCEPT, false));
    return new String(answer.body(), StandardCharsets.UTF_8);
  }

  // ---- operations, SysAdmin only (§3: ReadDB, WriteDB, Logs, profiling, Restart) ---------

  /**
   * {@code GET /v1/db} ({@code ReadDB}) through the load balancer: the cluster's state as a sealed
   * backup (at most 64 MiB).
   */
  public byte[] readDb() {
    return transport.balanced(
        hosts.get(), new HttpTransport.Call("GET", "/v1/db", null, ACCEPT, false), this::readDb);
  }

  /** {@code GET /v1/db} of one host. */
  public byte[] readDb(String host) {
    HttpTransport.Answer answer =
        transport.exchange(
            Endpoints.normalize(host),
            new HttpTransport.Call("GET", "/v1/db", null, ACCEPT, false));
    return gunzipIfNeeded(answer.body(), answer.host());
  }

  /** {@code PUT /v1/db} ({@code WriteDB}) to one host: restores {@code backup} there. */
  public void writeDb(String host, byte[] backup) {
    transport.exchange(
        Endpoints.normalize(host),
        new HttpTransport.Call("PUT", "/v1/db", backup, "application/octet-stream", false));
  }

  /**
   * {@code POST /v1/debug/log} ({@code Logs}) of one host: the records {@code request} selects, as
   * they come. Close the stream to end it.
   *
   * @throws KmsProtocolException {@code kms: invalid content-type '<t>'} when the answer is not
   *     exactly {@code application/octet-stream}
   */
  public LogStream logs(String host, LogRequest request) {
    HttpTransport.Streamed s =
        transport.open(
            Endpoints.normalize(host),
            new HttpTransport.Call(
                "POST", "/v1/debug/log", request.toByteArray(), "application/octet-stream", false));
    if (!"application/octet-stream".equals(s.contentType())) {
      try {
        s.body().close();
      } catch (java.io.IOException e) {
        // closing a stream we do not read
      }
      throw new KmsProtocolException(
          "kms: invalid content-type '" + s.contentType() + "'", s.host());
    }
    return new LogStream(s.host(), s.body());
  }

  /**
   * {@code POST /v1/debug/pprof} ({@code StartProfiling}) on one host, with the query the Go client
   * writes.
   *
   * @param thread {@code ""} (none), {@code runtime}, {@code os} or {@code all}
   * @param blockRate sent when &gt; 0
   * @param mutexFraction sent when &gt; 0
   */
  public void startProfiling(
      String host, boolean cpu, boolean heap, String thread, int blockRate, int mutexFraction) {
    StringBuilder q =
        new StringBuilder("/v1/debug/pprof?cpu=").append(cpu).append("&heap=").append(heap);
    if (!thread.isEmpty()) {
      q.append("&thread=").append(thread);
    }
    if (blockRate > 0) {
      q.append("&block=").append(blockRate);
    }
    if (mutexFraction > 0) {
      q.append("&mutex=").append(mutexFraction);
    }
    transport.exchange(
        Endpoints.normalize(host),
        new HttpTransport.Call("POST", q.toString(), null, "application/octet-stream", false));
  }

  /** {@code GET /v1/debug/pprof} ({@code ProfilingStatus}) of one host; empty when none runs. */
  public ProfileStatusResponse profilingStatus(String host) {
    HttpTransport.Answer answer =
        transport.exchange(
            Endpoints.normalize(host),
            new HttpTransport.Call(
                "GET", "/v1/debug/pprof", null, "application/octet-stream", true));
    try {
      if ("application/octet-stream".equals(answer.contentType())) {
        return ProfileStatusResponse.parseFrom(answer.body());
      }
      ProfileStatusResponse.Builder b = ProfileStatusResponse.newBuilder();
      JsonFormat.parser().merge(new String(answer.body(), StandardCharsets.UTF_8), b);
      return b.build();
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new KmsProtocolException(
          "kms: invalid profile status: " + e.getMessage(), answer.host());
    }
  }

  /** {@code DELETE /v1/debug/pprof} ({@code StopProfiling}) of one host: the TAR archive. */
  public byte[] stopProfiling(String host) {
    HttpTransport.Answer answer =
        transport.exchange(
            Endpoints.normalize(host),
            new HttpTransport.Call("DELETE", "/v1/debug/pprof", null, ACCEPT, false));
    return gunzipIfNeeded(answer.body(), answer.host());
  }

  /**
   * {@code POST /v1/debug/restart} ({@code Restart} without hosts) through the load balancer: the
   * receiving node restarts the whole cluster.
   */
  public void restart() {
    HttpTransport.Call call =
        new HttpTransport.Call("POST", "/v1/debug/restart", null, ACCEPT, false);
    transport.balanced(hosts.get(), call, host -> transport.exchange(host, call));
  }

  /** {@code POST /v1/debug/restart?self} ({@code Restart} with one host): restarts that node. */
  public void restart(String host) {
    transport.exchange(
        Endpoints.normalize(host),
        new HttpTransport.Call("POST", "/v1/debug/restart?self", null, ACCEPT, false));
  }

  /** {@code body}, gunzipped when it starts with the gzip magic (the Go client's Accept: gzip). */
  private static byte[] gunzipIfNeeded(byte[] body, String host) {
    if (body.length < 2 || (body[0] & 0xff) != 0x1f || (body[1] & 0xff) != 0x8b) {
      return body;
    }
    try (java.io.InputStream in =
        new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
      return in.readNBytes(HttpTransport.MAX_RESPONSE_BYTES);
    } catch (java.io.IOException e) {
      throw new KmsProtocolException("kms: invalid gzip body: " + e.getMessage(), host);
    }
  }
}
