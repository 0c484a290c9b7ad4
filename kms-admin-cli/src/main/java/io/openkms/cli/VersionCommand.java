package io.openkms.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code minkms version}: prints {@code minkms version <release> (commit=<sha>)}, like {@code
 * --version}.
 */
@Command(
    name = "version",
    mixinStandardHelpOptions = true,
    description = "Print the version of minkms.")
public final class VersionCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().println(BuildInfo.current().versionLine());
    spec.commandLine().getOut().flush();
    return 0;
  }
}
