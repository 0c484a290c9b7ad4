package io.openkms.cli.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.openkms.cli.BuildInfo;
import io.openkms.http.client.KmsClient;
import io.openkms.http.tls.ClientCertificate;
import io.openkms.http.tls.ClientTls;
import io.openkms.http.tls.Identities;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.persistence.Hsm;
import io.openkms.persistence.HsmKey;
import io.openkms.persistence.SoftHsm;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/** Helpers shared by the process tests: starting nodes, the expected banner, clients. */
final class Nodes {

  /** The environment variable of the software HSM key (docs/REFERENCE.md §3.1). */
  static final String HSM_KEY_ENV = "MINIO_KMS_HSM_KEY";

  private static final Pattern CLUSTER_ID =
      Pattern.compile(
          "(?m)^Cluster        ID      ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$");
  private static final Pattern API_KEY =
      Pattern.compile("(?m)^API Key        (k1:[A-Za-z0-9_-]{43})$");

  private Nodes() {}

  /**
   * Starts {@code minkms server DIR --address ADDR [extra...]} with {@code MINIO_KMS_HSM_KEY} (none
   * when {@code hsmKey} is null).
   */
  static MinkmsProcess start(Path dir, NodeAddress address, String hsmKey, String... extra)
      throws IOException {
    List<String> args =
        new ArrayList<>(List.of("server", dir.toString(), "--address", address.toString()));
    args.addAll(List.of(extra));
    return MinkmsProcess.start(env(hsmKey), args.toArray(String[]::new));
  }

  /** Runs a {@code minkms server ...} that is expected to fail at start. */
  static MinkmsProcess.Result runFailing(
      Path dir, NodeAddress address, String hsmKey, String... extra) throws IOException {
    List<String> args =
        new ArrayList<>(List.of("server", dir.toString(), "--address", address.toString()));
    args.addAll(List.of(extra));
    return MinkmsProcess.run(MinkmsProcess.SHORT_TIMEOUT, env(hsmKey), args.toArray(String[]::new));
  }

  static Map<String, String> env(String hsmKey) {
    Map<String, String> env = new HashMap<>();
    if (hsmKey != null) {
      env.put(HSM_KEY_ENV, hsmKey);
    }
    return env;
  }

  /**
   * The root API key a node derives from its HSM key (contracts: HKDF label {@code
   * minkms/v1/root-api-key}); what {@code minkms identity HSM-KEY} prints.
   */
  static ApiKey rootApiKey(String hsmKey) {
    return ApiKey.fromSeed(new SoftHsm(HsmKey.parse(hsmKey)).deriveSeed(Hsm.ROOT_API_KEY_LABEL));
  }

  /** The release of the distribution under test (its jar's {@code build.properties}). */
  static String distributionRelease() throws IOException {
    Path lib = MinkmsProcess.LAUNCHER.getParent().getParent().resolve("lib");
    try (DirectoryStream<Path> jars = Files.newDirectoryStream(lib, "kms-admin-cli-*.jar")) {
      for (Path jar : jars) {
        try (ZipFile zip = new ZipFile(jar.toFile());
            InputStream in = zip.getInputStream(zip.getEntry("io/openkms/cli/build.properties"))) {
          Properties p = new Properties();
          p.load(in);
          return BuildInfo.of(p).release();
        }
      }
    }
    throw new IOException("no kms-admin-cli jar in " + lib);
  }

  /**
   * The exact banner of docs/REFERENCE.md §14 step 3 as printed on stdout (the block, then the
   * empty line of {@code println}), for a single-node cluster.
   *
   * @param tlsNote the extra {@code TLS} line's text, if any
   */
  static String banner(
      String release, String clusterId, NodeAddress host, String apiKey, Optional<String> tlsNote) {
    return "Version        "
        + release
        + "\n"
        + "HSM            hsm:minio:soft\n"
        + "Cluster        ID      "
        + clusterId
        + "\n"
        + "               Node 0: "
        + host
        + " <-\n"
        + "\n"
        + "Endpoint       https://"
        + host
        + "\n"
        + "API Key        "
        + apiKey
        + "\n"
        + tlsNote.map(n -> "TLS            " + n + "\n").orElse("")
        + "\n"
        + "=> Server is up and running...\n"
        + "\n";
  }

  /** The banner's TLS line for a self-signed certificate in {@code DIR/certs}. */
  static String selfSignedNote(Path dir) {
    return "self-signed certificate "
        + dir.toAbsolutePath().resolve("certs/public.crt")
        + ": clients need -k/--insecure";
  }

  /** The cluster ID of a banner; fails when there is none. */
  static String clusterId(String stdout) {
    return group(CLUSTER_ID, stdout, "cluster ID");
  }

  /** The API key of a banner; fails when there is none. */
  static String apiKey(String stdout) {
    return group(API_KEY, stdout, "API key");
  }

  private static String group(Pattern pattern, String text, String what) {
    Matcher m = pattern.matcher(text);
    if (!m.find()) {
      throw new AssertionError("no " + what + " in:\n" + text);
    }
    return m.group(1);
  }

  /** A KMS client of one node with the given API key that accepts any server certificate. */
  static KmsClient insecureClient(NodeAddress node, ApiKey apiKey) {
    return KmsClient.builder()
        .endpoints(node.toString())
        .apiKey(apiKey.keyPair())
        .insecure(true)
        .connectTimeout(Duration.ofSeconds(10))
        .requestTimeout(Duration.ofSeconds(30))
        .build();
  }

  /**
   * A JDK HTTP client with a client certificate made from {@code apiKey} (as the Go client does),
   * trusting {@code trust} only (null: any server certificate), offering one TLS version and one
   * HTTP version.
   */
  static HttpClient httpClient(
      ApiKey apiKey, KeyStore trust, String tlsProtocol, HttpClient.Version version) {
    X509Certificate cert =
        ClientCertificate.of(apiKey.keyPair(), Identities.of(apiKey.publicKey()));
    SSLContext context = ClientTls.sslContext(apiKey.keyPair(), cert, trust, trust == null);
    SSLParameters parameters = context.getDefaultSSLParameters();
    parameters.setProtocols(new String[] {tlsProtocol});
    return HttpClient.newBuilder()
        .sslContext(context)
        .sslParameters(parameters)
        .version(version)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  /** {@code GET https://NODE/version}. */
  static HttpResponse<String> getVersion(HttpClient client, NodeAddress node)
      throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(URI.create("https://" + node + "/version"))
            .timeout(Duration.ofSeconds(30))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Checks a start that must fail: exit code, exactly one line on stderr (the given one; so no
   * stack trace, no log line), nothing on stdout.
   */
  static void assertStartError(MinkmsProcess.Result result, int exitCode, String line) {
    String all =
        "exit "
            + result.exitCode()
            + "\n--- stdout ---\n"
            + result.stdout()
            + "--- stderr ---\n"
            + result.stderr();
    assertEquals(List.of(line), result.stderrLines(), all);
    assertEquals(line + "\n", result.stderr(), all);
    assertFalse(result.stderr().contains("Exception"), all);
    assertEquals("", result.stdout(), all);
    assertEquals(exitCode, result.exitCode(), all);
  }
}
