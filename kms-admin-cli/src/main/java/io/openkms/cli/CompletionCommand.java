package io.openkms.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code minkms completion}: prints a bash completion script (picocli {@link
 * AutoComplete#bash(String, picocli.CommandLine)}) for every command and option of {@code minkms}.
 * Use: {@code source <(minkms completion)}; zsh needs {@code autoload -U +X bashcompinit &&
 * bashcompinit} first.
 */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = {"Print a bash/zsh completion script.", "Use: source <(minkms completion)"})
public final class CompletionCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().print(AutoComplete.bash("minkms", spec.root().commandLine()));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
