package io.openkms.cli.commands;

import io.openkms.cli.CliContext;
import io.openkms.cli.CliException;
import io.openkms.cli.Minkms;
import io.openkms.cli.client.ClientOptions;
import io.openkms.cli.client.ClientSettings;
import io.openkms.cli.client.ClientTrustStore;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientBuilder;
import io.openkms.http.client.KmsRequestException;
import io.openkms.kms.crypto.ApiKey;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Base of every command that talks to a server (docs/REFERENCE.md §2.1): the {@link ClientOptions}
 * mixin ({@code -a/--api-key}, {@code -k/--insecure}, {@code -e/--enclave}, {@code --json}), the
 * servers of {@code MINIO_KMS_SERVER} (else {@code https://localhost:7373}) with the client's
 * failover, and the trust store of the JDK's CAs plus {@code $HOME/.minkms/certs/CAs}.
 *
 * <p>{@link #call()} runs, in order: {@link #check()} (argument errors, exit 2, before anything
 * else), the enclave for commands that {@link #needsEnclave()} ({@code no enclave: use -e/--enclave
 * NAME}, exit 2), the API key (missing: {@code no API key: use --api-key or set MINIO_KMS_API_KEY};
 * malformed: {@code invalid API key: <reason>: use the k1:… key printed by the server or minkms
 * identity}; both exit 2), then {@link #run(KmsClient)}. Errors of the client become one line
 * through {@link ClientErrors} (exit 1). The client is closed when {@link #run(KmsClient)} ends,
 * however it ends: its selector thread would otherwise hold up the JVM's exit by up to 300 ms
 * (docs/PERFORMANCE.md, "CLI start time").
 */
public abstract class ClientCommand implements Callable<Integer> {
  /** The hint after a malformed API key. */
  public static final String API_KEY_HINT =
      "use the k1:… key printed by the server or minkms identity";

  @ParentCommand private Minkms minkms;

  @Spec private CommandSpec spec;

  @Mixin private ClientOptions options;

  private ClientSettings settings;

  /** Checks the arguments before any connection; the default accepts everything. */
  protected void check() throws CliException {}

  /**
   * True for commands that act inside an enclave and need {@code -e/--enclave}; checked right after
   * {@link #check()}. The default is false.
   */
  protected boolean needsEnclave() {
    return false;
  }

  /**
   * Runs the command with a ready client.
   *
   * @return the exit code, normally 0
   */
  protected abstract int run(KmsClient client) throws CliException;

  /** How long one request of this command may take; null: the client's default (60 s). */
  protected Duration requestTimeout() {
    return null;
  }

  @Override
  public final Integer call() throws CliException {
    CliContext context = minkms.context();
    settings = options.resolve(context);
    check();
    if (needsEnclave()) {
      requireEnclave();
    }
    ApiKey apiKey = parseApiKey(settings.requireApiKey());
    KmsClientBuilder builder = KmsClient.builder();
    if (requestTimeout() != null) {
      builder.requestTimeout(requestTimeout());
    }
    KmsClient client =
        builder
            .endpoints(settings.servers().stream().map(URI::toString).toList())
            .apiKey(apiKey.keyPair())
            .insecure(settings.insecure())
            // one or a few requests per run: HTTP/2 only adds start time (its framing and
            // HPACK classes: about 90 ms of CPU per command, docs/PERFORMANCE.md)
            .httpVersion(HttpClient.Version.HTTP_1_1)
            .trustAnchors(settings.insecure() ? null : ClientTrustStore.load(context.home()))
            .build();
    try (client) {
      int code = run(client);
      out().flush();
      return code;
    } catch (KmsRequestException e) {
      out().flush();
      throw ClientErrors.of(e);
    }
  }

  /**
   * Parses an API key given with {@code -a} or {@code MINIO_KMS_API_KEY}.
   *
   * @throws CliException exit 2, {@code invalid API key: <reason>: use the k1:… key printed by the
   *     server or minkms identity}
   */
  static ApiKey parseApiKey(String text) throws CliException {
    try {
      return ApiKey.parse(text.strip());
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage() + ": " + API_KEY_HINT);
    }
  }

  /** The resolved settings; available from {@link #check()} on. */
  protected final ClientSettings settings() {
    return settings;
  }

  /** The environment of this invocation. */
  protected final CliContext context() {
    return minkms.context();
  }

  /** This command's picocli model. */
  protected final CommandSpec spec() {
    return spec;
  }

  /** Standard output. */
  protected final PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** True for {@code --json}. */
  protected final boolean json() {
    return settings.json();
  }

  /** True when the output may be coloured (a terminal, {@code NO_COLOR} unset). */
  protected final boolean colour() {
    return settings.colour();
  }

  /**
   * The enclave of {@code -e/--enclave}.
   *
   * @throws CliException exit 2, {@code no enclave: use -e/--enclave NAME}
   */
  private String requireEnclave() throws CliException {
    return settings
        .enclave()
        .orElseThrow(() -> CliException.usage("no enclave: use -e/--enclave NAME"));
  }

  /**
   * The enclave of {@code -e/--enclave}, or {@code ""} (cluster level) when none is given (never
   * for commands that {@link #needsEnclave()}).
   */
  protected final String enclave() {
    return settings.enclave().orElse("");
  }

  /** Prints one JSON line per message. */
  protected final void printJson(List<? extends com.google.protobuf.MessageOrBuilder> messages) {
    for (com.google.protobuf.MessageOrBuilder m : messages) {
      out().println(Json.of(m));
    }
  }

  /**
   * Every item of a paginated list (docs/PROTOCOL.md §5.1 {@code ListRequest}): fetches pages, each
   * from the previous page's {@code continue_at}, until it is empty (or does not move).
   *
   * @param fetch the page starting at the given {@code continue_at} ({@code ""} first)
   * @param items the items of a page
   * @param continueAt the {@code continue_at} of a page
   */
  static <R, T> List<T> allPages(
      Function<String, R> fetch, Function<R, List<T>> items, Function<R, String> continueAt) {
    List<T> all = new ArrayList<>();
    String next = "";
    while (true) {
      R page = fetch.apply(next);
      all.addAll(items.apply(page));
      String following = continueAt.apply(page);
      if (following.isEmpty() || following.equals(next)) {
        return all;
      }
      next = following;
    }
  }

  /**
   * A key version given with {@code -v}: 0 (the default) means the latest.
   *
   * @throws CliException exit 2, {@code invalid version <v>: must be 1 or more}
   */
  static int version(Integer version) throws CliException {
    if (version == null) {
      return 0;
    }
    if (version < 1) {
      throw CliException.usage("invalid version " + version + ": must be 1 or more");
    }
    return version;
  }

  /**
   * Marks a command that acts on the whole cluster, never inside an enclave: {@link Minkms} removes
   * {@code -e/--enclave} from its options, so help does not show a meaningless option.
   */
  public interface ClusterLevel {}

  /** A command that acts inside the enclave of {@code -e/--enclave}, which it requires. */
  public abstract static class InEnclave extends ClientCommand {
    @Override
    protected final boolean needsEnclave() {
      return true;
    }
  }
}
