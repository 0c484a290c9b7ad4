package io.openkms.bench.load;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.client.KmsRequestException;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.DeleteEnclaveRequest;
import io.openkms.http.proto.DeleteKeyRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.proto.GenerateKeyResponse;
import io.openkms.http.server.KmsApi;
import io.openkms.http.wire.Frames;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server side of a {@code minkms bench} run: the enclave and key it works in, the request
 * bodies of each {@link BenchOperation}, and the clean-up.
 *
 * <p>Without an enclave it creates its own, {@code bench-<8 hex>} (needs a SysAdmin API key), and
 * deletes it at the end with everything in it. With {@code -e ENCLAVE} (an enclave admin key is
 * enough) it creates and deletes only its keys there: {@code bench-<8 hex>} for the reads and
 * {@code bench-<8 hex>-<n>} for each {@code create}.
 *
 * <p>Payloads (docs/PROTOCOL.md §5.1): GenerateKey asks for a {@value #DATA_KEY_BYTES}-byte data
 * key with {@value #ASSOCIATED_DATA_BYTES} bytes of associated data (what MinIO sends); Decrypt
 * sends ciphertexts of such data keys, made by GenerateKey at setup (a pool of max(batch, {@value
 * #DATA_KEY_POOL})); Encrypt sends {@value #PLAINTEXT_BYTES} bytes of random plaintext with the
 * same associated data; Create makes an AES256 key.
 */
public final class BenchWorkload {

  /** Data key length asked of GenerateKey, bytes. */
  public static final int DATA_KEY_BYTES = 32;

  /** Associated data of GenerateKey, Decrypt and Encrypt, bytes. */
  public static final int ASSOCIATED_DATA_BYTES = 64;

  /** Plaintext of Encrypt, bytes (1 KiB). */
  public static final int PLAINTEXT_BYTES = 1024;

  /** Fewest distinct ciphertexts that Decrypt cycles through. */
  public static final int DATA_KEY_POOL = 64;

  /** Most time spent deleting the keys made by {@code create}. */
  public static final Duration CLEANUP_TIMEOUT = Duration.ofMinutes(2);

  /** Parallel deletions at clean-up. */
  static final int CLEANUP_THREADS = 8;

  private static final int KEY_CREATE = 201;
  private static final int KEY_ENCRYPT = 205;
  private static final int KEY_DECRYPT = 206;
  private static final int KEY_GENERATE = 207;

  private final KmsClient client;
  private final FrameSender sender;
  private final String enclave;
  private final boolean ownEnclave;
  private final String keyName;
  private final int batch;
  private final List<byte[]> generateBody;
  private final List<byte[]> encryptBody;
  private final List<byte[]> decryptRing;
  private final AtomicLong created = new AtomicLong();
  private final Queue<String> createdKeys = new ConcurrentLinkedQueue<>();

  private BenchWorkload(
      KmsClient client,
      FrameSender sender,
      String enclave,
      boolean ownEnclave,
      String keyName,
      int batch,
      List<byte[]> generateBody,
      List<byte[]> encryptBody,
      List<byte[]> decryptRing) {
    this.client = client;
    this.sender = sender;
    this.enclave = enclave;
    this.ownEnclave = ownEnclave;
    this.keyName = keyName;
    this.batch = batch;
    this.generateBody = generateBody;
    this.encryptBody = encryptBody;
    this.decryptRing = decryptRing;
  }

  /**
   * Checks that every batched request of {@code plan} fits the server's body limit ({@link
   * KmsApi#MAX_BODY_BYTES}, 1 MiB).
   *
   * @throws IllegalArgumentException {@code invalid --batch N: N encrypt frames of 1 KiB exceed the
   *     server's request limit of 1048576 bytes; use at most M}
   */
  public static void checkBodySize(BenchPlan plan) {
    if (!plan.operations().contains(BenchOperation.ENCRYPT)) {
      return;
    }
    int frame =
        Frames.HEADER_BYTES
            + encryptPayload(
                    "bench-00000000", new byte[PLAINTEXT_BYTES], new byte[ASSOCIATED_DATA_BYTES])
                .length;
    int most = KmsApi.MAX_BODY_BYTES / frame;
    if (plan.batch() > most) {
      throw new IllegalArgumentException(
          "invalid --batch "
              + plan.batch()
              + ": "
              + plan.batch()
              + " encrypt frames of 1 KiB exceed the server's request limit of "
              + KmsApi.MAX_BODY_BYTES
              + " bytes; use at most "
              + most);
    }
  }

  /**
   * Creates the enclave (unless given) and the key, and prepares the request bodies; for Decrypt,
   * generates the data-key pool on the server.
   *
   * @param client sends the setup and clean-up requests
   * @param sender sends the measured requests ({@code client} itself, or a connection per worker)
   * @param enclave the enclave of {@code -e}, or empty to create {@code bench-<8 hex>}
   * @throws BenchSetupException {@code cannot create enclave 'E': <server message> (a SysAdmin API
   *     key is needed, or -e ENCLAVE)}, {@code cannot create key 'K': <message>} or {@code cannot
   *     generate data keys for decrypt: <message>}; what was created is removed
   */
  public static BenchWorkload open(
      KmsClient client,
      FrameSender sender,
      Optional<String> enclave,
      BenchPlan plan,
      SecureRandom random)
      throws BenchSetupException {
    byte[] id = new byte[4];
    random.nextBytes(id);
    String runId = "bench-" + HexFormat.of().formatHex(id);
    String enclaveName = enclave.orElse(runId);
    boolean own = enclave.isEmpty();
    if (own) {
      try {
        client.createEnclave(CreateEnclaveRequest.newBuilder().setName(enclaveName).build());
      } catch (KmsRequestException e) {
        throw new BenchSetupException(
            "cannot create enclave '"
                + enclaveName
                + "': "
                + e.getMessage()
                + " (a SysAdmin API key is needed, or -e ENCLAVE)");
      }
    }
    byte[] ad = new byte[ASSOCIATED_DATA_BYTES];
    random.nextBytes(ad);
    byte[] plaintext = new byte[PLAINTEXT_BYTES];
    random.nextBytes(plaintext);
    BenchWorkload w =
        new BenchWorkload(
            client,
            sender,
            enclaveName,
            own,
            runId,
            plan.batch(),
            Collections.nCopies(plan.batch(), generatePayload(runId, ad)),
            Collections.nCopies(plan.batch(), encryptPayload(runId, plaintext, ad)),
            List.of());
    try {
      client.createKey(
          enclaveName, CreateKeyRequest.newBuilder().setName(runId).setType("AES256").build());
    } catch (KmsRequestException e) {
      w.cleanUp();
      throw new BenchSetupException(
          "cannot create key '" + runId + "' in enclave '" + enclaveName + "': " + e.getMessage());
    }
    if (!plan.operations().contains(BenchOperation.DECRYPT)) {
      return w;
    }
    try {
      return w.withDecryptRing(w.dataKeyRing(Math.max(plan.batch(), DATA_KEY_POOL), ad));
    } catch (KmsRequestException | InvalidProtocolBufferException e) {
      w.cleanUp();
      throw new BenchSetupException("cannot generate data keys for decrypt: " + e.getMessage());
    }
  }

  private BenchWorkload withDecryptRing(List<byte[]> ring) {
    return new BenchWorkload(
        client, sender, enclave, ownEnclave, keyName, batch, generateBody, encryptBody, ring);
  }

  /**
   * {@code pool} Decrypt payloads of data keys generated now, twice in a row, so that any {@code
   * batch} consecutive ones form a request without copying.
   */
  private List<byte[]> dataKeyRing(int pool, byte[] ad) throws InvalidProtocolBufferException {
    List<byte[]> decrypts = new ArrayList<>(pool * 2);
    byte[] generate = generatePayload(keyName, ad);
    while (decrypts.size() < pool) {
      int n = Math.min(Frames.DEFAULT_MAX_FRAMES, pool - decrypts.size());
      for (byte[] p : client.send(enclave, KEY_GENERATE, Collections.nCopies(n, generate))) {
        GenerateKeyResponse r = GenerateKeyResponse.parseFrom(p);
        decrypts.add(
            DecryptRequest.newBuilder()
                .setName(keyName)
                .setVersion(r.getVersion())
                .setCiphertext(r.getCiphertext())
                .setAssociatedData(ByteString.copyFrom(ad))
                .build()
                .toByteArray());
      }
    }
    decrypts.addAll(List.copyOf(decrypts));
    return List.copyOf(decrypts);
  }

  /** The enclave the run works in. */
  public String enclave() {
    return enclave;
  }

  /** True when the run created the enclave (and deletes it at the end). */
  public boolean ownEnclave() {
    return ownEnclave;
  }

  /** The key the read operations use. */
  public String keyName() {
    return keyName;
  }

  /** The request of {@code op}: what one worker sends, over and over. */
  public LoadRunner.Request request(BenchOperation op) {
    return switch (op) {
      case GENERATE -> (worker, seq) -> sender.send(worker, enclave, KEY_GENERATE, generateBody);
      case ENCRYPT -> (worker, seq) -> sender.send(worker, enclave, KEY_ENCRYPT, encryptBody);
      case DECRYPT -> {
        int pool = decryptRing.size() / 2;
        if (pool == 0) {
          throw new IllegalStateException("decrypt was not part of the plan at setup");
        }
        yield (worker, seq) -> {
          int start = (int) ((worker * 7919L + seq * batch) % pool);
          sender.send(worker, enclave, KEY_DECRYPT, decryptRing.subList(start, start + batch));
        };
      }
      case CREATE ->
          (worker, seq) -> {
            String name = keyName + "-" + created.incrementAndGet();
            createdKeys.add(name); // before sending: a failed write may still have committed
            sender.send(
                worker,
                enclave,
                KEY_CREATE,
                List.of(
                    CreateKeyRequest.newBuilder()
                        .setName(name)
                        .setType("AES256")
                        .build()
                        .toByteArray()));
          };
    };
  }

  /** Number of keys that {@code create} has tried to make so far. */
  public long createdKeys() {
    return created.get();
  }

  /**
   * Removes what the run made: its enclave (if it created it), else its keys, deleting them {@value
   * #CLEANUP_THREADS} at a time for at most {@link #CLEANUP_TIMEOUT}. A key that is already gone
   * (404) is not a failure.
   *
   * @return one line per failure, e.g. {@code cannot delete enclave 'bench-…': <message>}; empty
   *     when everything was removed
   */
  public List<String> cleanUp() {
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    if (ownEnclave) {
      try {
        client.deleteEnclave(DeleteEnclaveRequest.newBuilder().setName(enclave).build());
      } catch (KmsRequestException e) {
        failures.add("cannot delete enclave '" + enclave + "': " + e.getMessage());
      }
      return List.copyOf(failures);
    }
    createdKeys.add(keyName);
    ExecutorService pool =
        Executors.newFixedThreadPool(
            CLEANUP_THREADS,
            r -> {
              Thread t = new Thread(r, "bench-cleanup");
              t.setDaemon(true);
              return t;
            });
    String name;
    while ((name = createdKeys.poll()) != null) {
      String key = name;
      pool.execute(
          () -> {
            try {
              client.deleteKey(
                  enclave, DeleteKeyRequest.newBuilder().setName(key).setAllVersions(true).build());
            } catch (KmsClientException e) {
              if (e.status() != 404) {
                failures.add("cannot delete key '" + key + "': " + e.getMessage());
              }
            } catch (KmsRequestException e) {
              failures.add("cannot delete key '" + key + "': " + e.getMessage());
            }
          });
    }
    pool.shutdown();
    try {
      if (!pool.awaitTermination(CLEANUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        pool.shutdownNow();
        failures.add(
            "cannot delete every key of the run within "
                + CLEANUP_TIMEOUT.toSeconds()
                + " s: keys named '"
                + keyName
                + "-*' remain in '"
                + enclave
                + "'");
      }
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
    return List.copyOf(failures);
  }

  static byte[] generatePayload(String key, byte[] ad) {
    return GenerateKeyRequest.newBuilder()
        .setName(key)
        .setAssociatedData(ByteString.copyFrom(ad))
        .setLength(DATA_KEY_BYTES)
        .build()
        .toByteArray();
  }

  static byte[] encryptPayload(String key, byte[] plaintext, byte[] ad) {
    return EncryptRequest.newBuilder()
        .setName(key)
        .setPlaintext(ByteString.copyFrom(plaintext))
        .setAssociatedData(ByteString.copyFrom(ad))
        .build()
        .toByteArray();
  }
}
