package io.openkms.cli.commands;

import io.openkms.bench.load.BenchPlan;
import io.openkms.bench.load.BenchReport;
import io.openkms.bench.load.BenchSetupException;
import io.openkms.bench.load.BenchSweep;
import io.openkms.bench.load.BenchTransport;
import io.openkms.bench.load.BenchWorkload;
import io.openkms.bench.load.FrameSender;
import io.openkms.bench.load.LoadRunner;
import io.openkms.bench.load.StepResult;
import io.openkms.bench.load.WorkerConnections;
import io.openkms.cli.CliContext;
import io.openkms.cli.CliException;
import io.openkms.cli.Minkms;
import io.openkms.cli.client.ClientOptions;
import io.openkms.cli.client.ClientSettings;
import io.openkms.cli.client.ClientTrustStore;
import io.openkms.http.client.KmsClient;
import io.openkms.http.tls.ClientTls;
import io.openkms.kms.crypto.ApiKey;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code minkms bench}: a load test of the servers of {@code MINIO_KMS_SERVER} (like Cosmian's
 * {@code ckms bench}). For each operation of {@code --ops} and each concurrency of {@code
 * --concurrency}, it runs {@code --warmup} unmeasured and {@code --duration} measured, after a
 * warm-up of its own JVM that is not reported ({@link BenchSweep}), with that many requests in
 * flight over keep-alive connections ({@code --transport}: a blocking HTTP/1.1 connection per
 * worker by default, {@link BenchTransport}), and prints requests and operations per second,
 * latency percentiles (ms) and errors, as a table or, with {@code --json}, one JSON document
 * ({@link BenchReport}).
 *
 * <p>It works in an enclave of its own, {@code bench-<8 hex>}, created and deleted by the run (a
 * SysAdmin API key), or with {@code -e ENCLAVE} (an enclave admin key) in that enclave, where it
 * creates and deletes only its keys ({@link BenchWorkload}).
 *
 * <p>Errors (one line on stderr): exit 2 for the options ({@link BenchPlan#parse}), a missing API
 * key ({@code no API key: use --api-key or set MINIO_KMS_API_KEY}) or a malformed one ({@code
 * invalid API key: <reason>}); exit 1 when the setup fails ({@link BenchWorkload#open}) or when
 * every request of a step failed ({@code every request of <op> at concurrency <n> failed: <first
 * error>}). Clean-up failures are printed as {@code minkms: warning: ...}. The load generator lives
 * in benchmarks/load-generator ({@code io.openkms.bench.load}); this class reads the options and
 * the client settings and prints.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measure the throughput and latency of the KMS servers.",
      "First warms its own JVM up: each operation for the --warmup time at the highest",
      "concurrency, unmeasured and not reported. Then runs each operation at each",
      "concurrency: a warm-up, then a measured period. Works in a new enclave",
      "bench-<random> (SysAdmin API key) or, with -e, creates only its own keys there.",
      "Everything it creates is deleted at the end."
    })
public final class BenchCommand implements Callable<Integer> {

  /** Time limit of one request. */
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  @ParentCommand private Minkms minkms;

  @Spec private CommandSpec spec;

  @Mixin private ClientOptions client;

  @Option(
      names = "--ops",
      paramLabel = "OPS",
      defaultValue = "generate,decrypt,encrypt,create",
      description =
          "Operations, comma-separated: generate, decrypt, encrypt, create "
              + "(default: ${DEFAULT-VALUE}).")
  private String ops;

  @Option(
      names = "--concurrency",
      paramLabel = "N,...",
      defaultValue = "1,4,16,64",
      description = "Requests in flight, one step per value (default: ${DEFAULT-VALUE}).")
  private String concurrency;

  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Frames per generate/decrypt/encrypt request, 1-1000 (default: "
              + "${DEFAULT-VALUE}); OPS/S = REQ/S x N.")
  private int batch;

  @Option(
      names = "--warmup",
      paramLabel = "DURATION",
      defaultValue = "2s",
      description =
          "Unmeasured time per step, and per operation of the client warm-up "
              + "before the first step (default: ${DEFAULT-VALUE}; 0: no warm-up).")
  private String warmup;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      defaultValue = "5s",
      description = "Measured time per step (default: ${DEFAULT-VALUE}).")
  private String duration;

  @Option(
      names = "--transport",
      paramLabel = "T",
      defaultValue = "socket",
      description =
          "How the load is sent: socket (a blocking HTTP/1.1 keep-alive connection "
              + "per worker, the cheapest client), http2 (the JDK HttpClient, every request on one "
              + "HTTP/2 connection, as the Go client does) or http1 (the JDK HttpClient on "
              + "HTTP/1.1) (default: ${DEFAULT-VALUE}).")
  private String transport;

  @Option(
      names = "--http1",
      hidden = true,
      description = "Same as --transport http1 (kept for older scripts).")
  private boolean http1;

  @Override
  public Integer call() throws CliException, InterruptedException {
    CliContext context = minkms.context();
    ClientSettings settings = client.resolve(context);
    BenchPlan plan =
        BenchOptions.plan(
            ops,
            concurrency,
            batch,
            warmup,
            duration,
            http1 ? BenchTransport.HTTP1.text() : transport);
    ApiKey apiKey;
    try {
      apiKey = ApiKey.parse(settings.requireApiKey().strip());
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
    List<String> servers = settings.servers().stream().map(URI::toString).toList();
    KeyStore trust = settings.insecure() ? null : ClientTrustStore.load(context.home());
    KmsClient kms =
        KmsClient.builder()
            .endpoints(servers)
            .apiKey(apiKey.keyPair())
            .insecure(settings.insecure())
            .trustAnchors(trust)
            .httpVersion(
                plan.transport() == BenchTransport.HTTP1
                    ? HttpClient.Version.HTTP_1_1
                    : HttpClient.Version.HTTP_2)
            .requestTimeout(REQUEST_TIMEOUT)
            .build();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    WorkerConnections connections =
        plan.transport() != BenchTransport.SOCKET
            ? null
            : WorkerConnections.tls(
                ClientTls.sslContext(
                    apiKey.keyPair(), kms.certificate(), trust, settings.insecure()),
                !settings.insecure(),
                kms.endpoints(),
                plan.maxConcurrency(),
                REQUEST_TIMEOUT);
    FrameSender sender =
        connections != null
            ? connections
            : (worker, enclave, commandId, payloads) -> kms.send(enclave, commandId, payloads);
    BenchWorkload workload;
    try {
      workload = BenchWorkload.open(kms, sender, settings.enclave(), plan, new SecureRandom());
    } catch (BenchSetupException e) {
      if (connections != null) {
        connections.close();
      }
      throw CliException.failure(e.getMessage());
    }
    List<StepResult> results = List.of();
    try {
      if (!settings.json()) {
        out.println(BenchReport.heading(servers.size(), plan, workload.enclave()));
        out.println(BenchReport.header());
        out.flush();
      }
      results =
          BenchSweep.run(
              new LoadRunner(),
              plan,
              workload::request,
              REQUEST_TIMEOUT,
              r -> {
                if (!settings.json()) {
                  out.println(BenchReport.row(r));
                  out.flush();
                }
              });
    } finally {
      if (connections != null) {
        connections.close();
      }
      for (String failure : workload.cleanUp()) {
        err.println(Minkms.ERROR_PREFIX + "warning: " + failure);
      }
      err.flush();
    }
    if (settings.json()) {
      out.println(BenchReport.json(servers, plan, workload.enclave(), workload.keyName(), results));
    } else {
      BenchReport.errorLines(results).forEach(out::println);
    }
    out.flush();
    for (StepResult r : results) {
      if (r.requests() == 0 && r.errors() > 0) {
        throw CliException.failure(
            "every request of "
                + r.operation().text()
                + " at concurrency "
                + r.concurrency()
                + " failed: "
                + r.firstError());
      }
    }
    return 0;
  }
}
