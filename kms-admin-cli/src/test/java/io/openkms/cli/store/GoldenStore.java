package io.openkms.cli.store;

import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import io.openkms.cli.config.ServerConfig;
import io.openkms.cli.server.HostPort;
import io.openkms.cli.server.NodeMain;
import io.openkms.cli.server.ServerOptions;
import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.AssignPolicyRequest;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateIdentityRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.CreatePolicyRequest;
import io.openkms.http.proto.DeleteKeyRequest;
import io.openkms.http.proto.ImportKeyRequest;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.proto.Rule;
import io.openkms.http.proto.RuleSet;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.persistence.JournalShredder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The golden store {@code src/test/resources/golden-store-v1}: a node's {@code kms.db} and H2
 * journal written by an old version of minkms, which every later version must open ({@link
 * GoldenStoreTest}). Its known inputs live here; what the old version answered lives beside the
 * store in {@value #EXPECTED}.
 */
final class GoldenStore {

  /** Classpath directory of the store. */
  static final String RESOURCE = "/golden-store-v1";

  /** File (in {@link #RESOURCE}) with the known ciphertexts and the listings. */
  static final String EXPECTED = "expected.properties";

  /** The node's HSM key. */
  static final String HSM_KEY = "hsm:aes256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

  /** The node's name in its cluster (its {@code --host}). */
  static final String HOST = "127.0.0.1:7373";

  /** Key bytes of the imported key {@code golden/imported}. */
  static final byte[] IMPORTED_KEY =
      "minkms golden store v1 imported!".getBytes(StandardCharsets.US_ASCII);

  /** Plaintext of the known ciphertexts. */
  static final byte[] PLAINTEXT =
      "a secret the golden store keeps".getBytes(StandardCharsets.UTF_8);

  /** The API key of the enclave identity {@code golden/app} (a fixed seed). */
  static final ApiKey APP_KEY =
      ApiKey.fromSeed(
          new byte[] {
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
            17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32
          });

  private GoldenStore() {}

  /**
   * Makes nodes started afterwards shred at once: {@link JournalShredder} runs every second and
   * deletes covered rows without settling time. Undo with {@link #shredAtDefaults()}.
   */
  static void shredFast() {
    System.setProperty(JournalShredder.INTERVAL_KEY, "1s");
    System.setProperty(JournalShredder.SETTLE_KEY, "0s");
    ConfigFactory.invalidateCaches();
  }

  /** Back to the configured shredding interval and settling time. */
  static void shredAtDefaults() {
    System.clearProperty(JournalShredder.INTERVAL_KEY);
    System.clearProperty(JournalShredder.SETTLE_KEY);
    ConfigFactory.invalidateCaches();
  }

  /** Options of a node on {@code dir} named {@link #HOST}, listening on 127.0.0.1:{@code port}. */
  static ServerOptions options(Path dir, int port) {
    HostPort address = new HostPort("127.0.0.1", port);
    return new ServerOptions(
        dir,
        address,
        HostPort.parse(HOST, ServerOptions.DEFAULT_PORT),
        Optional.empty(),
        false,
        Optional.of(HSM_KEY));
  }

  /** Starts a node on {@code dir} (non-dev, H2 in {@code dir}) on 127.0.0.1:{@code port}. */
  static NodeMain.RunningNode start(Path dir, int port) throws Exception {
    return new NodeMain().start(options(dir, port), ServerConfig.defaults());
  }

  /** A client of the node on 127.0.0.1:{@code port} with {@code key}. */
  static KmsClient client(int port, ApiKey key) {
    return KmsClient.builder()
        .endpoints("127.0.0.1:" + port)
        .apiKey(key.keyPair())
        .insecure(true)
        .connectTimeout(Duration.ofSeconds(10))
        .requestTimeout(Duration.ofSeconds(30))
        .build();
  }

  /** The state the golden store lists, as sorted {@code name → value} lines. */
  static TreeMap<String, String> listing(KmsClient kms) {
    TreeMap<String, String> out = new TreeMap<>();
    ListRequest all = ListRequest.getDefaultInstance();
    out.put(
        "enclaves",
        kms.listEnclaves(all).getEnclavesList().stream()
            .map(e -> e.getName())
            .sorted()
            .collect(Collectors.joining(",")));
    for (String enclave : List.of("golden", "second")) {
      out.put(
          "keys." + enclave,
          kms.listKeys(enclave, all).getKeysList().stream()
              .map(k -> k.getName() + "@" + k.getVersion() + ":" + k.getType())
              .sorted()
              .collect(Collectors.joining(",")));
      out.put(
          "policies." + enclave,
          kms.listPolicies(enclave, all).getPoliciesList().stream()
              .map(p -> p.getName())
              .sorted()
              .collect(Collectors.joining(",")));
      out.put(
          "identities." + enclave,
          kms.listIdentities(enclave, all).getIdentitiesList().stream()
              .map(i -> i.getIdentity() + ":" + i.getPrivilege() + ":" + i.getPolicy())
              .sorted()
              .collect(Collectors.joining(",")));
    }
    return out;
  }

  /** The changes the old version journaled before its snapshot. */
  static void writeBeforeSnapshot(KmsClient kms) {
    kms.createEnclave(CreateEnclaveRequest.newBuilder().setName("golden").build());
    kms.createEnclave(CreateEnclaveRequest.newBuilder().setName("second").build());
    kms.importKey(
        "golden",
        ImportKeyRequest.newBuilder()
            .setName("imported")
            .setType("AES256")
            .setKey(ByteString.copyFrom(IMPORTED_KEY))
            .build());
    kms.createKey(
        "golden", CreateKeyRequest.newBuilder().setName("generated").setType("AES256").build());
    kms.createKey(
        "golden", CreateKeyRequest.newBuilder().setName("destroyed").setType("AES256").build());
    kms.deleteKey(
        "golden", DeleteKeyRequest.newBuilder().setName("destroyed").setAllVersions(true).build());
    kms.createPolicy(
        "golden",
        CreatePolicyRequest.newBuilder()
            .setName("encrypt-only")
            .putAllow(
                "KEY:ENCRYPT",
                RuleSet.newBuilder().putRules("*", Rule.getDefaultInstance()).build())
            .putAllow(
                "KEY:DECRYPT",
                RuleSet.newBuilder().putRules("gen*", Rule.getDefaultInstance()).build())
            .build());
    kms.createIdentity(
        "golden",
        CreateIdentityRequest.newBuilder()
            .setIdentity(APP_KEY.identity().toString())
            .setPrivilege("User")
            .build());
    kms.assignPolicy(
        "golden",
        AssignPolicyRequest.newBuilder()
            .setIdentity(APP_KEY.identity().toString())
            .setPolicy("encrypt-only")
            .build());
  }

  /** The changes the old version journaled after its snapshot. */
  static void writeAfterSnapshot(KmsClient kms) {
    kms.createKey(
        "second",
        CreateKeyRequest.newBuilder().setName("after-snapshot").setType("ChaCha20").build());
  }
}
