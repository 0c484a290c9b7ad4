package io.openkms.cli.commands;

import io.openkms.cli.Minkms;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code minkms env [--json]} (docs/REFERENCE.md §2.2, §3.1): the environment variables minkms
 * reads, one {@code NAME=value} line each for those that are set, secrets masked ({@code
 * MINIO_KMS_API_KEY=k1:***}, {@code MINIO_KMS_HSM_KEY=hsm:aes256:***}); {@code --all} also lists
 * the unset ones with their meaning. The reference's output format is not public.
 */
@Command(
    name = "env",
    mixinStandardHelpOptions = true,
    description = {"Print the environment variables minkms reads (secrets masked)."})
public final class EnvCommand implements Callable<Integer> {

  /** Every variable minkms reads, with its meaning, in print order. */
  static final Map<String, String> VARIABLES = new LinkedHashMap<>();

  static {
    VARIABLES.put(
        "MINIO_KMS_SERVER", "client: servers, comma-separated (default https://localhost:7373)");
    VARIABLES.put("MINIO_KMS_API_KEY", "client: API key k1:… (secret)");
    VARIABLES.put("MINIO_KMS_ENCLAVE", "object store: enclave of its keys");
    VARIABLES.put("MINIO_KMS_SSE_KEY", "object store: default key name");
    VARIABLES.put("MINIO_KMS_HSM_KEY", "server: software HSM key hsm:aes256:… (secret)");
    VARIABLES.put("MINIO_KMS_VOLUME", "server (systemd unit): the data directory DIR");
    VARIABLES.put("MINIO_KMS_OPTS", "server (systemd unit): further server flags");
    VARIABLES.put("MINIO_KMS_STORE_USER", "server: PostgreSQL user (overrides store.user)");
    VARIABLES.put("MINIO_KMS_STORE_PASSWORD", "server: PostgreSQL password (secret)");
    VARIABLES.put("MINIO_LICENSE", "deprecated and ignored");
    VARIABLES.put("MINKMS_JAVA_OPTS", "launcher: JVM flags");
    VARIABLES.put(
        "MINKMS_RESTART", "server: 'exit' or 'in-process' restarts (default: exit under systemd)");
    VARIABLES.put("JAVA_HOME", "launcher: the Java installation");
    VARIABLES.put("NO_COLOR", "client: no colours");
  }

  private static final List<String> SECRETS =
      List.of("MINIO_KMS_API_KEY", "MINIO_KMS_HSM_KEY", "MINIO_KMS_STORE_PASSWORD");

  @ParentCommand private Minkms minkms;

  @Spec private CommandSpec spec;

  @Option(names = "--json", description = "One JSON object of the set variables.")
  private boolean json;

  @Option(names = "--all", description = "Also list the unset variables and what each means.")
  private boolean all;

  @Override
  public Integer call() {
    Map<String, String> env = minkms.context().env();
    PrintWriter out = spec.commandLine().getOut();
    Map<String, String> set = new LinkedHashMap<>();
    for (String name : VARIABLES.keySet()) {
      String value = env.get(name);
      if (value != null) {
        set.put(name, mask(name, value));
      }
    }
    if (json) {
      out.println(Json.object(set));
    } else {
      for (Map.Entry<String, String> v : VARIABLES.entrySet()) {
        String value = set.get(v.getKey());
        if (value != null) {
          out.println(v.getKey() + "=" + value + (all ? "    # " + v.getValue() : ""));
        } else if (all) {
          out.println("# " + v.getKey() + " (unset): " + v.getValue());
        }
      }
    }
    out.flush();
    return 0;
  }

  /** The value as printed: secrets keep only their type prefix. */
  static String mask(String name, String value) {
    if (!SECRETS.contains(name)) {
      return value;
    }
    int colon = value.lastIndexOf(':');
    return (colon > 0 && colon < 16 ? value.substring(0, colon + 1) : "") + "***";
  }
}
